// Wire schemas of the messages servers of one cluster exchange (cluster-messages.ts): the peer
// envelope, replica -> meta messages, meta -> replica envelopes and the checkpoint chunk copy.
// Strict internal structs under our own names; unions travel Thrift-union style (wire-shapes.ts)
// and decode into exactly the TypeScript shapes, or fail naming what is wrong.

import {
  META_ERROR_RETRIABLE, type BeaconAckAction, type ConfigSyncReplyAction, type ConfigUpdateReplyAction, type MetaErrorCode,
  type NotifyConfigAction, type ProposalAction, type QueryReplicasAction, type ReplicaReport,
} from '../meta/core/types.ts';
import type {
  AppSummary, BackupPartitionError, BackupPartitionRequest, BackupPartitionResponse, BackupPartitionState, CheckpointChunkError, CheckpointChunkRequest, CheckpointChunkResponse, ForwardToLeader, FromMetaEnvelope, MetaToReplicaMessage,
  PeerEnvelope, ReplicaToMetaMessage,
} from './cluster-messages.ts';
import { configChangeKindType, configChangeRequestType, partitionConfigType, peerMessageType } from './peer-structs.ts';
import { defineStruct, t } from './thrift-types.ts';
import { membersOf, oneOf, ownedBytes, unionOf } from './wire-shapes.ts';

const APP_STATUSES: Readonly<Record<AppSummary['status'], true>> = { available: true, dropped: true };
const CHECKPOINT_CHUNK_ERRORS: Readonly<Record<CheckpointChunkError, true>> = {
  ERR_OK: true, ERR_OBJECT_NOT_FOUND: true, ERR_INVALID_STATE: true, ERR_INVALID_PARAMETERS: true,
};
const metaErrorType = oneOf<MetaErrorCode>('meta error', membersOf(META_ERROR_RETRIABLE));
const strict = { strict: true } as const;
const gpidList = t.list(t.gpid);

export const appSummarySchema = defineStruct<AppSummary>('peg_app_summary', [
  { id: 1, name: 'appId', type: t.i32 },
  { id: 2, name: 'name', type: t.string },
  { id: 3, name: 'partitionCount', type: t.i32 },
  { id: 4, name: 'status', type: oneOf('app status', membersOf(APP_STATUSES)) },
], strict);
const appSummaryType = t.struct(appSummarySchema);

export const peerEnvelopeSchema = defineStruct<PeerEnvelope>('peg_peer_envelope', [
  { id: 1, name: 'from', type: t.string },
  { id: 2, name: 'app', type: appSummaryType },
  { id: 3, name: 'message', type: peerMessageType },
], strict);

// --- replica server -> meta server ---

type Beacon = Extract<ReplicaToMetaMessage, { kind: 'beacon' }>;
type ConfigUpdate = Extract<ReplicaToMetaMessage, { kind: 'config_update' }>;
type ReplicaReports = Extract<ReplicaToMetaMessage, { kind: 'replica_reports' }>;

const replicaReportSchema = defineStruct<ReplicaReport>('peg_replica_report', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'ballot', type: t.i64 },
  { id: 3, name: 'lastCommittedDecree', type: t.i64 },
  { id: 4, name: 'lastPreparedDecree', type: t.i64 },
], strict);

export const replicaToMetaType = unionOf<ReplicaToMetaMessage>('peg_replica_to_meta', {
  beacon: {
    id: 1,
    type: t.struct(defineStruct<Beacon>('peg_beacon', [
      { id: 1, name: 'from', type: t.string },
      // A monotonic clock reading: fractional milliseconds.
      { id: 2, name: 'sentMs', type: t.double },
    ], { kind: 'beacon', strict: true })),
  },
  config_update: {
    id: 2,
    type: t.struct(defineStruct<ConfigUpdate>('peg_config_update', [
      { id: 1, name: 'from', type: t.string },
      { id: 2, name: 'request', type: configChangeRequestType },
    ], { kind: 'config_update', strict: true })),
  },
  replica_reports: {
    id: 3,
    type: t.struct(defineStruct<ReplicaReports>('peg_replica_reports', [
      { id: 1, name: 'from', type: t.string },
      { id: 2, name: 'replicas', type: t.list(t.struct(replicaReportSchema)) },
      { id: 3, name: 'absent', type: gpidList },
      { id: 4, name: 'configSync', type: t.bool },
    ], { kind: 'replica_reports', strict: true })),
  },
});

// --- meta server -> replica server ---

const configUpdateReplySchema = defineStruct<ConfigUpdateReplyAction>('peg_config_update_reply', [
  { id: 1, name: 'to', type: t.string },
  { id: 2, name: 'gpid', type: t.gpid },
  { id: 3, name: 'error', type: metaErrorType },
  { id: 4, name: 'retriable', type: t.bool },
  { id: 5, name: 'reason', type: t.string },
  { id: 6, name: 'config', type: partitionConfigType, optional: true },
], { kind: 'config_update_reply', strict: true });

export const metaToReplicaType = unionOf<MetaToReplicaMessage>('peg_meta_to_replica', {
  beacon_ack: {
    id: 1,
    type: t.struct(defineStruct<BeaconAckAction>('peg_beacon_ack', [
      { id: 1, name: 'to', type: t.string },
      { id: 2, name: 'sentMs', type: t.double },
      { id: 3, name: 'allowed', type: t.bool },
    ], { kind: 'beacon_ack', strict: true })),
  },
  config_update_reply: {
    id: 2,
    // The meta core's shape always has the key, undefined when the partition is unknown.
    type: t.mapped(t.struct(configUpdateReplySchema), (wire) => ({ ...wire, config: wire.config }), (reply) => reply),
  },
  notify_config: {
    id: 3,
    type: t.struct(defineStruct<NotifyConfigAction>('peg_notify_config', [
      { id: 1, name: 'to', type: t.string },
      { id: 2, name: 'config', type: partitionConfigType },
    ], { kind: 'notify_config', strict: true })),
  },
  proposal: {
    id: 4,
    type: t.struct(defineStruct<ProposalAction>('peg_proposal', [
      { id: 1, name: 'to', type: t.string },
      { id: 2, name: 'change', type: configChangeKindType },
      { id: 3, name: 'node', type: t.string },
      { id: 4, name: 'config', type: partitionConfigType },
    ], { kind: 'proposal', strict: true })),
  },
  query_replicas: {
    id: 5,
    type: t.struct(defineStruct<QueryReplicasAction>('peg_query_replicas', [
      { id: 1, name: 'to', type: t.string },
      { id: 2, name: 'gpids', type: gpidList },
    ], { kind: 'query_replicas', strict: true })),
  },
  config_sync_reply: {
    id: 6,
    type: t.struct(defineStruct<ConfigSyncReplyAction>('peg_config_sync_reply', [
      { id: 1, name: 'to', type: t.string },
      { id: 2, name: 'configs', type: t.list(partitionConfigType) },
      { id: 3, name: 'garbage', type: gpidList },
    ], { kind: 'config_sync_reply', strict: true })),
  },
  forward: {
    id: 7,
    type: t.struct(defineStruct<ForwardToLeader>('peg_forward_to_leader', [
      { id: 1, name: 'to', type: t.string },
      { id: 2, name: 'leader', type: t.string },
    ], { kind: 'forward', strict: true })),
  },
});

export const fromMetaEnvelopeSchema = defineStruct<FromMetaEnvelope>('peg_from_meta_envelope', [
  { id: 1, name: 'from', type: t.string },
  { id: 2, name: 'apps', type: t.list(appSummaryType) },
  { id: 3, name: 'message', type: metaToReplicaType },
], strict);

// --- learner -> primary: checkpoint copy ---

export const checkpointChunkRequestSchema = defineStruct<CheckpointChunkRequest>('peg_checkpoint_chunk_request', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'decree', type: t.i64 },
  { id: 3, name: 'offset', type: t.i64 },
  { id: 4, name: 'maxBytes', type: t.i32 },
], strict);

export const checkpointChunkResponseSchema = defineStruct<CheckpointChunkResponse>('peg_checkpoint_chunk_response', [
  { id: 1, name: 'error', type: oneOf('checkpoint chunk error', membersOf(CHECKPOINT_CHUNK_ERRORS)) },
  { id: 2, name: 'decree', type: t.i64 },
  { id: 3, name: 'totalBytes', type: t.i64 },
  { id: 4, name: 'offset', type: t.i64 },
  { id: 5, name: 'bytes', type: ownedBytes },
], strict);

// --- backup orchestrator -> primary: partition backup ---

const BACKUP_PARTITION_ERRORS: Readonly<Record<BackupPartitionError, true>> = {
  ERR_OK: true, ERR_OBJECT_NOT_FOUND: true, ERR_INVALID_STATE: true, ERR_INVALID_PARAMETERS: true, ERR_BUSY: true,
};
const BACKUP_PARTITION_STATES: Readonly<Record<BackupPartitionState, true>> = { uploading: true, completed: true, failed: true, cancelled: true };

export const backupPartitionRequestSchema = defineStruct<BackupPartitionRequest>('peg_backup_partition_request', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'target', type: t.string },
  { id: 3, name: 'clusterName', type: t.string },
  { id: 4, name: 'backupId', type: t.string },
  { id: 5, name: 'table', type: t.string },
  { id: 6, name: 'cancel', type: t.bool },
], strict);

export const backupPartitionResponseSchema = defineStruct<BackupPartitionResponse>('peg_backup_partition_response', [
  { id: 1, name: 'error', type: oneOf('backup partition error', membersOf(BACKUP_PARTITION_ERRORS)) },
  { id: 2, name: 'state', type: oneOf('backup partition state', membersOf(BACKUP_PARTITION_STATES)) },
  { id: 3, name: 'uploadedBytes', type: t.i64 },
  { id: 4, name: 'metadata', type: t.string },
  { id: 5, name: 'message', type: t.string },
  { id: 6, name: 'retriable', type: t.bool },
], strict);
