// Wire schemas of the replication core's values (cluster/replication): partition configurations,
// configuration change requests, mutations, and every PeerMessage between replicas. Internal
// structs: our own names, strict (a missing field is an error, never a default ballot), decoded
// into exactly the core's shapes. Node ids are "host:port" strings (hostnames allowed), not the
// IPv4-only rpc_address placeholder.

import type { ConfigChangeKind, ConfigChangeRequest, PartitionConfiguration } from '../replication/configuration.ts';
import { REPLICATION_ERROR_CODES } from '../replication/errors.ts';
import type {
  GroupCheckAckMessage, GroupCheckMessage, LearnCompletionNotifyMessage, LearnRequestMessage, LearnResponseMessage, PeerMessage,
  PrepareAckMessage, PrepareMessage, RemoveReplicaMessage,
} from '../replication/messages.ts';
import type { LearnType, Mutation } from '../replication/types.ts';
import { defineStruct, t } from './thrift-types.ts';
import { membersOf, oneOf, ownedBytes, safeInteger, unionOf } from './wire-shapes.ts';

const CONFIG_CHANGE_KINDS: Readonly<Record<ConfigChangeKind, true>> = {
  assign_primary: true,
  upgrade_to_primary: true,
  add_secondary: true,
  upgrade_to_secondary: true,
  downgrade_to_secondary: true,
  downgrade_to_inactive: true,
  remove: true,
};
const LEARN_TYPES: Readonly<Record<LearnType, true>> = { LT_CACHE: true, LT_LOG: true, LT_APP: true };

export const configChangeKindType = oneOf('config change kind', membersOf(CONFIG_CHANGE_KINDS));
export const replicationErrorType = oneOf('replication error', REPLICATION_ERROR_CODES);
const learnTypeType = oneOf('learn type', membersOf(LEARN_TYPES));
const nodeList = t.list(t.string);
const strict = { strict: true } as const;

export const partitionConfigSchema = defineStruct<PartitionConfiguration>('peg_partition_config', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'ballot', type: t.i64 },
  { id: 3, name: 'maxReplicaCount', type: t.i32 },
  { id: 4, name: 'primary', type: t.string },
  { id: 5, name: 'secondaries', type: nodeList },
  { id: 6, name: 'lastDrops', type: nodeList },
  { id: 7, name: 'lastCommittedDecree', type: t.i64 },
], strict);
export const partitionConfigType = t.struct(partitionConfigSchema);

/** ConfigChangeRequest's own `kind` is the change, so it travels as a field named `change`. */
interface ConfigChangeWire {
  readonly change: ConfigChangeKind;
  readonly node: string;
  readonly config: PartitionConfiguration;
}

const configChangeWireSchema = defineStruct<ConfigChangeWire>('peg_config_change_request', [
  { id: 1, name: 'change', type: configChangeKindType },
  { id: 2, name: 'node', type: t.string },
  { id: 3, name: 'config', type: partitionConfigType },
], strict);

export const configChangeRequestType = t.mapped(
  t.struct(configChangeWireSchema),
  (wire): ConfigChangeRequest => ({ kind: wire.change, node: wire.node, config: wire.config }),
  (request): ConfigChangeWire => ({ change: request.kind, node: request.node, config: request.config }),
);

export const mutationSchema = defineStruct<Mutation>('peg_mutation', [
  { id: 1, name: 'ballot', type: t.i64 },
  { id: 2, name: 'decree', type: t.i64 },
  { id: 3, name: 'lastCommittedDecree', type: t.i64 },
  { id: 4, name: 'timestampUs', type: t.i64 },
  { id: 5, name: 'requests', type: t.list(ownedBytes) },
  { id: 6, name: 'sizeBytes', type: safeInteger },
], strict);
const mutationType = t.struct(mutationSchema);

const prepareSchema = defineStruct<PrepareMessage>('peg_prepare', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'config', type: partitionConfigType },
  { id: 3, name: 'learnerSignature', type: safeInteger },
  { id: 4, name: 'mutation', type: mutationType },
  { id: 5, name: 'committedDecree', type: t.i64 },
], { kind: 'prepare', strict: true });

const prepareAckSchema = defineStruct<PrepareAckMessage>('peg_prepare_ack', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'error', type: replicationErrorType },
  { id: 3, name: 'ballot', type: t.i64 },
  { id: 4, name: 'decree', type: t.i64 },
  { id: 5, name: 'receiverBallot', type: t.i64 },
  { id: 6, name: 'committedDecree', type: t.i64 },
], { kind: 'prepare_ack', strict: true });

const groupCheckSchema = defineStruct<GroupCheckMessage>('peg_group_check', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'config', type: partitionConfigType },
  { id: 3, name: 'learnerSignature', type: safeInteger },
  { id: 4, name: 'committedDecree', type: t.i64 },
], { kind: 'group_check', strict: true });

const groupCheckAckSchema = defineStruct<GroupCheckAckMessage>('peg_group_check_ack', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'error', type: replicationErrorType },
  { id: 3, name: 'receiverBallot', type: t.i64 },
  { id: 4, name: 'committedDecree', type: t.i64 },
], { kind: 'group_check_ack', strict: true });

const learnRequestSchema = defineStruct<LearnRequestMessage>('peg_learn_request', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'signature', type: safeInteger },
  { id: 3, name: 'appliedDecree', type: t.i64 },
  { id: 4, name: 'committedDecree', type: t.i64 },
], { kind: 'learn_request', strict: true });

const learnResponseSchema = defineStruct<LearnResponseMessage>('peg_learn_response', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'error', type: replicationErrorType },
  { id: 3, name: 'signature', type: safeInteger },
  { id: 4, name: 'config', type: partitionConfigType },
  { id: 5, name: 'learnType', type: learnTypeType },
  { id: 6, name: 'discardLearnerState', type: t.bool },
  { id: 7, name: 'checkpointDecree', type: t.i64, optional: true },
  { id: 8, name: 'mutations', type: t.list(mutationType) },
  { id: 9, name: 'committedDecree', type: t.i64 },
  { id: 10, name: 'prepareStartDecree', type: t.i64 },
], { kind: 'learn_response', strict: true });

const learnCompletionNotifySchema = defineStruct<LearnCompletionNotifyMessage>('peg_learn_completion_notify', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'signature', type: safeInteger },
  { id: 3, name: 'appliedDecree', type: t.i64 },
  { id: 4, name: 'prepareStartDecree', type: t.i64 },
], { kind: 'learn_completion_notify', strict: true });

const removeReplicaSchema = defineStruct<RemoveReplicaMessage>('peg_remove_replica', [
  { id: 1, name: 'gpid', type: t.gpid },
  { id: 2, name: 'config', type: partitionConfigType },
], { kind: 'remove_replica', strict: true });

export const peerMessageType = unionOf<PeerMessage>('peg_peer_message', {
  prepare: { id: 1, type: t.struct(prepareSchema) },
  prepare_ack: { id: 2, type: t.struct(prepareAckSchema) },
  group_check: { id: 3, type: t.struct(groupCheckSchema) },
  group_check_ack: { id: 4, type: t.struct(groupCheckAckSchema) },
  learn_request: { id: 5, type: t.struct(learnRequestSchema) },
  learn_response: {
    id: 6,
    // The core's shape always has the key, undefined unless LT_APP.
    type: t.mapped(t.struct(learnResponseSchema), (wire) => ({ ...wire, checkpointDecree: wire.checkpointDecree }), (message) => message),
  },
  learn_completion_notify: { id: 7, type: t.struct(learnCompletionNotifySchema) },
  remove_replica: { id: 8, type: t.struct(removeReplicaSchema) },
});
