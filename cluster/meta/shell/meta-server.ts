// The meta server process: one port (THFT and HTTP), its store and election, and a MetaTerm while
// it leads. Every meta server answers: the leader from its core; the others redirect (replica
// messages get ForwardToLeader, client RPCs ERR_FORWARD_TO_OTHERS naming the leader, HTTP 307).
// Leadership lost, or the ZooKeeper session gone, ends the term at once; a session that expired
// is replaced by a new one (store and election reopened), and the next term starts from the store.
//
//   const server = await MetaServer.start({ host, port, store, core, clock, createOutbound, ... });
//   await server.close();
import type { AddressInfo } from 'node:net';
import { META_LEADER_REFRESH_MS, META_REOPEN_RETRY_MS } from '../../../common/limits.ts';
import type { Clock } from '../../../common/clock.ts';
import type { ClusterInbound, ClusterOutbound, ReplicaToMetaMessage } from '../../rpc/cluster-messages.ts';
import { HandlerTable, RpcServer, type RpcLog } from '../../rpc/node/index.ts';
import { serveCluster } from '../../rpc/node/serve-cluster.ts';
import type { MetaOptions } from '../core/options.ts';
import type { NodeId } from '../core/types.ts';
import type { LeadershipChange } from '../store/meta-store.ts';
import type { ZooKeeperSession } from '../store/zookeeper-session.ts';
import { openMetaStorage, type MetaStorage, type MetaStoreConfig } from '../store/open.ts';
import { addClientRpcs } from './client-rpcs.ts';
import { addHttpRoutes } from './http-api.ts';
import { addBackupRoutes } from './backup-routes.ts';
import { MetaBackup } from './meta-backup.ts';
import type { BackupPartitionRequest, BackupPartitionResponse } from '../../rpc/cluster-messages.ts';
import { MetaTerm } from './meta-term.ts';
import { MetaMetrics } from './metrics.ts';

export interface MetaServerOptions {
  /** IPv4 address to listen on and to be known by (Pegasus rpc_address is IPv4). */
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Every meta server's address, this one included once known; for status pages and clients. */
  readonly metas: readonly string[];
  readonly cluster: string;
  readonly store: MetaStoreConfig;
  readonly core: MetaOptions;
  /** Reserve time of a drop that names none (Pegasus hold_seconds_for_dropped_app, 7 days). */
  readonly dropReserveMsDefault: number;
  readonly clock: Clock;
  /** The transport to replica servers, created once this server's address is known. */
  readonly createOutbound: (self: NodeId) => ClusterOutbound;
  readonly log: (line: string) => void;
  /** Backup: Redis for its jobs (none: backup requests answer ERR_SERVICE_NOT_ACTIVE) and the partition backup call. */
  readonly backup?: {
    readonly redis: { readonly host: string; readonly port: number } | undefined;
    /** Key prefix of the backup queues in Redis. */
    readonly prefix: string;
    readonly call: (to: NodeId, request: BackupPartitionRequest, timeoutMs: number) => Promise<BackupPartitionResponse>;
  };
}

/** What the RPC and HTTP handlers see of the server. */
export interface MetaServerView {
  readonly self: NodeId;
  readonly options: MetaServerOptions;
  readonly metrics: MetaMetrics;
  /** The term if this server leads and has recovered its state. */
  readyTerm(): MetaTerm | undefined;
  /** Whether this server leads but is still reading its state. */
  recovering(): boolean;
  /** The leader this server knows of ('' when none); itself when it leads. */
  leaderHint(): string;
}

export class MetaServer implements MetaServerView {
  readonly handlers = new HandlerTable();
  readonly rpc: RpcServer;
  readonly metrics: MetaMetrics;
  readonly inbound: ClusterInbound;
  readonly backup: MetaBackup;
  private storage: MetaStorage | undefined;
  private outbound: ClusterOutbound | undefined;
  private term: MetaTerm | undefined;
  private leader = '';
  private closing = false;
  private reopening: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private refresher: NodeJS.Timeout | undefined;
  private selfAddress = '';

  private constructor(readonly options: MetaServerOptions) {
    const log: RpcLog = (message, error) => options.log(`${message}${error === undefined ? '' : `: ${String(error)}`}`);
    this.rpc = new RpcServer({ handlers: this.handlers, host: options.host, port: options.port, log });
    this.metrics = new MetaMetrics({ core: () => this.readyTerm()?.ready, minReplicasFor2pc: options.core.minReplicasFor2pc });
    this.inbound = { onReplicaMessage: (message) => this.onReplicaMessage(message) };
    addClientRpcs(this.handlers, this);
    serveCluster(this.handlers, this.inbound);
    addHttpRoutes(this.rpc.routes, this);
    this.backup = new MetaBackup({
      redis: options.backup?.redis,
      prefix: options.backup?.prefix ?? `pegasus-${options.cluster}`,
      clusterName: options.cluster,
      clock: options.clock,
      log: options.log,
      call: options.backup?.call ?? (() => Promise.reject(new Error('this meta server has no partition backup transport'))),
    });
    addBackupRoutes(this.rpc.routes, this, this.backup);
  }

  /** Listens, opens the store and joins the election; rejects (with everything closed) on failure. */
  static async start(options: MetaServerOptions): Promise<MetaServer> {
    const server = new MetaServer(options);
    let address: AddressInfo;
    try {
      address = await server.rpc.listen();
    } catch (error) {
      throw new Error(`cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`, { cause: error });
    }
    server.selfAddress = `${options.host}:${address.port}`;
    try {
      server.outbound = options.createOutbound(server.selfAddress);
      await server.openStorage();
    } catch (error) {
      await server.close();
      throw error;
    }
    server.refresher = setInterval(() => server.refreshLeader(), META_LEADER_REFRESH_MS);
    return server;
  }

  get self(): NodeId {
    return this.selfAddress;
  }

  readyTerm(): MetaTerm | undefined {
    return this.term?.ready === undefined ? undefined : this.term;
  }

  recovering(): boolean {
    return this.term !== undefined && this.term.ready === undefined;
  }

  leaderHint(): string {
    return this.term !== undefined ? this.self : this.leader;
  }

  isLeader(): boolean {
    return this.readyTerm() !== undefined;
  }

  /** The ZooKeeper session the store and election run on (undefined on the file store). */
  get zookeeperSession(): ZooKeeperSession | undefined {
    return this.storage?.session;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.refresher);
    this.endTerm('closing');
    await this.backup.end();
    this.unsubscribe?.();
    await this.reopening;
    await this.rpc.close();
    await this.storage?.close().catch((error: unknown) => this.options.log(`closing the meta store failed: ${(error as Error).message}`));
    await this.outbound?.close();
  }

  private async openStorage(): Promise<void> {
    const storage = await openMetaStorage(this.options.store, this.self);
    if (this.closing) {
      await storage.close();
      return;
    }
    this.storage = storage;
    this.unsubscribe = storage.election.onLeadershipChange((change) => this.onLeadership(storage, change));
    await storage.election.start();
    this.refreshLeader();
  }

  private onLeadership(storage: MetaStorage, change: LeadershipChange): void {
    if (storage !== this.storage || this.closing) return;
    this.options.log(`leadership ${change.leader ? 'gained' : 'lost'}: ${change.reason}`);
    if (change.leader) this.beginTerm(storage);
    else this.endTerm(change.reason);
    if ((change.reason === 'session_expired' || change.reason === 'session_closed') && this.reopening === undefined) {
      this.reopening = this.reopen(storage).finally(() => {
        this.reopening = undefined;
      });
    }
    this.refreshLeader();
  }

  private beginTerm(storage: MetaStorage): void {
    if (this.term !== undefined) return;
    const outbound = this.outbound;
    if (outbound === undefined) return;
    const term: MetaTerm = new MetaTerm({
      self: this.self,
      store: storage.store,
      outbound,
      core: this.options.core,
      clock: this.options.clock,
      metrics: this.metrics,
      log: this.options.log,
      onFatal: (reason) => this.restartTerm(term, reason),
    });
    this.term = term;
    term.begin().then(
      (started) => {
        if (!started) return;
        this.options.log(`serving as leader at ${this.self}`);
        if (this.term === term) this.backup.begin(storage.store, () => term.ready);
      },
      (error: unknown) => this.restartTerm(term, `reading the meta store failed: ${(error as Error).message}`),
    );
  }

  private endTerm(reason: string): void {
    const term = this.term;
    if (term === undefined) return;
    this.term = undefined;
    term.stop();
    void this.backup.end();
    this.options.log(`stopped leading (${reason})`);
  }

  /** The term hit a store failure it cannot get past: drop it and, if still leading, start afresh. */
  private restartTerm(term: MetaTerm, reason: string): void {
    if (this.term !== term) return;
    this.endTerm(reason);
    const storage = this.storage;
    setTimeout(() => {
      if (!this.closing && storage !== undefined && storage === this.storage && storage.election.isLeader()) this.beginTerm(storage);
    }, META_REOPEN_RETRY_MS).unref();
  }

  /** A ZooKeeper session ended: open a new one (store and election), retrying until closed. */
  private async reopen(old: MetaStorage): Promise<void> {
    this.unsubscribe?.();
    this.storage = undefined;
    await old.close().catch(() => undefined);
    while (!this.closing) {
      try {
        await this.openStorage();
        this.options.log('meta store reopened after the session ended');
        break;
      } catch (error) {
        this.options.log(`reopening the meta store failed: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, META_REOPEN_RETRY_MS));
      }
    }
  }

  private refreshLeader(): void {
    const storage = this.storage;
    if (storage === undefined || this.term !== undefined) return;
    storage.election.leaderAddress().then(
      (address) => {
        if (storage === this.storage) this.leader = address ?? '';
      },
      () => {
        if (storage === this.storage) this.leader = '';
      },
    );
  }

  private onReplicaMessage(message: ReplicaToMetaMessage): void {
    if (this.closing) return;
    if (!IPV4_ADDRESS.test(message.from)) {
      this.options.log(`ignored a ${message.kind} from ${JSON.stringify(message.from.slice(0, 64))}: not an IPv4 host:port`);
      return;
    }
    const term = this.readyTerm();
    if (term !== undefined) {
      term.receive(message);
      return;
    }
    this.outbound?.sendToReplica(message.from, {
      from: this.self,
      apps: [],
      message: { kind: 'forward', to: message.from, leader: this.leaderHint() },
    });
  }
}

const IPV4_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/;
