// The data the replication core reasons about: mutations identified by (ballot, decree), replica
// roles and learner states. Plain immutable values; the protocol is data.
import type { Gpid, NodeId, PartitionConfiguration } from './configuration.ts';
import type { ReplicationErrorCode } from './errors.ts';

export type { Gpid, NodeId, PartitionConfiguration };

/** Configuration version of one partition; never decreases on a replica. */
export type Ballot = bigint;
/** Position in a partition's log; committed decrees are contiguous from 1. */
export type Decree = bigint;
/** Chosen by the shell; unique among the requests it has outstanding on one replica. */
export type RequestId = number;

/**
 * One unit of two-phase commit (Pegasus mutation_header + updates). Several client writes may be
 * batched into one mutation; a mutation without requests is an empty write.
 */
export interface Mutation {
  readonly ballot: Ballot;
  readonly decree: Decree;
  /** The primary's committed decree when it prepared this mutation (log replay uses it). */
  readonly lastCommittedDecree: Decree;
  /** Strictly increasing per primary: unique write timestamp in microseconds. */
  readonly timestampUs: bigint;
  /** Opaque client write payloads in arrival order; the shell decodes them. */
  readonly requests: readonly Uint8Array[];
  /** Sum of the request sizes as the shell declared them. */
  readonly sizeBytes: number;
}

/** Pegasus partition_status, minus partition split. */
export type ReplicaRole = 'primary' | 'secondary' | 'potential_secondary' | 'inactive' | 'error';

/** Pegasus learn_type. */
export type LearnType = 'LT_CACHE' | 'LT_LOG' | 'LT_APP';

/** Pegasus learner_status, as the learner sees its own progress. */
export type LearnerStatus =
  | 'learning_invalid'
  | 'learning_without_prepare'
  | 'learning_with_prepare'
  | 'learning_succeeded'
  | 'learning_failed';

/** The answer to one client request. */
export type Outcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: ReplicationErrorCode; readonly retriable: boolean };

/** A consistent snapshot of one replica for reports to the meta server and for checkers. */
export interface ReplicaInfo {
  readonly gpid: Gpid;
  readonly node: NodeId;
  readonly role: ReplicaRole;
  readonly ballot: Ballot;
  /** Highest decree committed here (all decrees up to it are committed). */
  readonly committedDecree: Decree;
  /** Highest decree handed to the shell for applying and acknowledged as applied. */
  readonly appliedDecree: Decree;
  /** Highest decree in the prepare list (prepared, maybe not committed). */
  readonly preparedDecree: Decree;
  /** Latest configuration this replica knows, or undefined before it has one. */
  readonly config: PartitionConfiguration | undefined;
}
