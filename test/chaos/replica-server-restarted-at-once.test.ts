// A replica server holding primaries is killed with SIGKILL and started again at once, so it is
// back before the meta server's grace period ends and the meta server may never have declared it
// dead; three times, each time the server leading the most partitions, while writers run. Writes
// to the partitions it led resume each time, the table is healthy again before the next kill, and
// every acknowledged write reads back with its value at the end.
import { performance } from 'node:perf_hooks';
import test from 'ava';
import { createClient } from '../../client/node/index.ts';
import { Writers, healthyConfig, missingWrites, seconds, serverNamed, startChaosOnebox, until } from './chaos-cluster.ts';
import { oneboxFailoverBound } from './failover-bound.ts';

const TABLE = 'temp';

test('replica servers killed and restarted at once under load, three times: writes resume and no acknowledged write is lost', async (t) => {
  t.timeout(300_000);
  const bound = oneboxFailoverBound();
  const cluster = await startChaosOnebox(t);
  const client = createClient({ metaServers: [...cluster.metas], timeoutMs: 5000 });
  t.teardown(() => client.close());
  const table = await client.openTable(TABLE);
  const { partitionCount } = await healthyConfig(cluster, TABLE, 60_000);
  const writers = new Writers(table, 4, 'bounce', partitionCount);
  writers.start();
  t.teardown(() => writers.stop());
  await until('writes are acknowledged', () => (writers.acknowledged.length >= 100 ? true : undefined), 60_000);

  for (let cycle = 1; cycle <= 3; cycle++) {
    const config = await healthyConfig(cluster, TABLE, 90_000);
    const led = new Map<string, number[]>();
    for (const partition of config.partitions) led.set(partition.primary, [...(led.get(partition.primary) ?? []), partition.index]);
    const [victim, indices] = [...led.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
    const affected = new Set(indices);
    const name = serverNamed(cluster, victim);
    const killedAt = performance.now();
    await cluster.onebox.kill(name);
    await cluster.onebox.restart(name);
    const backMs = performance.now() - killedAt;
    const resumed = new Set<number>();
    await until(`writes to the partitions ${name} led resume`, () => {
      for (const ack of writers.ackedAfter(killedAt, affected)) resumed.add(ack.partition);
      return resumed.size === affected.size ? true : undefined;
    }, 3 * bound.replicaMs);
    t.log(`cycle ${cycle}: ${name} (partitions ${indices.join(', ')}) back after ${seconds(backMs)}; writes to all its partitions resumed ${seconds(performance.now() - killedAt)} after the kill`);
  }
  await healthyConfig(cluster, TABLE, 90_000);
  await writers.stop();
  t.log(`${writers.acknowledged.length} writes acknowledged, ${writers.failed} failed`);
  t.deepEqual(await missingWrites(table, writers.acknowledged), [], 'every acknowledged write is readable with its value');
});
