// ClusterOutbound over the internal RPCs (cluster-rpcs.ts): one ClusterLink, and so one
// RpcConnection, per destination "host:port". One-way sends never throw for network trouble or bad
// addresses; they are counted as dropped instead, since the cores tolerate loss. The checkpoint
// chunk copy is a call with a timeout that rejects with a retriable RpcCallError when the source
// cannot be reached. `counters` feeds the servers' /metrics.
//
//   const transport = new RpcClusterTransport({ log });
//   transport.sendPeer('127.0.0.1:34802', envelope);
//   const chunk = await transport.fetchCheckpointChunk('127.0.0.1:34801', request, 5_000);
//   await transport.close();

import { systemClock, type Clock } from '../../../common/clock.ts';
import {
  CLUSTER_CALLS_WAITING_MAX, CLUSTER_CONNECT_TIMEOUT_MS, CLUSTER_DESTINATIONS_MAX, CLUSTER_RECONNECT_BACKOFF_MS_MAX,
  CLUSTER_RECONNECT_BACKOFF_MS_MIN, CLUSTER_SEND_BUFFER_BYTES_MAX, CLUSTER_SEND_QUEUE_MESSAGES_MAX,
} from '../../../common/limits.ts';
import { systemRandom, type Random } from '../../../common/random.ts';
import type { NodeId } from '../../replication/configuration.ts';
import type {
  BackupPartitionRequest, BackupPartitionResponse, CheckpointChunkRequest, CheckpointChunkResponse, ClusterOutbound, FromMetaEnvelope, PeerEnvelope, ReplicaToMetaMessage,
} from '../cluster-messages.ts';
import { clusterRpcs } from '../cluster-rpcs.ts';
import type { RpcMethod } from '../rpc-methods.ts';
import { ClusterLink, type ClusterLinkSettings, type ClusterTransportCounters } from './cluster-link.ts';
import { RpcCallError } from './rpc-connection.ts';
import type { RpcLog } from './thft-connection.ts';

export type { ClusterTransportCounters } from './cluster-link.ts';

export interface ClusterTransportOptions {
  /** Default console.error. */
  readonly log?: RpcLog;
  readonly clock?: Clock;
  /** Reconnect jitter. */
  readonly random?: Random;
  readonly queueMessagesMax?: number;
  readonly sendBufferBytesMax?: number;
  readonly destinationsMax?: number;
  readonly callsWaitingMax?: number;
  readonly connectTimeoutMs?: number;
  readonly backoffMsMin?: number;
  readonly backoffMsMax?: number;
}

export class RpcClusterTransport implements ClusterOutbound {
  readonly counters: ClusterTransportCounters = { sent: 0, dropped: 0, reconnects: 0, connectFailures: 0 };
  private readonly links = new Map<NodeId, ClusterLink>();
  private readonly settings: ClusterLinkSettings;
  private readonly destinationsMax: number;
  private closed = false;

  constructor(options: ClusterTransportOptions = {}) {
    this.destinationsMax = options.destinationsMax ?? CLUSTER_DESTINATIONS_MAX;
    this.settings = {
      queueMessagesMax: options.queueMessagesMax ?? CLUSTER_SEND_QUEUE_MESSAGES_MAX,
      sendBufferBytesMax: options.sendBufferBytesMax ?? CLUSTER_SEND_BUFFER_BYTES_MAX,
      callsWaitingMax: options.callsWaitingMax ?? CLUSTER_CALLS_WAITING_MAX,
      connectTimeoutMs: options.connectTimeoutMs ?? CLUSTER_CONNECT_TIMEOUT_MS,
      backoffMsMin: options.backoffMsMin ?? CLUSTER_RECONNECT_BACKOFF_MS_MIN,
      backoffMsMax: options.backoffMsMax ?? CLUSTER_RECONNECT_BACKOFF_MS_MAX,
      clock: options.clock ?? systemClock,
      random: options.random ?? systemRandom,
      counters: this.counters,
      log: options.log ?? ((message, error) => console.error(message, error ?? '')),
    };
  }

  /** Destinations with a link (for tests and status pages). */
  get destinationCount(): number {
    return this.links.size;
  }

  /** One-way messages waiting for `to`'s connection. */
  queuedFor(to: NodeId): number {
    return this.links.get(to)?.queuedCount ?? 0;
  }

  sendPeer(to: NodeId, envelope: PeerEnvelope): void {
    this.send(to, clusterRpcs.peer, envelope);
  }

  sendToMeta(to: NodeId, message: ReplicaToMetaMessage): void {
    this.send(to, clusterRpcs.replicaToMeta, message);
  }

  sendToReplica(to: NodeId, envelope: FromMetaEnvelope): void {
    this.send(to, clusterRpcs.fromMeta, envelope);
  }

  fetchCheckpointChunk(from: NodeId, request: CheckpointChunkRequest, timeoutMs: number): Promise<CheckpointChunkResponse> {
    const link = this.linkTo(from);
    if (link instanceof RpcCallError) return Promise.reject(link);
    return link.call(clusterRpcs.checkpointChunk, request, timeoutMs);
  }

  /** Starts, polls or cancels a partition backup on `to` (not part of ClusterOutbound: only the backup orchestrator calls it). */
  backupPartition(to: NodeId, request: BackupPartitionRequest, timeoutMs: number): Promise<BackupPartitionResponse> {
    const link = this.linkTo(to);
    if (link instanceof RpcCallError) return Promise.reject(link);
    return link.call(clusterRpcs.backupPartition, request, timeoutMs);
  }

  /** Closes every connection; queued messages are dropped, waiting calls fail, later sends are dropped. */
  close(): Promise<void> {
    this.closed = true;
    for (const link of this.links.values()) link.close();
    this.links.clear();
    return Promise.resolve();
  }

  private send<Request>(to: NodeId, method: RpcMethod<Request, never>, request: Request): void {
    const link = this.linkTo(to);
    if (link instanceof RpcCallError) {
      this.counters.dropped++;
      if (link.code === 'ERR_INVALID_PARAMETERS') this.settings.log(`cluster transport: ${method.name} dropped: ${link.message}`);
      return;
    }
    link.send(method, request);
  }

  /** The link to `to`, or why there is none. */
  private linkTo(to: NodeId): ClusterLink | RpcCallError {
    if (this.closed) return new RpcCallError('ERR_SESSION_RESET', 'the cluster transport is closed');
    const existing = this.links.get(to);
    if (existing !== undefined) return existing;
    const address = parseNodeId(to);
    if (address === null) return new RpcCallError('ERR_INVALID_PARAMETERS', `destination ${JSON.stringify(to)} is not "host:port"`);
    if (this.links.size >= this.destinationsMax && !this.forgetOneIdle()) {
      return new RpcCallError('ERR_BUSY', `${this.links.size} destinations already have a link`);
    }
    const link = new ClusterLink(to, address.host, address.port, this.settings);
    this.links.set(to, link);
    return link;
  }

  private forgetOneIdle(): boolean {
    for (const [to, link] of this.links) {
      if (!link.idle) continue;
      link.close();
      this.links.delete(to);
      return true;
    }
    return false;
  }
}

/** "host:port" or "[v6]:port" -> host and port; null when it is neither. */
export function parseNodeId(node: string): { readonly host: string; readonly port: number } | null {
  const colon = node.lastIndexOf(':');
  if (colon <= 0) return null;
  let host = node.slice(0, colon);
  const portText = node.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 0xffff) return null;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.length === 0 || /[\s[\]/]/.test(host)) return null;
  return { host, port };
}
