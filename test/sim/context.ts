// What every simulated node shares: the event queue, the network, the trace, the swarm settings,
// the invariant recorder and the deliberately broken variants the harness can inject.
import type { ReplicaCore, ReplicaCoreOptions } from '../../cluster/replication/index.ts';
import type { ReplicationInvariants } from './checkers/replication-invariants.ts';
import type { EventQueue } from './event-queue.ts';
import type { SimMessage } from './messages.ts';
import type { Network } from './network.ts';
import type { RandomStream } from './random-stream.ts';
import type { SwarmConfig } from './swarm.ts';
import type { Trace } from './trace.ts';

/**
 * Bugs the harness can inject around (never inside) the code under test, to show the checkers
 * catch them: `ack-before-replicated` answers a write as soon as the primary's own log append is
 * done, before the secondaries logged it; `stale-reads` sends reads to any member and serves
 * them from that replica's storage, bypassing the core's read check (backup requests as strong reads);
 * `ignore-lease` never tells the cores their lease expired and serves whatever they answer, so an
 * isolated old primary keeps serving reads after the meta server replaced it.
 */
export type InjectedBug = 'none' | 'ack-before-replicated' | 'stale-reads' | 'ignore-lease';

export const META_ADDRESS = 'meta';

export interface SimContext {
  readonly queue: EventQueue;
  readonly network: Network<SimMessage>;
  readonly trace: Trace;
  readonly swarm: SwarmConfig;
  readonly invariants: ReplicationInvariants;
  readonly bug: InjectedBug;
  readonly coreOptions: Partial<ReplicaCoreOptions>;
  /** Builds a core; tests may wrap it. */
  readonly makeCore: (init: ConstructorParameters<typeof ReplicaCore>[0]) => ReplicaCore;
  /** Another replica server's checkpoint, for a learner copying LT_APP files (undefined when unreachable). */
  readonly fetchCheckpoint: (from: string, to: string, gpidName: string, decree: bigint) => import('./replica-storage.ts').AppSnapshot | undefined;
  /** Random draws for this node's disk and latencies. */
  readonly random: RandomStream;
  /** What the run went through, for summaries. */
  readonly stats: FaultStats;
}

export interface FaultStats {
  partitions: number;
  clogs: number;
  crashes: number;
  powerLosses: number;
  tornTailsCut: number;
  unsyncedEntriesLost: number;
  pauses: number;
  metaCrashes: number;
}

export function emptyFaultStats(): FaultStats {
  return { partitions: 0, clogs: 0, crashes: 0, powerLosses: 0, tornTailsCut: 0, unsyncedEntriesLost: 0, pauses: 0, metaCrashes: 0 };
}
