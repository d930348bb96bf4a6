// The receiving side of the cluster transport: registers a handler on a server's HandlerTable for
// each ClusterInbound method present, so a server answers only what it serves (a meta server has
// no onPeer; RPC_PEG_PEER sent there is refused as an unknown RPC).

import type { ClusterInbound } from '../cluster-messages.ts';
import { clusterRpcs } from '../cluster-rpcs.ts';
import type { HandlerTable } from './handler-table.ts';

export function serveCluster(handlers: HandlerTable, inbound: ClusterInbound): HandlerTable {
  if (inbound.onPeer !== undefined) {
    const onPeer = inbound.onPeer.bind(inbound);
    handlers.onOneWay(clusterRpcs.peer, async (envelope) => onPeer(envelope));
  }
  if (inbound.onReplicaMessage !== undefined) {
    const onReplicaMessage = inbound.onReplicaMessage.bind(inbound);
    handlers.onOneWay(clusterRpcs.replicaToMeta, async (message) => onReplicaMessage(message));
  }
  if (inbound.onFromMeta !== undefined) {
    const onFromMeta = inbound.onFromMeta.bind(inbound);
    handlers.onOneWay(clusterRpcs.fromMeta, async (envelope) => onFromMeta(envelope));
  }
  if (inbound.onCheckpointChunk !== undefined) {
    handlers.on(clusterRpcs.checkpointChunk, inbound.onCheckpointChunk.bind(inbound));
  }
  if (inbound.onBackupPartition !== undefined) {
    handlers.on(clusterRpcs.backupPartition, inbound.onBackupPartition.bind(inbound));
  }
  return handlers;
}
