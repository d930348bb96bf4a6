// The internal RPCs that carry cluster-messages.ts between servers, under our own names (RPC_PEG_*)
// with the same THFT framing as the client RPCs. Everything is one-way except the checkpoint
// chunk copy and the partition backup calls: the cores resend what matters, so a lost message costs a retry.

import type { BackupPartitionRequest, BackupPartitionResponse, CheckpointChunkRequest, CheckpointChunkResponse, FromMetaEnvelope, PeerEnvelope, ReplicaToMetaMessage } from './cluster-messages.ts';
import {
  backupPartitionRequestSchema, backupPartitionResponseSchema, checkpointChunkRequestSchema, checkpointChunkResponseSchema, fromMetaEnvelopeSchema, peerEnvelopeSchema, replicaToMetaType,
} from './cluster-structs.ts';
import { createRpcRegistry, defineRpc, type RpcMethod, type RpcRegistry } from './rpc-methods.ts';
import { t } from './thrift-types.ts';

export const clusterRpcs = {
  /** Replica server -> replica server: a PeerMessage of one partition. */
  peer: defineRpc<PeerEnvelope, never>('RPC_PEG_PEER', t.struct(peerEnvelopeSchema), null),
  /** Replica server -> meta server: beacon, config update request, replica reports. */
  replicaToMeta: defineRpc<ReplicaToMetaMessage, never>('RPC_PEG_REPLICA_TO_META', replicaToMetaType, null),
  /** Meta server -> replica server: the meta core's actions for a node, or a redirect to the leader. */
  fromMeta: defineRpc<FromMetaEnvelope, never>('RPC_PEG_FROM_META', t.struct(fromMetaEnvelopeSchema), null),
  /** Learner -> primary: one chunk of a checkpoint file. */
  checkpointChunk: defineRpc<CheckpointChunkRequest, CheckpointChunkResponse>(
    'RPC_PEG_CHECKPOINT_CHUNK', t.struct(checkpointChunkRequestSchema), t.struct(checkpointChunkResponseSchema),
  ),
  /** Backup orchestrator -> primary: start, poll or cancel a partition's backup. */
  backupPartition: defineRpc<BackupPartitionRequest, BackupPartitionResponse>(
    'RPC_PEG_BACKUP_PARTITION', t.struct(backupPartitionRequestSchema), t.struct(backupPartitionResponseSchema),
  ),
} as const;

/** A registry of the client RPCs and the cluster RPCs, for tools that decode any frame of a server port. */
export function createClusterRpcRegistry(): RpcRegistry {
  const registry = createRpcRegistry();
  for (const method of Object.values(clusterRpcs)) registry.register(method as RpcMethod<unknown, unknown>);
  return registry;
}
