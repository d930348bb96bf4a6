// The real meta core (cluster/meta/core) in-process for HostCluster: beacons from every open,
// uncut host, store writes that complete at once, and its actions turned into the replication
// core's messages as a replica server would (cluster/meta/README.md).
import { MetaCore, replicationErrorOf, type MetaAction } from '../../../cluster/meta/core/index.ts';
import type { ConfigChangeRequest, NodeId, PartitionConfiguration } from '../../../cluster/replication/index.ts';
import type { ReplicaHost } from '../../../cluster/replica/host/index.ts';
import { SCENARIO_META_OPTIONS } from '../../scenario/real-meta.ts';

export interface MetaPeers {
  /** Open hosts meta can reach (not cut). */
  reachable(node: NodeId): ReplicaHost | undefined;
  readonly nodes: readonly NodeId[];
}

export class InProcessMeta {
  private readonly core: MetaCore;
  private readonly startedMs = Date.now();
  readonly actions: string[] = [];

  constructor(private readonly peers: MetaPeers) {
    this.core = MetaCore.create(SCENARIO_META_OPTIONS, 0);
  }

  createTable(name: string, partitionCount: number, maxReplicaCount: number): void {
    this.perform(this.core.step({ kind: 'create_table', nowMs: this.nowMs(), requestId: 1, name, partitionCount, maxReplicaCount }));
  }

  configurations(): PartitionConfiguration[] {
    return this.core.configurations();
  }

  /** Beacons and a config sync from every reachable host, then the meta core's tick. */
  heartbeat(): void {
    const nowMs = this.nowMs();
    for (const node of this.peers.nodes) {
      const host = this.peers.reachable(node);
      if (host === undefined) continue;
      this.perform(this.core.step({ kind: 'beacon', nowMs, from: node, sentMs: nowMs }));
      const info = host.info();
      this.perform(this.core.step({
        kind: 'replica_reports', nowMs, from: node, configSync: true,
        replicas: [{ gpid: info.gpid, ballot: info.ballot, lastCommittedDecree: info.committedDecree, lastPreparedDecree: info.preparedDecree }],
      }));
    }
    this.perform(this.core.step({ kind: 'tick', nowMs }));
  }

  request(from: NodeId, request: ConfigChangeRequest): void {
    this.perform(this.core.step({ kind: 'config_update', nowMs: this.nowMs(), from, change: request.kind, node: request.node, config: request.config }));
  }

  private nowMs(): number {
    return Date.now() - this.startedMs;
  }

  private perform(actions: readonly MetaAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'persist':
          this.perform(this.core.step({ kind: 'persisted', nowMs: this.nowMs(), key: action.key, version: action.version }));
          break;
        case 'config_update_reply':
          if (action.config !== undefined) {
            this.peers.reachable(action.to)?.step({ kind: 'meta', message: { kind: 'config_change_reply', error: replicationErrorOf(action.error), config: action.config } });
          }
          break;
        case 'notify_config':
          this.peers.reachable(action.to)?.step({ kind: 'meta', message: { kind: 'config_sync', config: action.config } });
          break;
        case 'config_sync_reply':
          for (const config of action.configs) this.peers.reachable(action.to)?.step({ kind: 'meta', message: { kind: 'config_sync', config } });
          break;
        case 'proposal':
          this.actions.push(`${action.change} ${action.node} -> ${action.to}`);
          this.peers.reachable(action.to)?.step({ kind: 'meta', message: { kind: 'config_proposal', type: action.change, node: action.node, config: action.config } });
          break;
        case 'query_replicas': {
          const host = this.peers.reachable(action.to);
          if (host === undefined) break;
          const info = host.info();
          this.perform(this.core.step({
            kind: 'replica_reports', nowMs: this.nowMs(), from: action.to, configSync: false,
            replicas: [{ gpid: info.gpid, ballot: info.ballot, lastCommittedDecree: info.committedDecree, lastPreparedDecree: info.preparedDecree }],
          }));
          break;
        }
        case 'beacon_ack':
        case 'create_table_reply':
        case 'drop_table_reply':
        case 'recall_table_reply':
        case 'node_state':
          break;
      }
    }
  }
}
