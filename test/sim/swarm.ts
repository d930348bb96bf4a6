// Swarm testing: every seed draws not only its schedule but its whole world — cluster size, fault
// kinds switched on or off, fault rates, timeouts, fsync policy — so the seed range covers quiet
// runs, runs with one fault kind hammered, and everything in between.
import type { FailureDetectorOptions } from '../../cluster/meta/core/options.ts';
import type { FsyncPolicy } from './disk.ts';
import type { NetworkFaults, PartitionKind } from './network.ts';
import { RandomStream } from './random-stream.ts';

export interface FaultRates {
  /** Each of these is the chance that a nemesis step does this kind of fault. */
  readonly partition: number;
  readonly clog: number;
  readonly healNetwork: number;
  readonly crash: number;
  readonly powerLoss: number;
  readonly pause: number;
  readonly metaCrash: number;
}

export interface SwarmConfig {
  readonly seed: number;
  readonly replicaServerCount: number;
  readonly partitionCount: number;
  readonly maxReplicaCount: number;
  readonly clientCount: number;
  readonly keyCount: number;
  readonly putRatio: number;
  readonly clientTimeoutMs: number;
  readonly clientThinkMsMax: number;
  /** A client asks the meta server again for a partition's configuration after this long. */
  readonly clientConfigTtlMs: number;
  readonly network: NetworkFaults;
  readonly partitionKinds: readonly PartitionKind[];
  readonly faults: FaultRates;
  readonly nemesisIntervalMs: number;
  /** At most this many replica servers are down (crashed or paused) at once. */
  readonly downServersMax: number;
  readonly downtimeMsMax: number;
  readonly fsyncPolicy: FsyncPolicy;
  readonly tearProbability: number;
  readonly diskLatencyMsMax: number;
  /** The app's state is flushed (made durable) every this many applied decrees; 0 = only at checkpoints. */
  readonly flushEveryDecrees: number;
  /** The shell takes a checkpoint on its own every this many applied decrees (0 = only when asked). */
  readonly checkpointEveryDecrees: number;
  readonly metaStoreLatencyMsMax: number;
  readonly tickIntervalMs: number;
  readonly configSyncIntervalMs: number;
  readonly failureDetector: FailureDetectorOptions;
  readonly assignDelayMsForDropouts: number;
  readonly faultPhaseMs: number;
  /** Liveness bound: every partition healthy and writable this long after the heal. */
  readonly livenessBoundMs: number;
  /**
   * The learn response byte bound; tiny on odd seeds, so learners catch up over many byte-cut
   * rounds (chosen by parity, not drawn, so every other draw of a seed stays as it was).
   */
  readonly learnResponseBytesMax: number | undefined;
}

export function swarmConfig(seed: number): SwarmConfig {
  const random = RandomStream.fromSeed(seed).fork();
  const replicaServerCount = random.range(3, 5);
  const beaconIntervalMs = random.pick([200, 500, 1000]);
  const leaseMs = beaconIntervalMs * random.range(3, 6);
  const graceMs = leaseMs + random.pick([beaconIntervalMs, 2 * beaconIntervalMs]);
  const delayMaxMs = random.pick([2, 10, 50, 200]);
  const network: NetworkFaults = {
    delayMinMs: 1,
    delayMaxMs,
    lossProbability: random.swarmProbability(0.1),
    duplicateProbability: random.swarmProbability(0.1),
    reorderProbability: random.swarmProbability(0.2),
    reorderDelayMaxMs: random.pick([50, 500, 2000]),
  };
  const fsyncPolicy: FsyncPolicy = random.chance(0.5) ? 'always' : 'never';
  const allKinds: PartitionKind[] = ['symmetric', 'asymmetric', 'isolate-one', 'random-split'];
  const partitionKinds = allKinds.filter(() => random.chance(0.7));
  const faults: FaultRates = {
    partition: partitionKinds.length === 0 ? 0 : random.swarmProbability(0.4),
    clog: random.swarmProbability(0.3),
    healNetwork: 0.2 + random.next() * 0.4,
    crash: random.swarmProbability(0.3),
    // Power loss loses the page cache; without fsync that loses acknowledged writes by design.
    powerLoss: fsyncPolicy === 'always' ? random.swarmProbability(0.2) : 0,
    pause: random.swarmProbability(0.2),
    metaCrash: random.swarmProbability(0.1),
  };
  const tickIntervalMs = random.pick([20, 50, 100]);
  return {
    seed,
    replicaServerCount,
    partitionCount: random.range(1, 3),
    maxReplicaCount: 3,
    clientCount: random.range(1, 4),
    keyCount: random.range(2, 8),
    putRatio: 0.3 + random.next() * 0.5,
    clientTimeoutMs: random.pick([300, 1000, 3000]),
    clientThinkMsMax: random.pick([0, 20, 200]),
    clientConfigTtlMs: random.pick([500, 3000, Number.POSITIVE_INFINITY]),
    network,
    partitionKinds,
    faults,
    nemesisIntervalMs: random.pick([300, 1000, 3000]),
    downServersMax: random.range(1, replicaServerCount),
    downtimeMsMax: random.pick([500, 3000, 10_000]),
    fsyncPolicy,
    tearProbability: random.chance(0.5) ? 0.5 : 0,
    diskLatencyMsMax: random.pick([2, 20, 100]),
    flushEveryDecrees: random.pick([0, 1, 7]),
    checkpointEveryDecrees: random.pick([0, 5, 25]),
    metaStoreLatencyMsMax: random.pick([1, 10, 100]),
    tickIntervalMs,
    configSyncIntervalMs: random.pick([1000, 3000]),
    failureDetector: { beaconIntervalMs, checkIntervalMs: Math.max(tickIntervalMs, beaconIntervalMs / 2), leaseMs, graceMs },
    assignDelayMsForDropouts: random.pick([0, 2000, 10_000]),
    faultPhaseMs: random.pick([5_000, 15_000, 30_000]),
    livenessBoundMs: 60_000,
    learnResponseBytesMax: seed % 2 === 1 ? 300 : undefined,
  };
}

/** One line for progress output and failure reports. */
export function describeSwarm(config: SwarmConfig): string {
  const f = config.faults;
  const rate = (x: number): string => x.toFixed(2);
  return [
    `servers=${config.replicaServerCount} partitions=${config.partitionCount} clients=${config.clientCount} keys=${config.keyCount}`,
    `fsync=${config.fsyncPolicy} tear=${config.tearProbability}`,
    `loss=${rate(config.network.lossProbability)} dup=${rate(config.network.duplicateProbability)} reorder=${rate(config.network.reorderProbability)} delayMax=${config.network.delayMaxMs}`,
    `partition=${rate(f.partition)}[${config.partitionKinds.join(',')}] clog=${rate(f.clog)} crash=${rate(f.crash)} power=${rate(f.powerLoss)} pause=${rate(f.pause)} meta=${rate(f.metaCrash)}`,
    `lease=${config.failureDetector.leaseMs} grace=${config.failureDetector.graceMs} tick=${config.tickIntervalMs} faultPhase=${config.faultPhaseMs}`
      + (config.learnResponseBytesMax === undefined ? '' : ` learnBytes=${config.learnResponseBytesMax}`),
  ].join(' ');
}
