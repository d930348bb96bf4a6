// The meta server core's inputs and outputs as plain data. The shell (RPC handlers, MetaStore,
// timers) turns network messages and store completions into MetaInput values, feeds them to
// MetaCore.step, and performs the returned MetaAction values. Nothing here does IO.
import { assertNever } from '../../../common/assert.ts';
import type { ConfigChangeKind, Gpid, NodeId, PartitionConfiguration } from '../../replication/configuration.ts';
import type { ReplicationErrorCode } from '../../replication/errors.ts';

export type { ConfigChangeKind, Gpid, NodeId, PartitionConfiguration };

/** Pegasus's meta_function_level, lowest first (values as in idl/meta_admin.thrift). */
export type MetaLevel = 'stopped' | 'blind' | 'freezed' | 'steady' | 'lively';

export const META_LEVEL_VALUE: Readonly<Record<MetaLevel, number>> = {
  stopped: 100,
  blind: 200,
  freezed: 300,
  steady: 400,
  lively: 500,
};

/** Error codes the meta core answers with; the names are Pegasus's and cross the wire unchanged. */
export type MetaErrorCode =
  | 'ERR_OK'
  /** The request's ballot is not current + 1; the reply carries the current configuration. */
  | 'ERR_INVALID_VERSION'
  /** Another change of this partition is being persisted; retry shortly. */
  | 'ERR_BUSY'
  /** The meta level is freezed or lower: no replica-initiated change is accepted. */
  | 'ERR_STATE_FREEZED'
  /** The table or partition does not exist. */
  | 'ERR_OBJECT_NOT_FOUND'
  /** The change is not legal for the requester's role or the partition's membership. */
  | 'ERR_INVALID_PARAMETERS'
  /** The requester is not alive for the meta server, or the change was not proposed. */
  | 'ERR_INVALID_STATE'
  /** A table with that name exists already (or, for recall, the table is not dropped). */
  | 'ERR_APP_EXIST'
  /** No such table, or a dropped table whose reserve time has passed. */
  | 'ERR_APP_NOT_EXIST'
  /** The table is being created or recalled; retry shortly. */
  | 'ERR_BUSY_CREATING'
  /** The table is being dropped; retry shortly. */
  | 'ERR_BUSY_DROPPING';

/** Whether a requester should retry the same request after a short delay. */
export const META_ERROR_RETRIABLE: Readonly<Record<MetaErrorCode, boolean>> = {
  ERR_OK: false,
  ERR_INVALID_VERSION: false,
  ERR_BUSY: true,
  ERR_STATE_FREEZED: true,
  ERR_OBJECT_NOT_FOUND: false,
  ERR_INVALID_PARAMETERS: false,
  ERR_INVALID_STATE: true,
  ERR_APP_EXIST: false,
  ERR_APP_NOT_EXIST: false,
  ERR_BUSY_CREATING: true,
  ERR_BUSY_DROPPING: true,
};

/** What a replica server knows about one of its replicas (replica_info of config sync). */
export interface ReplicaReport {
  readonly gpid: Gpid;
  readonly ballot: bigint;
  readonly lastCommittedDecree: bigint;
  readonly lastPreparedDecree: bigint;
}

/**
 * creating and available as in Pegasus; dropping while the drop is being persisted (still served);
 * dropped once persisted: no longer served, its replicas kept until `dropExpireAtMs`, then garbage.
 */
export type TableStatus = 'creating' | 'available' | 'dropping' | 'dropped';

export interface TableInfo {
  readonly appId: number;
  readonly name: string;
  readonly partitionCount: number;
  readonly maxReplicaCount: number;
  readonly status: TableStatus;
  /** Dropped tables: wall-clock time (ms since the Unix epoch) after which the data is garbage. */
  readonly dropExpireAtMs?: number;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** Time passes. The shell ticks at least every fdCheckIntervalMs. */
export interface TickInput {
  readonly kind: 'tick';
  readonly nowMs: number;
  /**
   * Wall-clock time (ms since the Unix epoch): dropped tables whose reserve time has passed become
   * garbage. Reserve times outlive restarts, so they are wall-clock; without it nothing expires.
   */
  readonly wallMs?: number;
}

/** A beacon from a replica server arrived. `sentMs` is the sender's clock, echoed in the ack. */
export interface BeaconInput {
  readonly kind: 'beacon';
  readonly nowMs: number;
  readonly from: NodeId;
  readonly sentMs: number;
}

/** A replica asks for a configuration change (RPC_CM_UPDATE_PARTITION_CONFIGURATION). */
export interface ConfigUpdateInput {
  readonly kind: 'config_update';
  readonly nowMs: number;
  readonly from: NodeId;
  /** What changes and about whom. */
  readonly change: ConfigChangeKind;
  readonly node: NodeId;
  /** The whole configuration proposed, with ballot = current + 1. */
  readonly config: PartitionConfiguration;
}

/** The MetaStore finished writing a key that a `persist` action asked for. */
export interface PersistedInput {
  readonly kind: 'persisted';
  readonly nowMs: number;
  readonly key: string;
  /** The `version` of the persist action this completes. */
  readonly version: bigint;
}

/** A replica server's report on its replicas (config sync, or the answer to query_replicas). */
export interface ReplicaReportsInput {
  readonly kind: 'replica_reports';
  readonly nowMs: number;
  readonly from: NodeId;
  readonly replicas: readonly ReplicaReport[];
  /** Partitions asked about (query_replicas) that the node holds no replica of. */
  readonly absent?: readonly Gpid[];
  /** True for a periodic config sync, which is answered with config_sync_reply. */
  readonly configSync: boolean;
}

/** DDL: create a table. */
export interface CreateTableInput {
  readonly kind: 'create_table';
  readonly nowMs: number;
  /** Echoed in the reply, so the shell can route it to the client. */
  readonly requestId: number;
  readonly name: string;
  readonly partitionCount: number;
  readonly maxReplicaCount: number;
}

/**
 * DDL: soft-drop a table (Pegasus drop_app). It stops being served once the drop is persisted;
 * its replicas are kept for `reserveMs` (a recall brings them back), then they are garbage.
 */
export interface DropTableInput {
  readonly kind: 'drop_table';
  readonly nowMs: number;
  readonly requestId: number;
  readonly name: string;
  readonly reserveMs: number;
  /** Wall-clock time of the request, from which the reserve time counts. */
  readonly wallMs: number;
}

/** DDL: bring back a dropped table within its reserve time, optionally under a new name. */
export interface RecallTableInput {
  readonly kind: 'recall_table';
  readonly nowMs: number;
  readonly requestId: number;
  readonly appId: number;
  /** The name to take; default the name it had. */
  readonly newName?: string;
  readonly wallMs: number;
}

/** Admin: change the meta function level. */
export interface SetLevelInput {
  readonly kind: 'set_level';
  readonly nowMs: number;
  readonly level: MetaLevel;
}

export type MetaInput =
  | TickInput
  | BeaconInput
  | ConfigUpdateInput
  | PersistedInput
  | ReplicaReportsInput
  | CreateTableInput
  | DropTableInput
  | RecallTableInput
  | SetLevelInput;

// ---------------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------------

/**
 * Write `value` under `key` in the MetaStore, then feed back `persisted` with the same key and
 * version. Nothing that depends on the write takes effect before that. Retry on store errors
 * until it succeeds (Pegasus retries every second); writes to different keys are independent.
 */
export interface PersistAction {
  readonly kind: 'persist';
  readonly key: string;
  /** JSON text (see codec.ts). */
  readonly value: string;
  readonly version: bigint;
}

/** Answer a beacon. `allowed` false means: this ack does not renew the lease. */
export interface BeaconAckAction {
  readonly kind: 'beacon_ack';
  readonly to: NodeId;
  readonly sentMs: number;
  readonly allowed: boolean;
}

/** Answer a config_update. `config` is the configuration now in effect (after the change if OK). */
export interface ConfigUpdateReplyAction {
  readonly kind: 'config_update_reply';
  readonly to: NodeId;
  readonly gpid: Gpid;
  readonly error: MetaErrorCode;
  readonly retriable: boolean;
  /** Human-readable reason for a refusal; empty when OK. */
  readonly reason: string;
  readonly config: PartitionConfiguration | undefined;
}

/** Tell a replica server about a committed configuration of a partition it is or was part of. */
export interface NotifyConfigAction {
  readonly kind: 'notify_config';
  readonly to: NodeId;
  readonly config: PartitionConfiguration;
}

/**
 * Ask `to` to carry out a change (configuration_update_request, RPC_CONFIG_PROPOSAL). Proposals
 * change nothing on the meta server; the replica answers later with a config_update.
 */
export interface ProposalAction {
  readonly kind: 'proposal';
  readonly to: NodeId;
  readonly change: ConfigChangeKind;
  readonly node: NodeId;
  readonly config: PartitionConfiguration;
}

/** Ask a replica server for its replica reports of these partitions (answered by replica_reports). */
export interface QueryReplicasAction {
  readonly kind: 'query_replicas';
  readonly to: NodeId;
  readonly gpids: readonly Gpid[];
}

/** Answer to a config sync: the configurations the node is a member of, and replicas to remove. */
export interface ConfigSyncReplyAction {
  readonly kind: 'config_sync_reply';
  readonly to: NodeId;
  readonly configs: readonly PartitionConfiguration[];
  /** Reported replicas of tables the meta server does not know: the node may delete them. */
  readonly garbage: readonly Gpid[];
}

export interface CreateTableReplyAction {
  readonly kind: 'create_table_reply';
  readonly requestId: number;
  readonly error: MetaErrorCode;
  readonly reason: string;
  readonly appId: number;
}

/** Answer to drop_table, once the drop is persisted (or at once when refused). */
export interface DropTableReplyAction {
  readonly kind: 'drop_table_reply';
  readonly requestId: number;
  readonly error: MetaErrorCode;
  readonly reason: string;
  readonly appId: number;
}

/** Answer to recall_table, once the table is persisted as available again (or at once when refused). */
export interface RecallTableReplyAction {
  readonly kind: 'recall_table_reply';
  readonly requestId: number;
  readonly error: MetaErrorCode;
  readonly reason: string;
  readonly appId: number;
  readonly name: string;
}

/** For logs and metrics: the meta server changed its view of a node. */
export interface NodeStateAction {
  readonly kind: 'node_state';
  readonly node: NodeId;
  readonly alive: boolean;
}

export type MetaAction =
  | PersistAction
  | BeaconAckAction
  | ConfigUpdateReplyAction
  | NotifyConfigAction
  | ProposalAction
  | QueryReplicasAction
  | ConfigSyncReplyAction
  | CreateTableReplyAction
  | DropTableReplyAction
  | RecallTableReplyAction
  | NodeStateAction;

export function gpidKey(gpid: Gpid): string {
  return `${gpid.appId}.${gpid.partitionIndex}`;
}

export function sameGpid(a: Gpid, b: Gpid): boolean {
  return a.appId === b.appId && a.partitionIndex === b.partitionIndex;
}

/** A config_update_reply's error as the replication core's config_change_reply carries it. */
export function replicationErrorOf(error: MetaErrorCode): ReplicationErrorCode {
  switch (error) {
    case 'ERR_OK':
    case 'ERR_INVALID_VERSION':
    case 'ERR_BUSY':
    case 'ERR_OBJECT_NOT_FOUND':
    case 'ERR_INVALID_STATE':
    case 'ERR_STATE_FREEZED':
    case 'ERR_INVALID_PARAMETERS':
      return error;
    // Only table DDL answers these; a configuration change never does.
    case 'ERR_APP_EXIST':
    case 'ERR_APP_NOT_EXIST':
    case 'ERR_BUSY_CREATING':
    case 'ERR_BUSY_DROPPING':
      return 'ERR_INVALID_STATE';
    default:
      return assertNever(error, 'meta error code');
  }
}
