// The whole onebox is killed with SIGKILL (every meta and replica server at once, a power cut)
// while writers run, then started again on the same directory: with fsync `always` every write
// that was acknowledged before the cut is there with its value, and the cluster takes writes again.
import { performance } from 'node:perf_hooks';
import test from 'ava';
import { createClient } from '../../client/node/index.ts';
import { Writers, healthyConfig, missingWrites, seconds, startChaosOnebox, until } from './chaos-cluster.ts';

const TABLE = 'temp';

test('every acknowledged write survives SIGKILL of every server and a restart on the same data', async (t) => {
  t.timeout(240_000);
  const cluster = await startChaosOnebox(t);
  const client = createClient({ metaServers: [...cluster.metas], timeoutMs: 5000 });
  t.teardown(() => client.close());
  const table = await client.openTable(TABLE);
  const { partitionCount } = await healthyConfig(cluster, TABLE, 60_000);

  const writers = new Writers(table, 4, 'cut', partitionCount);
  writers.start();
  t.teardown(() => writers.stop());
  await until('writes are acknowledged on every partition', () =>
    new Set(writers.acknowledged.map((ack) => ack.partition)).size === partitionCount && writers.acknowledged.length >= 300 ? true : undefined, 60_000);
  await cluster.onebox.killAll();
  // Writes in flight at the cut fail or were acknowledged before it; none is acknowledged after.
  await writers.stop();
  const acknowledged = [...writers.acknowledged];
  t.log(`${acknowledged.length} writes acknowledged before the cut, ${writers.failed} failed`);

  const restartAt = performance.now();
  await cluster.restartAll();
  await healthyConfig(cluster, TABLE, 60_000);
  t.log(`restarted with every partition healthy in ${seconds(performance.now() - restartAt)}`);
  const reader = createClient({ metaServers: [...cluster.metas], timeoutMs: 20_000 });
  t.teardown(() => reader.close());
  const reopened = await reader.openTable(TABLE);
  t.deepEqual(await missingWrites(reopened, acknowledged), [], 'every acknowledged write is readable with its value');

  // The first client, whose connections all broke, works again too.
  await until('the first client writes again', async () => {
    await table.set('cut-after', 's', 'again', { timeoutMs: 5000 });
    return true;
  }, 60_000);
  t.is(new TextDecoder().decode((await reopened.get('cut-after', 's')) ?? new Uint8Array(0)), 'again');
});
