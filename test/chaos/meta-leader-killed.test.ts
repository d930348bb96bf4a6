// Three meta servers on ZooKeeper in a real onebox; the leader is killed with SIGKILL while
// writers and readers run. Another meta server takes over, and the clients, which know all three
// meta servers, keep working: writes and reads go on (the gap is measured and logged), every
// acknowledged write is readable, and the new leader creates, routes and serves a new table; the
// old leader, restarted, follows the new one.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { createClient, type Table } from '../../client/node/index.ts';
import { clientRpcs } from '../../cluster/rpc/rpc-methods.ts';
import type { ClusterInfo } from '../../infra/shell/meta-api.ts';
import { callMeta, createRequest } from '../support/meta-server.ts';
import { requireService } from '../support/services.ts';
import { Writers, healthyConfig, missingWrites, seconds, serverNamed, startChaosOnebox, until, type Acknowledged } from './chaos-cluster.ts';
import { oneboxFailoverBound } from './failover-bound.ts';

const TABLE = 'temp';

async function clusterInfo(meta: string): Promise<ClusterInfo> {
  const response = await fetch(`http://${meta}/v1/cluster`, { signal: AbortSignal.timeout(3000) });
  return (await response.json()) as ClusterInfo;
}

/** Readers of acknowledged writes: each read must return the value written; times of successes kept. */
class Readers {
  readonly okAtMs: number[] = [];
  readonly wrong: string[] = [];
  failed = 0;
  #running = true;
  readonly #loops: Promise<void>[];

  constructor(table: Table, source: readonly Acknowledged[], count: number) {
    this.#loops = Array.from({ length: count }, async () => {
      const decoder = new TextDecoder();
      while (this.#running) {
        const ack = source[Math.floor(Math.random() * source.length)];
        if (ack === undefined) {
          await sleep(50);
          continue;
        }
        try {
          const value = await table.get(ack.hashKey, 's', { timeoutMs: 5000 });
          const got = value === null ? null : decoder.decode(value);
          if (got === ack.value) this.okAtMs.push(performance.now());
          else this.wrong.push(`${ack.hashKey}: expected ${ack.value}, read ${String(got)}`);
        } catch {
          this.failed++;
          await sleep(50);
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }
}

/** The longest stretch after `fromMs` without a success, and where it began (ms after `fromMs`). */
function longestGap(successesMs: readonly number[], fromMs: number): { readonly gapMs: number; readonly fromKillMs: number } {
  const after = successesMs.filter((ms) => ms > fromMs).sort((a, b) => a - b);
  let previous = fromMs;
  let longest = { gapMs: 0, fromKillMs: 0 };
  for (const ms of after) {
    if (ms - previous > longest.gapMs) longest = { gapMs: ms - previous, fromKillMs: previous - fromMs };
    previous = ms;
  }
  return longest;
}

const describeGap = (gap: { readonly gapMs: number; readonly fromKillMs: number }) => `${seconds(gap.gapMs)} (from ${seconds(gap.fromKillMs)} after the kill)`;

test('three meta servers on ZooKeeper: the leader is killed under load, another takes over and clients keep working', async (t) => {
  t.timeout(300_000);
  await requireService('zookeeper');
  const bound = oneboxFailoverBound();
  const cluster = await startChaosOnebox(t, { metas: 3, zk: true });
  const client = createClient({ metaServers: [...cluster.metas], timeoutMs: 5000 });
  t.teardown(() => client.close());
  const table = await client.openTable(TABLE);
  const { partitionCount } = await healthyConfig(cluster, TABLE, 60_000);
  const oldLeader = (await clusterInfo(cluster.metas[0] ?? '')).leader;
  t.true(cluster.metas.includes(oldLeader), `a leader among ${cluster.metas.join(', ')}: ${oldLeader}`);
  const survivors = cluster.metas.filter((meta) => meta !== oldLeader);

  const writers = new Writers(table, 3, 'metakill', partitionCount);
  writers.start();
  t.teardown(() => writers.stop());
  const readers = new Readers(table, writers.acknowledged, 2);
  t.teardown(() => readers.stop());
  await until('writes and reads succeed', () => (writers.acknowledged.length >= 100 && readers.okAtMs.length >= 50 ? true : undefined), 60_000);

  const killedAt = performance.now();
  await cluster.onebox.kill(serverNamed(cluster, oldLeader));
  const newLeader = await until('a surviving meta server leads with its state recovered', async () => {
    for (const meta of survivors) {
      const info = await clusterInfo(meta).catch(() => undefined);
      if (info !== undefined && info.self === info.leader && info.level !== '') return meta;
    }
    return undefined;
  }, 90_000);
  const leaderAfterMs = performance.now() - killedAt;
  t.not(newLeader, oldLeader);
  // A follower looks the leader up in ZooKeeper every META_LEADER_REFRESH_MS; it watches only its predecessor's lock node.
  await until(`both survivors name ${newLeader} as the leader`, async () =>
    (await Promise.all(survivors.map(async (meta) => (await clusterInfo(meta)).leader))).every((leader) => leader === newLeader) ? true : undefined, 30_000);

  // Run on until every replica server's old lease has expired and the new leader's grace for
  // them has passed: writes acknowledged after that were served under leases the new leader gave.
  const settledMs = leaderAfterMs + bound.leaseMs + bound.graceMs;
  await until('writes and reads go on after the failover', () => {
    const since = killedAt + settledMs;
    return writers.ackedAfter(since).length >= 100 && readers.okAtMs.filter((ms) => ms > since).length >= 50 ? true : undefined;
  }, 120_000);
  await Promise.all([writers.stop(), readers.stop()]);
  const writeGap = longestGap(writers.acknowledged.map((ack) => ack.ackedMs), killedAt);
  const readGap = longestGap(readers.okAtMs, killedAt);
  t.log(`killed meta leader ${oldLeader}; ${newLeader} led ${seconds(leaderAfterMs)} later (ZooKeeper session timeout ${bound.zkSessionTimeoutMs} ms)`);
  t.log(`longest gap after the kill: writes ${describeGap(writeGap)}, reads ${describeGap(readGap)}; ${writers.acknowledged.length} writes acknowledged (${writers.failed} failed), ${readers.okAtMs.length} reads (${readers.failed} failed)`);
  t.deepEqual(readers.wrong, [], 'every read returned the value written');
  t.deepEqual(await missingWrites(table, writers.acknowledged), [], 'every acknowledged write is readable with its value');

  // The new leader does DDL and routing; a new client whose first meta server is the dead one finds it.
  const created = await callMeta(newLeader, clientRpcs.createApp, createRequest('after_failover', 2, 3));
  t.is(created.err, 'ERR_OK');
  await healthyConfig(cluster, 'after_failover', 60_000);
  const late = createClient({ metaServers: [oldLeader, ...survivors], timeoutMs: 20_000 });
  t.teardown(() => late.close());
  const fresh = await late.openTable('after_failover');
  await fresh.set('h', 's', 'v');
  t.is(new TextDecoder().decode((await fresh.get('h', 's')) ?? new Uint8Array(0)), 'v');

  // The old leader, restarted on its data, stands again behind the new one and follows it.
  await cluster.onebox.restart(serverNamed(cluster, oldLeader));
  const rejoined = await until(`${oldLeader} names ${newLeader} as the leader`, async () => {
    const info = await clusterInfo(oldLeader);
    return info.leader === newLeader ? info : undefined;
  }, 30_000);
  t.is(rejoined.level, '', 'the restarted meta server does not lead');
  t.is((await clusterInfo(newLeader)).leader, newLeader);
});
