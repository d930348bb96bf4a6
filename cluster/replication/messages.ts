// Messages between replicas of one partition, and between a replica and the meta server. A
// discriminated union on `kind`; every peer message names its partition so a shell can route it.
import type { ConfigChangeKind, ConfigChangeRequest, Gpid, NodeId, PartitionConfiguration } from './configuration.ts';
import type { ReplicationErrorCode } from './errors.ts';
import type { Ballot, Decree, LearnType, Mutation } from './types.ts';

// --- between replicas ---

/** Primary -> secondary or learner: log this mutation (RPC_PREPARE). */
export interface PrepareMessage {
  readonly kind: 'prepare';
  readonly gpid: Gpid;
  /** The primary's configuration; a receiver with an older ballot adopts it. */
  readonly config: PartitionConfiguration;
  /** Learner signature when the receiver is a learner, else 0. */
  readonly learnerSignature: number;
  readonly mutation: Mutation;
  /** The primary's committed decree: the receiver commits up to it. */
  readonly committedDecree: Decree;
}

/** Receiver -> primary: the prepare of (ballot, decree) is logged, or why not. */
export interface PrepareAckMessage {
  readonly kind: 'prepare_ack';
  readonly gpid: Gpid;
  readonly error: ReplicationErrorCode;
  /** The mutation's ballot and decree, echoed. */
  readonly ballot: Ballot;
  readonly decree: Decree;
  /** The receiver's ballot, so a primary learns it was deposed. */
  readonly receiverBallot: Ballot;
  readonly committedDecree: Decree;
}

/** Primary -> every member and learner: configuration, commit point, learner invitation. */
export interface GroupCheckMessage {
  readonly kind: 'group_check';
  readonly gpid: Gpid;
  readonly config: PartitionConfiguration;
  /** Non-zero when the receiver is (invited as) a learner: RPC_LEARN_ADD_LEARNER. */
  readonly learnerSignature: number;
  readonly committedDecree: Decree;
}

export interface GroupCheckAckMessage {
  readonly kind: 'group_check_ack';
  readonly gpid: Gpid;
  readonly error: ReplicationErrorCode;
  readonly receiverBallot: Ballot;
  readonly committedDecree: Decree;
}

/** Learner -> primary (RPC_LEARN). */
export interface LearnRequestMessage {
  readonly kind: 'learn_request';
  readonly gpid: Gpid;
  readonly signature: number;
  /** Highest decree applied to the learner's app. */
  readonly appliedDecree: Decree;
  /** Highest decree the learner has committed in its prepare list. */
  readonly committedDecree: Decree;
}

/**
 * Primary -> learner. LT_CACHE and LT_LOG carry mutations; LT_APP carries a checkpoint reference
 * (the learner's shell copies that checkpoint from `from`) plus the log after it.
 */
export interface LearnResponseMessage {
  readonly kind: 'learn_response';
  readonly gpid: Gpid;
  readonly error: ReplicationErrorCode;
  readonly signature: number;
  readonly config: PartitionConfiguration;
  readonly learnType: LearnType;
  /** True when the learner is ahead of the primary: it must discard its state and start empty. */
  readonly discardLearnerState: boolean;
  /** LT_APP only: the decree of the primary's checkpoint to import. */
  readonly checkpointDecree: Decree | undefined;
  /** Contiguous mutations, ascending by decree, starting right after what the learner has. */
  readonly mutations: readonly Mutation[];
  /** The primary's committed decree when it answered. */
  readonly committedDecree: Decree;
  /**
   * When non-zero, the mutations reach the primary's prepared tail and every prepare from this
   * decree on is sent to the learner (it is now learning with prepare).
   */
  readonly prepareStartDecree: Decree;
}

/** Learner -> primary: caught up and logging prepares; ready to be upgraded to secondary. */
export interface LearnCompletionNotifyMessage {
  readonly kind: 'learn_completion_notify';
  readonly gpid: Gpid;
  readonly signature: number;
  readonly appliedDecree: Decree;
  /** The prepare start decree the learner caught up to; must match the primary's record. */
  readonly prepareStartDecree: Decree;
}

/** Primary -> a removed member (RPC_REMOVE_REPLICA): stop serving this partition. */
export interface RemoveReplicaMessage {
  readonly kind: 'remove_replica';
  readonly gpid: Gpid;
  readonly config: PartitionConfiguration;
}

export type PeerMessage =
  | PrepareMessage
  | PrepareAckMessage
  | GroupCheckMessage
  | GroupCheckAckMessage
  | LearnRequestMessage
  | LearnResponseMessage
  | LearnCompletionNotifyMessage
  | RemoveReplicaMessage;

// --- replica <-> meta server ---

/** Replica -> meta server (RPC_CM_UPDATE_PARTITION_CONFIGURATION). */
export interface ConfigChangeRequestMessage {
  readonly kind: 'config_change_request';
  readonly request: ConfigChangeRequest;
}

export type ReplicaToMeta = ConfigChangeRequestMessage;

/** Meta server -> replica: the answer to a config_change_request. */
export interface ConfigChangeReplyMessage {
  readonly kind: 'config_change_reply';
  readonly error: ReplicationErrorCode;
  /** The configuration meta holds now (the new one when error is ERR_OK). */
  readonly config: PartitionConfiguration;
}

/**
 * Meta server -> replica: the current configuration (config sync, or a change meta made itself,
 * such as removing a dead primary).
 */
export interface ConfigSyncMessage {
  readonly kind: 'config_sync';
  readonly config: PartitionConfiguration;
}

/**
 * Meta server -> replica (RPC_CONFIG_PROPOSAL): do this change. Sent to the primary (add_secondary,
 * remove, downgrade_to_inactive, downgrade_to_secondary) or to the node to become primary
 * (assign_primary, upgrade_to_primary). Proposals change nothing on meta.
 */
export interface ConfigProposalMessage {
  readonly kind: 'config_proposal';
  readonly type: ConfigChangeKind;
  readonly node: NodeId;
  readonly config: PartitionConfiguration;
}

export type MetaToReplica = ConfigChangeReplyMessage | ConfigSyncMessage | ConfigProposalMessage;
