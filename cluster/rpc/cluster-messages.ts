// The messages servers of one cluster exchange, as plain data, and the two seams the server shells
// are written against: ClusterOutbound (send) and ClusterInbound (handle). cluster-rpcs.ts gives
// each message an internal RPC (our own names, the same THFT framing as client RPCs), and
// node/cluster-transport.ts carries them over pooled connections. Everything but the checkpoint
// copy is one-way: the replication and meta cores resend what matters, so a lost message costs a
// retry, never correctness.
import type {
  BeaconAckAction, ConfigSyncReplyAction, ConfigUpdateReplyAction, NotifyConfigAction, ProposalAction, QueryReplicasAction,
  ReplicaReport,
} from '../meta/core/types.ts';
import type { ConfigChangeRequest, Gpid, NodeId } from '../replication/configuration.ts';
import type { PeerMessage } from '../replication/messages.ts';

/**
 * What a replica server needs to know about a table to host its partitions: the partition count
 * validates partition hashes, and `dropped` tells it to stop serving (keeping the files until the
 * meta server names them garbage, so a recall can bring them back).
 */
export interface AppSummary {
  readonly appId: number;
  readonly name: string;
  readonly partitionCount: number;
  readonly status: 'available' | 'dropped';
}

/** Replica server -> replica server: a message between replicas of one partition. */
export interface PeerEnvelope {
  readonly from: NodeId;
  /** The partition's table, so a learner invited by group_check can open its replica. */
  readonly app: AppSummary;
  readonly message: PeerMessage;
}

/** Replica server -> meta server. */
export type ReplicaToMetaMessage =
  /** Failure detector beacon; `sentMs` is the sender's monotonic clock, echoed in the ack. */
  | { readonly kind: 'beacon'; readonly from: NodeId; readonly sentMs: number }
  /** A replica asks for a configuration change (RPC_CM_UPDATE_PARTITION_CONFIGURATION). */
  | { readonly kind: 'config_update'; readonly from: NodeId; readonly request: ConfigChangeRequest }
  /** Periodic config sync (`configSync` true) or the answer to query_replicas. */
  | {
      readonly kind: 'replica_reports';
      readonly from: NodeId;
      readonly replicas: readonly ReplicaReport[];
      readonly absent: readonly Gpid[];
      readonly configSync: boolean;
    };

/**
 * A meta server that does not lead answers every replica message with this, naming the leader it
 * knows ('' when none is elected yet): the replica server moves its beacons there.
 */
export interface ForwardToLeader {
  readonly kind: 'forward';
  readonly to: NodeId;
  readonly leader: NodeId | '';
}

/** Meta server -> replica server: the meta core's actions addressed to a node, or a redirect. */
export type MetaToReplicaMessage =
  | BeaconAckAction
  | ConfigUpdateReplyAction
  | NotifyConfigAction
  | ProposalAction
  | QueryReplicasAction
  | ConfigSyncReplyAction
  | ForwardToLeader;

export interface FromMetaEnvelope {
  /** The meta server that sent it. */
  readonly from: NodeId;
  /** Every table the message's configurations or gpids belong to. */
  readonly apps: readonly AppSummary[];
  readonly message: MetaToReplicaMessage;
}

/**
 * Learner -> primary: one chunk of the checkpoint file at `decree` (learning, LT_APP). The learner
 * asks for consecutive chunks until it holds `totalBytes`, then verifies and imports the file.
 */
export interface CheckpointChunkRequest {
  readonly gpid: Gpid;
  readonly decree: bigint;
  readonly offset: bigint;
  readonly maxBytes: number;
}

export type CheckpointChunkError =
  | 'ERR_OK'
  /** The server holds no replica of the partition. */
  | 'ERR_OBJECT_NOT_FOUND'
  /** No checkpoint at that decree (any more): learn again. */
  | 'ERR_INVALID_STATE'
  /** The offset is beyond the file or maxBytes is out of range. */
  | 'ERR_INVALID_PARAMETERS';

export interface CheckpointChunkResponse {
  readonly error: CheckpointChunkError;
  readonly decree: bigint;
  readonly totalBytes: bigint;
  readonly offset: bigint;
  readonly bytes: Uint8Array;
}

/**
 * Backup orchestrator -> the replica server holding a partition's primary: start backing the
 * partition up to `target` (or, when already started, report how far it got), or cancel it. The
 * orchestrator polls with the same request until the state is final.
 */
export interface BackupPartitionRequest {
  readonly gpid: Gpid;
  readonly target: string;
  readonly clusterName: string;
  readonly backupId: string;
  readonly table: string;
  readonly cancel: boolean;
}

export type BackupPartitionError =
  | 'ERR_OK'
  /** The server holds no replica of the partition. */
  | 'ERR_OBJECT_NOT_FOUND'
  /** The replica is not the primary (any more): resolve the primary again. */
  | 'ERR_INVALID_STATE'
  /** A malformed request (bad target, ids); nothing was started. */
  | 'ERR_INVALID_PARAMETERS'
  /** Too many backups under way on this server; retry later. */
  | 'ERR_BUSY';

export type BackupPartitionState = 'uploading' | 'completed' | 'failed' | 'cancelled';

export interface BackupPartitionResponse {
  readonly error: BackupPartitionError;
  readonly state: BackupPartitionState;
  readonly uploadedBytes: bigint;
  /** JSON of the partition's PartitionBackupMetadata once completed, else ''. */
  readonly metadata: string;
  /** Why it failed, else ''. */
  readonly message: string;
  /** Whether a failure may pass on retry (a target error that may be transient, a lost role). */
  readonly retriable: boolean;
}

/** What a server shell sends; the RPC transport and test networks implement it. */
export interface ClusterOutbound {
  sendPeer(to: NodeId, envelope: PeerEnvelope): void;
  sendToMeta(to: NodeId, message: ReplicaToMetaMessage): void;
  sendToReplica(to: NodeId, envelope: FromMetaEnvelope): void;
  /** Rejects with a retriable error when `from` cannot be reached. */
  fetchCheckpointChunk(from: NodeId, request: CheckpointChunkRequest, timeoutMs: number): Promise<CheckpointChunkResponse>;
  close(): Promise<void>;
}

/** What a server shell handles; a server leaves out what it does not serve. */
export interface ClusterInbound {
  onPeer?(envelope: PeerEnvelope): void;
  onReplicaMessage?(message: ReplicaToMetaMessage): void;
  onFromMeta?(envelope: FromMetaEnvelope): void;
  onCheckpointChunk?(request: CheckpointChunkRequest): Promise<CheckpointChunkResponse>;
  onBackupPartition?(request: BackupPartitionRequest): Promise<BackupPartitionResponse>;
}
