// Everything that crosses the simulated network: replica-to-replica messages of the core, the
// meta server's traffic in both directions, and client requests. The harness translates between
// the replication core's meta messages and the meta core's inputs and actions, as the replica and
// meta server shells will.
import type { MetaAction } from '../../cluster/meta/core/types.ts';
import type { ReplicationErrorCode } from '../../cluster/replication/errors.ts';
import type { ConfigChangeRequest, Gpid, PartitionConfiguration, PeerMessage, ReplicaInfo } from '../../cluster/replication/index.ts';

export type ClientRequest =
  | { readonly kind: 'client_put'; readonly gpid: Gpid; readonly requestId: number; readonly key: string; readonly value: string }
  | { readonly kind: 'client_get'; readonly gpid: Gpid; readonly requestId: number; readonly key: string }
  | { readonly kind: 'query_config'; readonly requestId: number; readonly gpid: Gpid };

export type ClientReply =
  | { readonly kind: 'client_reply'; readonly requestId: number; readonly error: ReplicationErrorCode; readonly value?: string | null }
  | { readonly kind: 'query_config_reply'; readonly requestId: number; readonly config: PartitionConfiguration | undefined };

export type SimMessage =
  | { readonly kind: 'peer'; readonly gpid: Gpid; readonly message: PeerMessage }
  | { readonly kind: 'beacon'; readonly sentMs: number }
  | { readonly kind: 'config_update'; readonly request: ConfigChangeRequest }
  | { readonly kind: 'replica_reports'; readonly replicas: readonly ReplicaInfo[]; readonly absent: readonly Gpid[]; readonly configSync: boolean }
  | { readonly kind: 'from_meta'; readonly action: MetaAction }
  | ClientRequest
  | ClientReply;

export function describeMessage(message: SimMessage): string {
  if (message.kind === 'peer') return `${message.message.kind} ${message.gpid.appId}.${message.gpid.partitionIndex}`;
  if (message.kind === 'from_meta') return `meta:${message.action.kind}`;
  return message.kind;
}

/**
 * A client's request is sent once over its connection and never arrives twice (TCP); a client
 * that wants a retry sends a new request. Messages between servers may be duplicated: the
 * protocol resends them and must tolerate copies.
 */
export function mayDuplicate(message: SimMessage): boolean {
  const clientKinds: readonly SimMessage['kind'][] = ['client_put', 'client_get', 'client_reply', 'query_config', 'query_config_reply'];
  return !clientKinds.includes(message.kind);
}
