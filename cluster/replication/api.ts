// The replication core's inputs, its batch of work (Ready), its options and the state it recovers
// from disk. Read README.md next to this file for the caller's rules.
import type { ConfigChangeRequest, NodeId } from './configuration.ts';
import type { MetaToReplica, PeerMessage } from './messages.ts';
import type { Ballot, Decree, Gpid, Mutation, Outcome, ReplicaRole, RequestId } from './types.ts';
import {
  EMPTY_WRITE_IDLE_TICKS, GROUP_CHECK_INTERVAL_TICKS, LEARN_RESPONSE_BYTES_MAX, LEARN_RESPONSE_MUTATIONS_MAX, LEARN_RETRY_TICKS,
  LEARNER_IDLE_TICKS, LEARNER_PREPARE_TIMEOUT_TICKS, LEARNERS_PER_PARTITION_MAX, LOG_READS_IN_FLIGHT_MAX, META_RETRY_TICKS, MUTATION_2PC_MIN_REPLICA_COUNT,
  MUTATION_BATCH_BYTES_MAX, MUTATION_BATCH_REQUESTS_MAX, MUTATIONS_IN_FLIGHT_MAX, PREPARE_LIST_CAPACITY,
  PREPARE_RETRY_TICKS, PREPARE_TIMEOUT_TICKS, WRITE_BODY_BYTES_MAX, WRITE_QUEUE_REQUESTS_MAX,
} from '../../common/limits.ts';

// --- inputs ---

export type ReplicaInput =
  /** Time passes by one tick; every timeout in the core counts ticks. */
  | { readonly kind: 'tick' }
  /** A message from another replica of this partition. */
  | { readonly kind: 'peer'; readonly from: NodeId; readonly message: PeerMessage }
  /** A message from the meta server (reply, config sync or proposal). */
  | { readonly kind: 'meta'; readonly message: MetaToReplica }
  /**
   * A client write. `batchable` writes (put, remove) may share a mutation with their neighbours;
   * others (multi_put, incr, check_and_set...) get a mutation of their own. `timestampUs` is the
   * shell's clock reading; the core makes mutation timestamps strictly increasing.
   */
  | {
      readonly kind: 'client_write';
      readonly requestId: RequestId;
      readonly payload: Uint8Array;
      readonly sizeBytes: number;
      readonly batchable: boolean;
      readonly timestampUs: bigint;
    }
  /** A client read; answered ok only when this replica may serve a strongly consistent read. */
  | { readonly kind: 'client_read'; readonly requestId: RequestId }
  /**
   * The append of mutation (ballot, decree), and of everything handed in appendToLog before it, is
   * done: durable per the shell's fsync policy.
   */
  | { readonly kind: 'log_appended'; readonly ballot: Ballot; readonly decree: Decree }
  /** Every mutation handed in `apply` up to and including this decree is applied to storage. */
  | { readonly kind: 'applied'; readonly decree: Decree }
  /** A durable checkpoint of the app at this decree exists (for LT_APP and log GC). */
  | { readonly kind: 'checkpoint_taken'; readonly decree: Decree }
  /**
   * Answer to a `readLog` item: the log's mutations for that range, ascending, last written wins.
   * A shorter answer (the range's first decrees, as one bounded read returns them) is fine: the
   * learner asks again for the rest.
   */
  | { readonly kind: 'log_read'; readonly readId: number; readonly mutations: readonly Mutation[] }
  /** Learner: the checkpoint named by `importCheckpoint` replaced the app's data; log reset after it. */
  | { readonly kind: 'checkpoint_imported'; readonly decree: Decree }
  /** An extra lower bound for log GC (duplication's confirmed decree); undefined lifts it. */
  | { readonly kind: 'gc_bound'; readonly decree: Decree | undefined }
  /** The failure detector's lease with the meta server expired: stop serving (PacificA). */
  | { readonly kind: 'lease_expired' }
  /** Local storage or log failure: the replica enters the error role for good. */
  | { readonly kind: 'local_failure'; readonly reason: string };

// --- output ---

export interface Envelope {
  readonly to: NodeId;
  readonly message: PeerMessage;
}

export interface Reply {
  readonly requestId: RequestId;
  readonly outcome: Outcome;
}

export interface LogReadRequest {
  readonly readId: number;
  readonly fromDecree: Decree;
  readonly toDecree: Decree;
}

/**
 * A batch of work for the shell. Perform it in field order (see README.md), then call
 * advance(ready). Every list is in the order the core produced it.
 */
export interface Ready {
  /** Make this ballot durable (replica init-info) before sending anything in this batch. */
  readonly ballotToPersist: Ballot | undefined;
  /** Delete the app's data and the whole log and start empty (applied decree 0). */
  readonly discardState: boolean;
  /** Logged entries with a larger decree are obsolete: replay must not return them. */
  readonly truncateLogAfter: Decree | undefined;
  /** Learner: copy the checkpoint at `decree` from node `from`, import it, then step checkpoint_imported. */
  readonly importCheckpoint: { readonly from: NodeId; readonly decree: Decree } | undefined;
  /** Append in order; acknowledge with log_appended. Sends below need not wait for these. */
  readonly appendToLog: readonly Mutation[];
  /** Messages to other replicas; fire and forget (the core retries what matters). */
  readonly send: readonly Envelope[];
  /** Committed mutations in decree order; apply in order and acknowledge with applied. */
  readonly apply: readonly Mutation[];
  /** Answers to client writes (ok only once committed and applied). */
  readonly replyWrites: readonly Reply[];
  /** Answers to client reads; on ok, serve the read from storage now (after this batch's applies). */
  readonly replyReads: readonly Reply[];
  /** Configuration changes to send to the meta server leader; the core retries them on ticks. */
  readonly requestsToMeta: readonly ConfigChangeRequest[];
  /** Read these decree ranges from the log and answer each with log_read. */
  readonly readLog: readonly LogReadRequest[];
  /** Take a checkpoint of the app soon and report it with checkpoint_taken. */
  readonly takeCheckpoint: boolean;
  /** Log files holding only decrees at or below this may be deleted. */
  readonly gcLogThrough: Decree | undefined;
  /** The role after this batch, when it changed. */
  readonly roleChanged: ReplicaRole | undefined;
}

// --- construction ---

export interface ReplicaCoreOptions {
  /** Ticks a secondary has to log a prepare before the primary asks meta to remove it. */
  readonly prepareTimeoutTicks: number;
  /** Same for a learner, which is then simply dropped. */
  readonly learnerPrepareTimeoutTicks: number;
  /** Ticks between resends of an unacknowledged prepare. */
  readonly prepareRetryTicks: number;
  readonly groupCheckIntervalTicks: number;
  /** Ticks without a prepare after which the primary emits an empty write if the tail is uncommitted elsewhere. */
  readonly emptyWriteIdleTicks: number;
  /** Ticks between resends of a configuration change request to meta. */
  readonly metaRetryTicks: number;
  /** Ticks before a learner asks again when a learn round gets no answer. */
  readonly learnRetryTicks: number;
  /** Two-phase commit needs at least this many members (primary included) to accept writes. */
  readonly minReplicaCount: number;
  readonly prepareListCapacity: number;
  readonly mutationsInFlightMax: number;
  readonly mutationBatchBytesMax: number;
  readonly mutationBatchRequestsMax: number;
  readonly writeQueueRequestsMax: number;
  readonly writeBodyBytesMax: number;
  readonly learnResponseMutationsMax: number;
  /**
   * Mutation bytes (mutation-bytes.ts) in one LT_CACHE or LT_LOG/LT_APP learn response beyond its
   * first mutation; the learner asks again for the rest.
   */
  readonly learnResponseBytesMax: number;
  readonly learnersMax: number;
  /** Log reads for learners the primary asks of its shell at once. */
  readonly logReadsInFlightMax: number;
  /** Ticks without a learn request after which a learner not yet taking prepares is dropped. */
  readonly learnerIdleTicks: number;
}

export const defaultReplicaCoreOptions: ReplicaCoreOptions = {
  prepareTimeoutTicks: PREPARE_TIMEOUT_TICKS,
  learnerPrepareTimeoutTicks: LEARNER_PREPARE_TIMEOUT_TICKS,
  prepareRetryTicks: PREPARE_RETRY_TICKS,
  groupCheckIntervalTicks: GROUP_CHECK_INTERVAL_TICKS,
  emptyWriteIdleTicks: EMPTY_WRITE_IDLE_TICKS,
  metaRetryTicks: META_RETRY_TICKS,
  learnRetryTicks: LEARN_RETRY_TICKS,
  minReplicaCount: MUTATION_2PC_MIN_REPLICA_COUNT,
  prepareListCapacity: PREPARE_LIST_CAPACITY,
  mutationsInFlightMax: MUTATIONS_IN_FLIGHT_MAX,
  mutationBatchBytesMax: MUTATION_BATCH_BYTES_MAX,
  mutationBatchRequestsMax: MUTATION_BATCH_REQUESTS_MAX,
  writeQueueRequestsMax: WRITE_QUEUE_REQUESTS_MAX,
  writeBodyBytesMax: WRITE_BODY_BYTES_MAX,
  learnResponseMutationsMax: LEARN_RESPONSE_MUTATIONS_MAX,
  learnResponseBytesMax: LEARN_RESPONSE_BYTES_MAX,
  learnersMax: LEARNERS_PER_PARTITION_MAX,
  logReadsInFlightMax: LOG_READS_IN_FLIGHT_MAX,
  learnerIdleTicks: LEARNER_IDLE_TICKS,
};

/** What the shell recovered from disk when it opens a replica (all zero / empty for a new one). */
export interface RecoveredState {
  /** Last ballot made durable with ballotToPersist. */
  readonly ballot: Ballot;
  /** The app's durable decree: storage holds exactly the mutations up to it. */
  readonly appliedDecree: Decree;
  /** Decree of the newest durable checkpoint, 0 when none. */
  readonly checkpointDecree: Decree;
  /** Decrees at or below this are no longer in the log (GC'd); 0 when the log is whole. */
  readonly logTruncatedDecree: Decree;
  /** The log's mutations after appliedDecree, in log order (later entries win per decree). */
  readonly log: readonly Mutation[];
}

export const EMPTY_RECOVERED_STATE: RecoveredState = {
  ballot: 0n,
  appliedDecree: 0n,
  checkpointDecree: 0n,
  logTruncatedDecree: 0n,
  log: [],
};

export interface ReplicaCoreInit {
  readonly gpid: Gpid;
  readonly self: NodeId;
  readonly options?: Partial<ReplicaCoreOptions>;
  readonly recovered?: RecoveredState;
}
