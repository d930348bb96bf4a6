// Three (or more) ReplicaHosts in one process over real RocksDB and real FileLogStores in temp
// directories, wired by an in-memory outbox that delivers peer messages asynchronously, and a
// scripted meta server that accepts every change whose ballot is current + 1 and tells everyone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../common/clock.ts';
import type { Clock } from '../../../common/clock.ts';
import { ReplicaHost, ReplicaRefusal } from '../../../cluster/replica/host/index.ts';
import type { ReadRequest } from '../../../cluster/storage/requests.ts';
import type { ReadResponseOf } from '../../../cluster/storage/responses.ts';
import type { ReplicaHostOptions, ReplicaHostTuning } from '../../../cluster/replica/host/index.ts';
import type {
  ConfigChangeKind, ConfigChangeRequest, Gpid, NodeId, PartitionConfiguration, PeerMessage, ReplicaCoreOptions,
} from '../../../cluster/replication/index.ts';
import { emptyConfiguration } from '../../../cluster/replication/index.ts';
import { InProcessMeta } from './real-meta.ts';
import type { AppSummary, CheckpointChunkRequest, CheckpointChunkResponse } from '../../../cluster/rpc/cluster-messages.ts';

export const GPID: Gpid = { appId: 1, partitionIndex: 0 };
export const APP: AppSummary = { appId: 1, name: 'temp', partitionCount: 1, status: 'available' };
const TICK_MS = 10;
/** Generous timeouts: a busy machine's fsync must not remove a healthy member mid-test. */
const CORE_OPTIONS: Partial<ReplicaCoreOptions> = {
  prepareTimeoutTicks: 1000,
  learnerPrepareTimeoutTicks: 1000,
  learnerIdleTicks: 3000,
};

export interface Delivered {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly message: PeerMessage;
}

export interface ClusterOptions {
  readonly nodes: readonly NodeId[];
  readonly coreOptions?: Partial<ReplicaCoreOptions>;
  readonly tuning?: Partial<ReplicaHostTuning>;
  readonly fsync?: 'always' | 'never';
  readonly clock?: Clock;
  /** Use the real meta core (it creates the table and cures the partition on its own). */
  readonly realMeta?: boolean;
}

export class HostCluster {
  readonly hosts = new Map<NodeId, ReplicaHost>();
  readonly delivered: Delivered[] = [];
  readonly logLines: string[] = [];
  readonly chunkRequests: { from: NodeId; request: CheckpointChunkRequest }[] = [];
  /** Messages to or from these nodes are dropped. */
  readonly cut = new Set<NodeId>();
  config: PartitionConfiguration = emptyConfiguration(GPID, 3);
  /** Called when a host acknowledges a write etc.; tests hook in to check order facts. */
  onDeliver: ((delivered: Delivered) => void) | undefined;
  readonly meta: InProcessMeta | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private metaTicker: ReturnType<typeof setInterval> | undefined;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  private constructor(readonly root: string, readonly options: ClusterOptions) {
    this.meta = options.realMeta === true
      ? new InProcessMeta({ nodes: options.nodes, reachable: (node) => (this.cut.has(node) ? undefined : this.hosts.get(node)) })
      : undefined;
  }

  static async start(options: ClusterOptions): Promise<HostCluster> {
    const root = await mkdtemp(join(tmpdir(), 'replica-host-'));
    const cluster = new HostCluster(root, options);
    for (const node of options.nodes) await cluster.open(node);
    cluster.ticker = setInterval(() => {
      for (const host of cluster.hosts.values()) host.step({ kind: 'tick' });
    }, TICK_MS);
    if (cluster.meta !== undefined) {
      // Meta creates tables only once it knows enough live replica servers.
      cluster.meta.heartbeat();
      cluster.meta.createTable(APP.name, APP.partitionCount, 3);
      cluster.metaTicker = setInterval(() => cluster.meta?.heartbeat(), 50);
    }
    return cluster;
  }

  directoryOf(node: NodeId): string {
    return join(this.root, node.replace(':', '_'), 'replicas', `${GPID.appId}.${GPID.partitionIndex}`);
  }

  host(node: NodeId): ReplicaHost {
    const host = this.hosts.get(node);
    if (host === undefined) throw new Error(`${node} is not open`);
    return host;
  }

  async open(node: NodeId, tuning?: Partial<ReplicaHostTuning>): Promise<ReplicaHost> {
    const options: ReplicaHostOptions = {
      directory: this.directoryOf(node),
      gpid: GPID,
      app: APP,
      self: node,
      fsync: this.options.fsync ?? 'always',
      clock: this.options.clock ?? systemClock,
      outbox: {
        sendPeer: (to, message) => this.deliverLater(() => this.deliverPeer(node, to, message)),
        requestConfigChange: (request) => this.deliverLater(() => this.metaReceive(node, request)),
        fetchCheckpointChunk: (from, request) => this.fetchChunk(from, request),
      },
      coreOptions: { ...CORE_OPTIONS, ...this.options.coreOptions },
      log: (line) => this.logLines.push(`${node} ${line}`),
      tuning: { ...this.options.tuning, ...tuning },
    };
    const host = await ReplicaHost.open(options);
    this.hosts.set(node, host);
    return host;
  }

  async close(node: NodeId): Promise<void> {
    const host = this.host(node);
    this.hosts.delete(node);
    await host.close();
  }

  async stop(): Promise<void> {
    if (this.ticker !== undefined) clearInterval(this.ticker);
    if (this.metaTicker !== undefined) clearInterval(this.metaTicker);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const node of [...this.hosts.keys()]) await this.close(node);
    await rm(this.root, { recursive: true, force: true });
  }

  // --- scripted meta ---

  /** Meta sends a proposal to `to` carrying its current configuration. */
  propose(to: NodeId, type: ConfigChangeKind, node: NodeId): void {
    if (this.cut.has(to)) return;
    this.hosts.get(to)?.step({ kind: 'meta', message: { kind: 'config_proposal', type, node, config: this.config } });
  }

  /** Meta writes a configuration itself (a node declared dead) and tells every host it reaches. */
  setConfig(config: PartitionConfiguration): void {
    this.config = config;
    for (const node of this.hosts.keys()) this.sync(node);
  }

  /** Meta's config sync to one host. */
  sync(node: NodeId): void {
    if (this.cut.has(node)) return;
    this.hosts.get(node)?.step({ kind: 'meta', message: { kind: 'config_sync', config: this.config } });
  }

  private metaReceive(from: NodeId, request: ConfigChangeRequest): void {
    const host = this.hosts.get(from);
    if (host === undefined || this.cut.has(from)) return;
    if (this.meta !== undefined) {
      this.meta.request(from, request);
      return;
    }
    if (request.config.ballot !== this.config.ballot + 1n) {
      host.step({ kind: 'meta', message: { kind: 'config_change_reply', error: 'ERR_INVALID_VERSION', config: this.config } });
      return;
    }
    const previous = this.config;
    const dropped = [previous.primary, ...previous.secondaries].filter(
      (n) => n !== '' && n !== request.config.primary && !request.config.secondaries.includes(n),
    );
    this.config = { ...request.config, lastDrops: [...previous.lastDrops, ...dropped].slice(-3) };
    host.step({ kind: 'meta', message: { kind: 'config_change_reply', error: 'ERR_OK', config: this.config } });
    for (const node of this.hosts.keys()) if (node !== from) this.sync(node);
  }

  // --- network ---

  private deliverLater(work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, 0);
    this.timers.add(timer);
  }

  private deliverPeer(from: NodeId, to: NodeId, message: PeerMessage): void {
    const host = this.hosts.get(to);
    if (host === undefined || this.cut.has(from) || this.cut.has(to) || !this.hosts.has(from)) return;
    const delivered = { from, to, message };
    this.delivered.push(delivered);
    this.onDeliver?.(delivered);
    host.step({ kind: 'peer', from, message });
  }

  private async fetchChunk(from: NodeId, request: CheckpointChunkRequest): Promise<CheckpointChunkResponse> {
    await new Promise<void>((resolve) => this.deliverLater(resolve));
    const host = this.hosts.get(from);
    if (host === undefined || this.cut.has(from)) throw new Error(`${from} is unreachable`);
    this.chunkRequests.push({ from, request });
    return host.serveCheckpointChunk(request);
  }

  // --- waiting ---

  /** Polls until `condition` holds; fails with `what` after a generous bound (not a timing assertion). */
  async until(what: string, condition: () => boolean, boundMs = 30_000): Promise<void> {
    const started = Date.now();
    while (!condition()) {
      if (Date.now() - started > boundMs) {
        throw new Error(`gave up waiting for ${what}; config b${this.metaConfig().ballot} ${this.metaConfig().primary}+[${this.metaConfig().secondaries.join(',')}]; ` +
          `hosts: ${[...this.hosts].map(([n, h]) => `${n}:${h.info().role}/b${h.info().ballot}/c${h.info().committedDecree}/a${h.info().appliedDecree}`).join(' ')}\n` +
          this.logLines.slice(-30).join('\n'));
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * A read as a client does it: a new primary refuses reads until its re-prepared tail is applied
   * (ERR_INVALID_STATE), so retry retriable refusals a bounded number of times.
   */
  async read<R extends ReadRequest>(node: NodeId, request: R): Promise<ReadResponseOf<R['kind']>> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.host(node).read(request);
      } catch (error) {
        if (!(error instanceof ReplicaRefusal) || !error.retriable || attempt >= 500) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  }

  /** The configuration meta holds now. */
  metaConfig(): PartitionConfiguration {
    return this.meta?.configurations()[0] ?? this.config;
  }

  healthy(primary: NodeId, secondaries: readonly NodeId[]): boolean {
    const config = this.metaConfig();
    return config.primary === primary && secondaries.every((s) => config.secondaries.includes(s)) &&
      config.secondaries.length === secondaries.length &&
      this.hosts.get(primary)?.info().role === 'primary' &&
      secondaries.every((s) => this.hosts.get(s)?.info().role === 'secondary');
  }

  /** Meta assigns `primary`, then adds each secondary (it learns and is upgraded). */
  async formGroup(primary: NodeId, secondaries: readonly NodeId[]): Promise<void> {
    this.propose(primary, 'assign_primary', primary);
    await this.until(`${primary} primary`, () => this.config.primary === primary && this.hosts.get(primary)?.info().role === 'primary');
    const added: NodeId[] = [];
    for (const node of secondaries) {
      added.push(node);
      await this.addSecondary(primary, node, [...added]);
    }
  }

  async addSecondary(primary: NodeId, node: NodeId, expected: readonly NodeId[]): Promise<void> {
    this.propose(primary, 'add_secondary', node);
    await this.until(`${node} secondary`, () => this.healthy(primary, expected));
  }
}
