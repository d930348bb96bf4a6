// The meta server's backup routes on real sockets, the real file store and the real Redis: without
// --redis every backup request is refused naming the flag; with it, a policy is validated, stored,
// scheduled, modified and disabled, and a meta server restarted on the same store still has it.
import test from 'ava';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';
import { temporaryMetaDirectory } from '../../support/meta-stores.ts';
import { httpJson, startMetaServer, until } from '../../support/meta-server.ts';

test('without Redis the backup routes answer ERR_SERVICE_NOT_ACTIVE naming --redis', async (t) => {
  const directory = await temporaryMetaDirectory();
  t.teardown(() => directory.remove());
  const server = await startMetaServer({ kind: 'file', directory: directory.path });
  t.teardown(() => server.close());
  await until('leading', () => server.readyTerm());
  for (const [method, path] of [['GET', '/v1/backup/policies'], ['POST', '/v1/backup/backups'], ['GET', '/v1/backup/backups']] as const) {
    const answer = await httpJson(server.self, path, { method, ...(method === 'POST' ? { body: { table: 'x', target: 'file:///tmp/x' } } : {}) });
    t.is(answer.status, 503, path);
    t.is(answer.body['error'], 'ERR_SERVICE_NOT_ACTIVE');
    t.regex(String(answer.body['message']), /--redis HOST:PORT/);
  }
});

test('policies are validated, scheduled, modified, disabled, and survive a meta server restart', async (t) => {
  await requireService('redis');
  const { redis } = endpoints();
  const directory = await temporaryMetaDirectory();
  t.teardown(() => directory.remove());
  const backup = { redis: { host: redis.host, port: redis.port }, prefix: uniqueName('pegasus-meta-test'), call: () => Promise.reject(new Error('no replica servers here')) };
  const start = () => startMetaServer({ kind: 'file', directory: directory.path }, { backup });
  let server = await start();
  t.teardown(() => server.close());
  await until('leading', () => server.readyTerm());
  t.is((await httpJson(server.self, '/v1/tables', { method: 'POST', body: { name: 'orders', partitionCount: 4, replicaCount: 3 } })).status, 201);
  await until('orders is available', () => server.readyTerm()?.ready?.table('orders')?.status === 'available' ? true : undefined);

  const policy = { name: 'hourly', tables: 'orders', target: 'file:///tmp/backups', cron: '0 * * * *', keep: '2' };
  const refused = await httpJson(server.self, '/v1/backup/policies', { method: 'POST', body: { ...policy, tables: 'orders,nope' } });
  t.is(refused.status, 404);
  t.regex(String(refused.body['message']), /no table named "nope"/);
  t.is((await httpJson(server.self, '/v1/backup/policies', { method: 'POST', body: policy })).status, 201);
  t.is((await httpJson(server.self, '/v1/backup/policies', { method: 'POST', body: policy })).status, 409);
  const modified = await httpJson(server.self, '/v1/backup/policies/hourly', { method: 'PUT', body: { keep: '5', interval: '600', cron: '' } });
  t.is(modified.status, 200, JSON.stringify(modified.body));
  t.like(modified.body['policy'], { keep: 5, schedule: { kind: 'interval', seconds: 600 } });
  const badModify = await httpJson(server.self, '/v1/backup/policies/hourly', { method: 'PUT', body: { keep: '0' } });
  t.is(badModify.status, 400);
  const listed = await httpJson(server.self, '/v1/backup/policies');
  const [only] = listed.body['policies'] as { name: string; keep: number; nextRunMs?: number }[];
  t.is(only?.keep, 5, 'a refused modification changed nothing');
  t.true((only?.nextRunMs ?? 0) > 0, 'the policy is scheduled');
  t.is((await httpJson(server.self, '/v1/backup/policies/hourly/disable', { method: 'POST' })).status, 200);
  t.is((await httpJson(server.self, '/v1/backup/policies/nope/enable', { method: 'POST' })).status, 404);

  await server.close();
  server = await start();
  await until('leading again', () => server.readyTerm());
  const after = await until('the policy is listed', async () => {
    const answer = await httpJson(server.self, '/v1/backup/policies');
    return answer.status === 200 ? (answer.body['policies'] as { name: string; enabled: boolean; keep: number; nextRunMs?: number }[]) : undefined;
  });
  t.deepEqual(after.map((p) => [p.name, p.enabled, p.keep, p.nextRunMs]), [['hourly', false, 5, undefined]], 'disabled: kept, not scheduled');
});
