// One seed, start to finish: build the world the seed's swarm configuration describes, run the
// workload under the nemesis for the fault phase, heal everything, wait for every partition to
// become healthy and take a write, read every key a last time, then run the checkers. Everything
// is a function of the seed, so a failing seed replays exactly.
import { gpidKey } from '../../cluster/meta/core/types.ts';
import { ReplicaCore } from '../../cluster/replication/index.ts';
import type { Gpid, PartitionConfiguration, ReplicaCoreOptions } from '../../cluster/replication/index.ts';
import { checkAckedWritesSurvive } from './checkers/acked-writes.ts';
import { checkLinearizable, earliestViolation, formatOperations } from './checkers/linearizability.ts';
import { checkLiveness } from './checkers/liveness.ts';
import type { PartitionRecovery } from './checkers/liveness.ts';
import { ReplicationInvariants } from './checkers/replication-invariants.ts';
import { SimClient } from './client.ts';
import type { InjectedBug, SimContext } from './context.ts';
import { emptyFaultStats, META_ADDRESS } from './context.ts';
import type { FaultStats } from './context.ts';
import { EventQueue } from './event-queue.ts';
import { History } from './history.ts';
import { SIM_EVENTS_PER_RUN_MAX } from './limits.ts';
import type { SimMessage } from './messages.ts';
import { describeMessage, mayDuplicate } from './messages.ts';
import { SimMetaServer } from './meta-server.ts';
import { SimMetaStore } from './meta-store.ts';
import { realMetaCore } from './real-meta.ts';
import type { SimMetaCoreFactory } from './minimal-meta.ts';
import { Nemesis } from './nemesis.ts';
import { Network, QUIET_NETWORK } from './network.ts';
import type { NetworkStats } from './network.ts';
import { RandomStream } from './random-stream.ts';
import { SimReplicaServer } from './replica-server.ts';
import { swarmConfig } from './swarm.ts';
import type { SwarmConfig } from './swarm.ts';
import { Trace } from './trace.ts';

export const APP_ID = 1;

export interface RunOptions {
  readonly verbose?: boolean;
  /** With verbose: also print every message delivered. */
  readonly traceMessages?: boolean;
  readonly bug?: InjectedBug;
  /** Which meta core to drive: the real one (default) or the minimal one in minimal-meta.ts. */
  readonly metaFactory?: SimMetaCoreFactory;
  /** Replaces or wraps the core constructor (the default builds the real ReplicaCore). */
  readonly makeCore?: SimContext['makeCore'];
}

export interface SeedResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly violations: readonly string[];
  /** Partitions left without primary by design until an operator acts (all replicas lost, fsync never). */
  readonly needsOperator: readonly string[];
  readonly faults: FaultStats;
  readonly network: NetworkStats;
  readonly swarm: SwarmConfig;
  readonly virtualMs: number;
  readonly events: number;
  readonly operations: Record<'ok' | 'failed' | 'unknown' | 'pending', number>;
  readonly traceTail: readonly string[];
}

function tickOptions(swarm: SwarmConfig): Partial<ReplicaCoreOptions> {
  const ticks = (ms: number): number => Math.max(1, Math.round(ms / swarm.tickIntervalMs));
  return {
    prepareTimeoutTicks: ticks(1_000),
    learnerPrepareTimeoutTicks: ticks(2_000),
    prepareRetryTicks: ticks(100),
    groupCheckIntervalTicks: ticks(1_000),
    emptyWriteIdleTicks: ticks(1_000),
    metaRetryTicks: ticks(500),
    learnRetryTicks: ticks(500),
    ...(swarm.learnResponseBytesMax === undefined ? {} : { learnResponseBytesMax: swarm.learnResponseBytesMax }),
  };
}

export function runSeed(seed: number, options: RunOptions = {}): SeedResult {
  const swarm = swarmConfig(seed);
  const root = RandomStream.fromSeed(seed);
  const queue = new EventQueue();
  const trace = new Trace(() => queue.nowMs, options.verbose ?? false);
  const invariants = new ReplicationInvariants();
  const history = new History();
  const nodes = new Map<string, { receive(from: string, message: SimMessage): void }>();
  const network = new Network<SimMessage>(queue, root.fork(), swarm.network, (to, from, message) => {
    if (options.traceMessages === true) trace.log('net', `${from} -> ${to} ${describeMessage(message)}`);
    nodes.get(to)?.receive(from, message);
  }, describeMessage, mayDuplicate);
  const servers: SimReplicaServer[] = [];
  const ctx: SimContext = {
    queue,
    network,
    trace,
    swarm,
    invariants,
    bug: options.bug ?? 'none',
    coreOptions: tickOptions(swarm),
    makeCore: options.makeCore ?? ((init) => new ReplicaCore(init)),
    fetchCheckpoint: (from, to, name, decree) => {
      if (network.isLinkCut(from, to) || network.isLinkCut(to, from)) return undefined;
      return servers.find((server) => server.address === from)?.checkpoint(name, decree);
    },
    random: root.fork(),
    stats: emptyFaultStats(),
  };

  // The table exists before the run: one stored configuration per partition, no members yet.
  const store = new SimMetaStore(queue, root.fork(), swarm.metaStoreLatencyMsMax);
  const gpids: Gpid[] = Array.from({ length: swarm.partitionCount }, (_, partitionIndex) => ({ appId: APP_ID, partitionIndex }));
  const metaFactory = options.metaFactory ?? realMetaCore;
  for (const [key, value] of metaFactory.seedTable({ appId: APP_ID, name: 'sim', partitionCount: swarm.partitionCount, maxReplicaCount: swarm.maxReplicaCount })) {
    store.seed(key, value);
  }
  const meta = new SimMetaServer(ctx, store, metaFactory);
  nodes.set(META_ADDRESS, meta);
  for (let i = 1; i <= swarm.replicaServerCount; i++) {
    const server = new SimReplicaServer(ctx, `replica${i}`);
    servers.push(server);
    nodes.set(server.address, server);
  }

  const keys = Array.from({ length: swarm.keyCount }, (_, i) => `k${i}`);
  const probeKeys = gpids.map((gpid) => `probe${gpid.partitionIndex}`);
  const route = (key: string): Gpid => {
    const probe = probeKeys.indexOf(key);
    const index = probe >= 0 ? probe : Number(key.slice(1));
    return gpids[index % gpids.length] as Gpid;
  };
  const clients: SimClient[] = [];
  for (let i = 1; i <= swarm.clientCount + 1; i++) {
    const client = new SimClient(ctx, `client${i}`, history, root.fork(), route);
    clients.push(client);
    nodes.set(client.address, client);
  }
  const checker = clients.pop() as SimClient;
  const nemesis = new Nemesis(ctx, root.fork(), servers, meta);

  const violations: string[] = [];
  const needsOperator: string[] = [];
  /**
   * Partitions that lost every replica and that the meta server, by design, will not revive
   * without an operator: with fsync `never` it refuses when the two newest drops disagree (as
   * Pegasus's DDD check does). Reported, not counted as liveness failures.
   */
  const operatorPartitions = (): Set<string> => {
    const stuck = new Set<string>();
    if (swarm.fsyncPolicy !== 'never') return stuck;
    for (const gpid of gpids) if (meta.diagnose(gpid).startsWith('stuck:')) stuck.add(gpidKey(gpid));
    return stuck;
  };
  let healedAtMs = 0;
  const recovery = new Map<string, { healthyAtMs: number | undefined; writeAckedAtMs: number | undefined }>();
  try {
    meta.start();
    for (const server of servers) server.start();
    for (const client of clients) client.startWorkload(keys);
    nemesis.start(swarm.faultPhaseMs);
    runFor(queue, swarm.faultPhaseMs);

    // Faults stop; every node comes back; the workload stops issuing new operations.
    for (const client of clients) client.stop();
    network.setFaults(QUIET_NETWORK);
    nemesis.healAll();
    healedAtMs = queue.nowMs;
    for (const gpid of gpids) recovery.set(gpidKey(gpid), { healthyAtMs: undefined, writeAckedAtMs: undefined });
    const deadline = healedAtMs + swarm.livenessBoundMs;
    const probing = new Set<string>();
    const watch = (): void => {
      for (const gpid of gpids) {
        const key = gpidKey(gpid);
        const state = recovery.get(key) as { healthyAtMs: number | undefined; writeAckedAtMs: number | undefined };
        if (state.healthyAtMs === undefined && isHealthy(meta.configurations(), servers, gpid)) state.healthyAtMs = queue.nowMs;
        if (state.healthyAtMs !== undefined && state.writeAckedAtMs === undefined && !probing.has(key)) {
          probing.add(key);
          checker.execute({ kind: 'put', key: `probe${gpid.partitionIndex}` }, (outcome) => {
            probing.delete(key);
            if (outcome === 'ok') state.writeAckedAtMs = queue.nowMs;
          });
        }
      }
      if ([...recovery.values()].some((state) => state.writeAckedAtMs === undefined) && queue.nowMs < deadline) queue.after(100, 'watch health', watch);
    };
    queue.after(0, 'watch health', watch);
    runFor(queue, swarm.livenessBoundMs, () => [...recovery.values()].every((state) => state.writeAckedAtMs !== undefined));

    // Final reads of every key once every workload operation has been answered or timed out,
    // each retried until it succeeds or time runs out.
    runFor(queue, swarm.clientTimeoutMs + 1_000, () => history.pendingCount === 0);
    const finalDeadline = queue.nowMs + 30_000;
    let pendingReads = 0;
    const unread: string[] = [];
    for (const key of [...keys, ...probeKeys]) {
      pendingReads++;
      const attempt = (): void => {
        checker.execute({ kind: 'get', key, final: true }, (outcome) => {
          if (outcome === 'ok') pendingReads--;
          else if (queue.nowMs >= finalDeadline) {
            pendingReads--;
            unread.push(key);
          } else queue.after(50, 'final read retry', attempt);
        });
      };
      attempt();
    }
    runFor(queue, 40_000, () => pendingReads === 0);
    // A partition the meta server refuses to revive by design (see needsOperator) cannot be read.
    const unexcused = unread.filter((key) => !operatorPartitions().has(gpidKey(route(key))));
    if (pendingReads > 0 || unexcused.length > 0) violations.push(`liveness: final reads of ${unexcused.join(', ') || `${pendingReads} keys`} never succeeded`);
  } catch (error) {
    const text = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack?.split('\n').slice(1, 6).join('\n') ?? ''}` : String(error);
    violations.push(`exception: ${text}`);
  }
  history.close();

  const linearizable = checkLinearizable(history.all());
  if (!linearizable.ok && linearizable.firstViolation !== undefined) {
    const { key, operations } = linearizable.firstViolation;
    const earliest = earliestViolation(key, operations);
    const shown = earliest === undefined ? operations : earliest.operations;
    violations.push(`linearizability: key ${key} has no linearization${earliest === undefined ? '' : ` once ${earliest.atMs} ms is reached; operations around then`}:\n${formatOperations(shown)}`);
  }
  for (const gaveUp of linearizable.keys.filter((verdict) => verdict.result === 'gave-up')) trace.log('checker', `linearizability gave up on ${gaveUp.key} (${gaveUp.operations} ops)`);
  for (const violation of checkAckedWritesSurvive(history.all())) violations.push(`acknowledged write lost: key ${violation.key}: ${violation.reason}`);
  for (const violation of invariants.violations.slice(0, 5)) violations.push(`replication: ${violation.rule} at ${violation.atMs}: ${violation.message}`);
  if (recovery.size > 0) {
    const partitions: PartitionRecovery[] = [...recovery].map(([gpid, state]) => ({ gpid, ...state }));
    const excused = operatorPartitions();
    for (const violation of checkLiveness({ healedAtMs, boundMs: swarm.livenessBoundMs, partitions })) {
      if (excused.has(violation.gpid)) {
        needsOperator.push(`${violation.gpid}: ${meta.diagnose(gpids.find((g) => gpidKey(g) === violation.gpid) as Gpid)}`);
        continue;
      }
      violations.push(`liveness: ${violation.gpid} ${violation.message}; now ${describePartition(meta, servers, violation.gpid)}`);
    }
  }
  return {
    seed,
    ok: violations.length === 0,
    violations,
    needsOperator,
    faults: ctx.stats,
    network: { ...network.stats },
    swarm,
    virtualMs: queue.nowMs,
    events: queue.executedCount,
    operations: history.counts(),
    traceTail: trace.tail(),
  };
}

function runFor(queue: EventQueue, durationMs: number, done: () => boolean = () => false): void {
  const until = queue.nowMs + durationMs;
  const budget = SIM_EVENTS_PER_RUN_MAX;
  queue.runUntil(until, () => {
    if (queue.executedCount > budget) {
      const recent = queue.recentLabelCounts().map(([label, count]) => `${count}x ${label}`).join('; ');
      throw new Error(`more than ${budget} events by ${queue.nowMs} ms: the run is stuck in a loop; recent events: ${recent}`);
    }
    return done();
  });
}

/** Healthy: the meta server lists a primary and every secondary, and each of them is up and agrees on its role. */
function isHealthy(configs: readonly PartitionConfiguration[], servers: readonly SimReplicaServer[], gpid: Gpid): boolean {
  const config = configs.find((c) => gpidKey(c.gpid) === gpidKey(gpid));
  if (config === undefined || config.primary === '' || config.secondaries.length + 1 < config.maxReplicaCount) return false;
  const roleOf = (node: string): string | undefined => {
    const server = servers.find((s) => s.address === node);
    if (server === undefined || !server.isUp || server.isPaused) return undefined;
    const info = server.replicaInfos().find((i) => gpidKey(i.gpid) === gpidKey(gpid));
    return info?.ballot === config.ballot ? info.role : undefined;
  };
  return roleOf(config.primary) === 'primary' && config.secondaries.every((node) => roleOf(node) === 'secondary');
}

/** The meta server's configuration of a partition and each replica's view of it, for a liveness report. */
function describePartition(meta: SimMetaServer, servers: readonly SimReplicaServer[], gpid: string): string {
  const config = meta.configurations().find((c) => gpidKey(c.gpid) === gpid);
  const diagnosis = meta.diagnose(config?.gpid ?? { appId: 0, partitionIndex: 0 });
  const metaView = config === undefined ? 'meta: unknown' : `meta: ballot ${config.ballot} primary ${config.primary || '-'} secondaries [${config.secondaries.join(',')}] drops [${config.lastDrops.join(',')}]`;
  const replicas = servers.flatMap((server) =>
    server.replicaInfos().filter((info) => gpidKey(info.gpid) === gpid).map((info) => `${server.address} ${info.role}@${info.ballot} c${info.committedDecree} p${info.preparedDecree}`),
  );
  return `${metaView}${diagnosis === '' ? '' : ` (${diagnosis})`}; replicas: ${replicas.join(', ') || 'none'}`;
}
