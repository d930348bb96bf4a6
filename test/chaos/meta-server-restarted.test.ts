// The only meta server (file store) is killed with SIGKILL while writers run and started again on
// its data. Replica servers stop serving once their lease runs out and serve again under the
// restarted meta server, which recovers every table and configuration from its store; no
// acknowledged write is lost and the table is healthy again with the same members.
import { performance } from 'node:perf_hooks';
import test from 'ava';
import { createClient } from '../../client/node/index.ts';
import { Writers, healthyConfig, missingWrites, seconds, startChaosOnebox, until } from './chaos-cluster.ts';

const TABLE = 'temp';

test('the only meta server is killed under load and restarted on its data: writes resume and no acknowledged write is lost', async (t) => {
  t.timeout(240_000);
  const cluster = await startChaosOnebox(t);
  const client = createClient({ metaServers: [...cluster.metas], timeoutMs: 5000 });
  t.teardown(() => client.close());
  const table = await client.openTable(TABLE);
  const before = await healthyConfig(cluster, TABLE, 60_000);
  const writers = new Writers(table, 4, 'metabounce', before.partitionCount);
  writers.start();
  t.teardown(() => writers.stop());
  await until('writes are acknowledged', () => (writers.acknowledged.length >= 100 ? true : undefined), 60_000);

  const killedAt = performance.now();
  await cluster.onebox.kill('meta-1');
  // Down long enough for every replica server's lease to run out.
  await until('writes stop without the meta server', () => {
    const last = writers.acknowledged.at(-1)?.ackedMs ?? 0;
    return performance.now() - last > 2000 ? true : undefined;
  }, 30_000);
  const stoppedMs = (writers.acknowledged.at(-1)?.ackedMs ?? killedAt) - killedAt;
  const restartAt = performance.now();
  await cluster.onebox.restart('meta-1');
  await until('writes to every partition resume', () =>
    new Set(writers.ackedAfter(restartAt).map((ack) => ack.partition)).size === before.partitionCount ? true : undefined, 60_000);
  t.log(`last write acknowledged ${seconds(stoppedMs)} after the kill; writes to every partition again ${seconds(performance.now() - restartAt)} after the restart began`);
  const after = await healthyConfig(cluster, TABLE, 60_000);
  t.deepEqual(after.partitions.map((partition) => [partition.primary, ...partition.secondaries].sort()), before.partitions.map((partition) => [partition.primary, ...partition.secondaries].sort()), 'the same members');
  await writers.stop();
  t.log(`${writers.acknowledged.length} writes acknowledged, ${writers.failed} failed`);
  t.deepEqual(await missingWrites(table, writers.acknowledged), [], 'every acknowledged write is readable with its value');
});
