// Backup across a change of meta leader on a real onebox (three meta servers on ZooKeeper, --redis
// on the real Redis): a policy added on the first leader is kept in ZooKeeper and still scheduled
// after that leader is killed with SIGKILL, and the new leader runs its backups to completion.
import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBlockStore } from '../../../backup/block-store/open.ts';
import { backupInfoPath } from '../../../backup/core/layout.ts';
import { healthyConfig, serverNamed, startChaosOnebox, until } from '../../chaos/chaos-cluster.ts';
import { endpoints, requireService } from '../../support/services.ts';

interface Cluster {
  readonly self: string;
  readonly leader: string;
}

test('a policy outlives its meta leader: the next leader keeps scheduling it and completes its backups', async (t) => {
  t.timeout(420_000);
  await requireService('redis');
  await requireService('zookeeper');
  const { redis } = endpoints();
  // Made before the onebox so that teardown (last registered, first run) stops the servers before
  // it removes the target they may still be uploading into.
  const dir = mkdtempSync(join(tmpdir(), 'onebox-backup-leader-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10 }));
  const cluster = await startChaosOnebox(t, { metas: 3, zk: true, redis: `${redis.host}:${redis.port}` });
  const target = `file://${dir}`;
  await healthyConfig(cluster, 'temp', 120_000);
  await cluster.http.request('POST', '/v1/backup/policies', { name: 'often', tables: 'temp', target, interval: '3', keep: '2' });
  const leader = (await cluster.http.request<Cluster>('GET', '/v1/cluster')).leader;
  await cluster.onebox.kill(serverNamed(cluster, leader));
  const store = openBlockStore(target);
  const completedIds = async (): Promise<string[]> => {
    const ids = [];
    for (const entry of await store.list('onebox')) if ((await store.stat(backupInfoPath('onebox', entry.name))) !== undefined) ids.push(entry.name);
    return ids;
  };
  const killedAtMs = Date.now();
  const after = await until('two backups completed after the leader was killed', async () => {
    const ids = (await completedIds()).filter((id) => Number(id) > killedAtMs);
    return ids.length >= 2 ? ids : undefined;
  }, 180_000, 500);
  t.true(after.length >= 2);
  const { policies } = await cluster.http.request<{ policies: { name: string; enabled: boolean }[] }>('GET', '/v1/backup/policies');
  t.deepEqual(policies.map((p) => [p.name, p.enabled]), [['often', true]]);
  await cluster.http.request('POST', '/v1/backup/policies/often/disable', {});
  await until('retention keeps exactly two', async () => ((await completedIds()).length === 2 ? true : undefined), 60_000, 500);
});
