// Proves that the shell's meta HTTP client follows 307 redirects to the leader, moves on to the
// next meta server when one is down or knows no leader, bounds redirect loops, and reports error
// bodies and unreachable clusters with the address tried. Uses small local HTTP servers that answer
// the way the contract says a meta server does.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { MetaApiError, MetaHttp, MetaUnreachableError, leaderFromLocation } from '../../../infra/shell/meta-http.ts';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

async function serve(handler: Handler): Promise<{ address: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
    request.on('end', () => {
      hits.push(`${request.method ?? ''} ${request.url ?? ''} ${body}`.trim());
      handler(request, body, response);
    });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function closedPort(): Promise<string> {
  const { address, server } = await serve(() => undefined);
  await new Promise((resolveClose) => server.close(resolveClose));
  return address;
}

test('a 307 from a follower is followed to the leader with method and body, and the leader is remembered', async (t) => {
  const leader = await serve((_request, body, response) => json(response, 201, { appId: 7, echoed: body === '' ? null : JSON.parse(body) as unknown }));
  const follower = await serve((request, _body, response) => json(response, 307, { error: 'ERR_FORWARD_TO_OTHERS', leader: leader.address }, { location: `http://${leader.address}${request.url ?? ''}` }));
  t.teardown(() => { leader.server.close(); follower.server.close(); });
  const http = new MetaHttp([follower.address]);
  const answer = await http.request<{ appId: number; echoed: unknown }>('POST', '/v1/tables', { name: 't', partitionCount: 4, replicaCount: 3 });
  t.deepEqual(answer, { appId: 7, echoed: { name: 't', partitionCount: 4, replicaCount: 3 } });
  t.deepEqual(leader.hits, ['POST /v1/tables {"name":"t","partitionCount":4,"replicaCount":3}']);
  await http.request('GET', '/v1/tables');
  t.is(follower.hits.length, 1, 'the second request goes straight to the leader');
});

test('a down meta server and one that knows no leader (503) are skipped for the next', async (t) => {
  const down = await closedPort();
  const noLeader = await serve((_request, _body, response) => json(response, 503, { error: 'ERR_FORWARD_TO_OTHERS', leader: '' }));
  const leader = await serve((_request, _body, response) => json(response, 200, { tables: [] }));
  t.teardown(() => { noLeader.server.close(); leader.server.close(); });
  const answer = await new MetaHttp([down, noLeader.address, leader.address]).request<{ tables: unknown[] }>('GET', '/v1/tables');
  t.deepEqual(answer, { tables: [] });
  t.is(noLeader.hits.length, 1);
});

test('only 503s: says no leader is known yet', async (t) => {
  const noLeader = await serve((_request, _body, response) => json(response, 503, { error: 'ERR_FORWARD_TO_OTHERS', leader: '' }));
  t.teardown(() => noLeader.server.close());
  const error = await t.throwsAsync(new MetaHttp([noLeader.address]).request('GET', '/v1/nodes'), { instanceOf: MetaUnreachableError });
  t.regex(error?.message ?? '', /no meta leader ready yet \(127\.0\.0\.1:\d+: ERR_FORWARD_TO_OTHERS\)/);
});

test('a leader still reading its state (ERR_SERVICE_NOT_ACTIVE) is skipped for the next meta server', async (t) => {
  const recovering = await serve((_request, _body, response) => json(response, 503, { error: 'ERR_SERVICE_NOT_ACTIVE', message: 'still reading its state' }));
  const other = await serve((_request, _body, response) => json(response, 200, { nodes: [] }));
  t.teardown(() => { recovering.server.close(); other.server.close(); });
  t.deepEqual(await new MetaHttp([recovering.address, other.address]).request('GET', '/v1/nodes'), { nodes: [] });
  const alone = await t.throwsAsync(new MetaHttp([recovering.address]).request('GET', '/v1/nodes'), { instanceOf: MetaUnreachableError });
  t.regex(alone?.message ?? '', /ERR_SERVICE_NOT_ACTIVE, still reading its state/);
});

test('redirect loops stop after the bound', async (t) => {
  const looping = await serve((request, _body, response) => {
    const self = `127.0.0.1:${(request.socket.localPort ?? 0)}`;
    json(response, 307, { error: 'ERR_FORWARD_TO_OTHERS', leader: self }, { location: `http://${self}${request.url ?? ''}` });
  });
  t.teardown(() => looping.server.close());
  const error = await t.throwsAsync(new MetaHttp([looping.address]).request('GET', '/v1/tables'));
  t.regex(error?.message ?? '', /more than 4 redirects/);
  t.is(looping.hits.length, 5);
});

test('an error body becomes a MetaApiError with its code, message and the address', async (t) => {
  const meta = await serve((_request, _body, response) => json(response, 409, { error: 'ERR_APP_EXIST', message: 'table t already exists' }));
  t.teardown(() => meta.server.close());
  const error = await t.throwsAsync(new MetaHttp([meta.address]).request('POST', '/v1/tables', {}), { instanceOf: MetaApiError });
  t.is(error?.code, 'ERR_APP_EXIST');
  t.is(error?.status, 409);
  t.is(error?.message, `ERR_APP_EXIST: table t already exists (meta server ${meta.address})`);
});

test('an unreachable cluster names every address tried', async (t) => {
  const first = await closedPort();
  const second = await closedPort();
  const error = await t.throwsAsync(new MetaHttp([first, second]).request('GET', '/v1/cluster'), { instanceOf: MetaUnreachableError });
  t.is(error?.message, `cannot reach a meta server: tried ${first} (ECONNREFUSED), ${second} (ECONNREFUSED); is the cluster running? (\`npx pegasus onebox start\` starts a local one)`);
});

test('a server that does not answer in time is reported as such', async (t) => {
  const silent = await serve(() => undefined);
  t.teardown(() => { silent.server.closeAllConnections(); silent.server.close(); });
  const error = await t.throwsAsync(new MetaHttp([silent.address], { timeoutMs: 200 }).request('GET', '/v1/cluster'), { instanceOf: MetaUnreachableError });
  t.regex(error?.message ?? '', /no answer in time/);
});

test('leaderFromLocation reads absolute URLs and bare host:port', (t) => {
  t.is(leaderFromLocation('http://127.0.0.1:34602/v1/tables'), '127.0.0.1:34602');
  t.is(leaderFromLocation('10.0.0.2:34601'), '10.0.0.2:34601');
  t.is(leaderFromLocation('/v1/tables'), undefined);
});
