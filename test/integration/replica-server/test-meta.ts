// A meta server for replica server tests: the real MetaCore in this process, reached over real RPC
// (an RpcServer serving the cluster RPCs, an RpcClusterTransport sending back). Its store is a
// map (writes complete at once). The test can stop acknowledging beacons (to make leases run out)
// and have it answer everything with a redirect to another meta server.
import { DEFAULT_META_OPTIONS, MetaCore, type MetaAction, type MetaInput, type MetaOptions } from '../../../cluster/meta/core/index.ts';
import type { AppSummary, MetaToReplicaMessage, ReplicaToMetaMessage } from '../../../cluster/rpc/cluster-messages.ts';
import { HandlerTable, RpcServer } from '../../../cluster/rpc/node/index.ts';
import { RpcClusterTransport } from '../../../cluster/rpc/node/cluster-transport.ts';
import { serveCluster } from '../../../cluster/rpc/node/serve-cluster.ts';
import type { NodeId, PartitionConfiguration } from '../../../cluster/replication/configuration.ts';

export const TEST_FAILURE_DETECTOR = { beaconIntervalMs: 200, checkIntervalMs: 100, leaseMs: 1_000, graceMs: 1_500 };

export const TEST_META_OPTIONS: MetaOptions = {
  ...DEFAULT_META_OPTIONS,
  failureDetector: TEST_FAILURE_DETECTOR,
  minLiveNodesForUnfreeze: 1,
  liveNodePercentForUnfreeze: 0,
  cureIntervalMs: 300,
  proposalResendMs: 1_000,
  lostReplicaCandidates: 1,
};

export class TestMeta {
  /** False: beacons are received but not acknowledged, so every lease runs out. */
  ackBeacons = true;
  /** Set: every replica message is answered with a redirect to this leader. */
  redirectTo: NodeId | undefined;
  readonly received: ReplicaToMetaMessage[] = [];
  private readonly core: MetaCore;
  private readonly apps = new Map<number, AppSummary>();
  private readonly startMs = performance.now();
  private readonly timer: NodeJS.Timeout;
  private nextRequestId = 1;

  private constructor(
    private readonly server: RpcServer,
    readonly address: NodeId,
    private readonly transport: RpcClusterTransport,
    options: MetaOptions,
  ) {
    this.core = MetaCore.create(options, this.nowMs());
    this.timer = setInterval(() => this.step({ kind: 'tick', nowMs: this.nowMs() }), options.failureDetector.checkIntervalMs);
  }

  static async start(options: MetaOptions = TEST_META_OPTIONS): Promise<TestMeta> {
    const handlers = new HandlerTable();
    const server = new RpcServer({ handlers });
    const { port } = await server.listen();
    const meta: TestMeta = new TestMeta(server, `127.0.0.1:${port}`, new RpcClusterTransport({ log: () => undefined }), options);
    serveCluster(handlers, { onReplicaMessage: (message) => meta.onReplicaMessage(message) });
    return meta;
  }

  /** Creates a table once enough replica servers are alive for the level to allow it; returns its app id. */
  async createTable(name: string, partitionCount: number, replicaCount: number): Promise<number> {
    for (let waitedMs = 0; this.core.levelInEffect() !== 'steady' && this.core.levelInEffect() !== 'lively'; waitedMs += 50) {
      if (waitedMs > 20_000) throw new Error(`the meta level stays ${this.core.levelInEffect()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const requestId = this.nextRequestId++;
    const actions = this.core.step({ kind: 'create_table', nowMs: this.nowMs(), requestId, name, partitionCount, maxReplicaCount: replicaCount });
    const reply = actions.find((action) => action.kind === 'create_table_reply');
    const appId = reply?.kind === 'create_table_reply' && reply.error === 'ERR_OK' ? reply.appId : this.core.table(name)?.appId;
    if (appId === undefined) throw new Error(`table ${name} was not created: ${JSON.stringify(reply)}`);
    this.apps.set(appId, { appId, name, partitionCount, status: 'available' });
    this.perform(actions);
    return appId;
  }

  /** Marks a table dropped in what this meta server tells replica servers (the core keeps it). */
  dropTable(appId: number): void {
    const app = this.apps.get(appId);
    if (app !== undefined) this.apps.set(appId, { ...app, status: 'dropped' });
  }

  configs(name: string): PartitionConfiguration[] {
    return this.core.tableConfigs(name) ?? [];
  }

  /** Sends a message to a replica server as this meta server would. */
  send(to: NodeId, message: MetaToReplicaMessage): void {
    this.transport.sendToReplica(to, { from: this.address, apps: [...this.apps.values()], message });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.server.close();
    await this.transport.close();
  }

  private nowMs(): number {
    return performance.now() - this.startMs;
  }

  private onReplicaMessage(message: ReplicaToMetaMessage): void {
    this.received.push(message);
    if (this.received.length > 10_000) this.received.splice(0, 5_000);
    if (this.redirectTo !== undefined) {
      this.send(message.from, { kind: 'forward', to: message.from, leader: this.redirectTo });
      return;
    }
    const nowMs = this.nowMs();
    switch (message.kind) {
      case 'beacon':
        if (!this.ackBeacons) return;
        this.step({ kind: 'beacon', nowMs, from: message.from, sentMs: message.sentMs });
        return;
      case 'config_update':
        this.step({ kind: 'config_update', nowMs, from: message.from, change: message.request.kind, node: message.request.node, config: message.request.config });
        return;
      case 'replica_reports':
        this.step({ kind: 'replica_reports', nowMs, from: message.from, replicas: message.replicas, absent: message.absent, configSync: message.configSync });
        return;
    }
  }

  private step(input: MetaInput): void {
    this.perform(this.core.step(input));
  }

  private perform(actions: readonly MetaAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'persist':
          this.step({ kind: 'persisted', nowMs: this.nowMs(), key: action.key, version: action.version });
          break;
        case 'beacon_ack':
        case 'config_update_reply':
        case 'notify_config':
        case 'proposal':
        case 'query_replicas':
        case 'config_sync_reply':
          this.send(action.to, action);
          break;
        case 'create_table_reply':
        case 'drop_table_reply':
        case 'recall_table_reply':
        case 'node_state':
          break;
      }
    }
  }
}
