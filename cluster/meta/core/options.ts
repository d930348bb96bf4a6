// Settings of the meta core with Pegasus's defaults (reference/pegasus-server.md 1.5, 1.8, 1.9).
// Durations are milliseconds of the caller's monotonic clock.
import { assert } from '../../../common/assert.ts';
import type { MetaLevel } from './types.ts';

export interface FailureDetectorOptions {
  /** A replica server sends a beacon this often (fd_beacon_interval_seconds). */
  readonly beaconIntervalMs: number;
  /** The worker checks its lease this often; it must tick at least this often (fd_check_interval_seconds). */
  readonly checkIntervalMs: number;
  /** Worker side: without an acked beacon sent within this period, stop serving (fd_lease_seconds). */
  readonly leaseMs: number;
  /** Master side: without a beacon received within this period, the worker is dead (fd_grace_seconds). */
  readonly graceMs: number;
}

export const DEFAULT_FAILURE_DETECTOR_OPTIONS: FailureDetectorOptions = {
  beaconIntervalMs: 3_000,
  checkIntervalMs: 2_000,
  leaseMs: 20_000,
  graceMs: 22_000,
};

/** The design rule grace > lease > 2 * beacon interval; throws on a violation. */
export function checkFailureDetectorOptions(options: FailureDetectorOptions): void {
  assert(options.beaconIntervalMs > 0, 'beacon interval must be positive');
  assert(options.checkIntervalMs > 0, 'check interval must be positive');
  assert(options.leaseMs > 2 * options.beaconIntervalMs, 'lease must exceed two beacon intervals');
  assert(options.leaseMs > options.checkIntervalMs, 'lease must exceed the check interval');
  assert(options.graceMs > options.leaseMs, 'grace must exceed lease: a worker stops before it is declared dead');
}

export interface MetaOptions {
  readonly failureDetector: FailureDetectorOptions;
  /** Level at start (meta_function_level_on_start). */
  readonly levelOnStart: MetaLevel;
  /** Below this many alive replica servers the effective level is at most freezed. */
  readonly minLiveNodesForUnfreeze: number;
  /** Below this percentage of alive replica servers the effective level is at most freezed. */
  readonly liveNodePercentForUnfreeze: number;
  /** Wait this long for a dropped member to come back before adding a new node (replica_assign_delay_ms_for_dropouts). */
  readonly assignDelayMsForDropouts: number;
  /** Full cure pass over every partition this often (lb_interval_ms); changes also trigger one. */
  readonly cureIntervalMs: number;
  /** An unanswered proposal is sent again after this long. */
  readonly proposalResendMs: number;
  /** Minimum alive members for the write path (mutation_2pc_min_replica_count). */
  readonly minReplicasFor2pc: number;
  /**
   * After every replica was lost: how many of the newest drops must report before the newest is
   * chosen. 2 (Pegasus) lets the meta server notice that the newest lost an unsynced log tail; 1
   * suffices when every replica server syncs its log before acknowledging (fsync always).
   */
  readonly lostReplicaCandidates: 1 | 2;
}

export const DEFAULT_META_OPTIONS: MetaOptions = {
  failureDetector: DEFAULT_FAILURE_DETECTOR_OPTIONS,
  levelOnStart: 'steady',
  minLiveNodesForUnfreeze: 2,
  liveNodePercentForUnfreeze: 50,
  assignDelayMsForDropouts: 600_000,
  cureIntervalMs: 10_000,
  proposalResendMs: 5_000,
  minReplicasFor2pc: 2,
  lostReplicaCandidates: 2,
};

export function checkMetaOptions(options: MetaOptions): void {
  checkFailureDetectorOptions(options.failureDetector);
  assert(options.minLiveNodesForUnfreeze >= 0, 'minLiveNodesForUnfreeze must not be negative');
  assert(
    options.liveNodePercentForUnfreeze >= 0 && options.liveNodePercentForUnfreeze <= 100,
    'liveNodePercentForUnfreeze must be within 0..100',
  );
  assert(options.assignDelayMsForDropouts >= 0, 'assignDelayMsForDropouts must not be negative');
  assert(options.cureIntervalMs > 0, 'cureIntervalMs must be positive');
  assert(options.proposalResendMs > 0, 'proposalResendMs must be positive');
  assert(options.minReplicasFor2pc >= 1, 'minReplicasFor2pc must be at least 1');
  assert(options.lostReplicaCandidates === 1 || options.lostReplicaCandidates === 2, 'lostReplicaCandidates must be 1 or 2');
}
