// The replica server process: one RpcServer port (THFT and HTTP) serving the client RPCs and the
// cluster RPCs, the replicas it hosts (ReplicaRegistry), and the link to the meta servers
// (MetaLink). It ticks every replica every REPLICA_TICK_MS, checks the lease every
// checkIntervalMs, and reports every replica to the meta server every configSyncIntervalMs.
//
//   const server = await ReplicaServer.start({ config, clock: systemClock, cluster });
//   server.address;  // "127.0.0.1:34801"
//   await server.close();
import { assert } from '../../../common/assert.ts';
import type { Clock } from '../../../common/clock.ts';
import { REPLICA_SERVER_OPENS_AT_ONCE_MAX, REPLICA_SERVER_REPORTS_PER_MESSAGE_MAX, REPLICA_TICK_MS } from '../../../common/limits.ts';
import { gpidKey, type ReplicaReport } from '../../meta/core/types.ts';
import type { ClusterInbound, ClusterOutbound } from '../../rpc/cluster-messages.ts';
import type { ClusterTransportCounters } from '../../rpc/node/cluster-link.ts';
import { HandlerTable } from '../../rpc/node/handler-table.ts';
import { RpcServer } from '../../rpc/node/rpc-server.ts';
import type { Gpid, NodeId } from '../../replication/configuration.ts';
import { ClientRequests } from './client-requests.ts';
import { dispatchFromMeta } from './from-meta.ts';
import { MetaLink } from './meta-link.ts';
import type { ReplicaServerConfig } from './replica-config.ts';
import { ReplicaMetrics } from './replica-metrics.ts';
import { ReplicaRegistry } from './replica-registry.ts';
import { readInitInfo, ReplicaHost, type HostedReplicaInfo, type ReplicaHostTuning } from '../host/index.ts';
import type { ReplicaCoreOptions } from '../../replication/api.ts';
import { addStatusRoutes } from './status-routes.ts';
import { PartitionBackups } from './partition-backups.ts';

export interface ClusterWiring {
  /** The transport to other servers, created once this server knows its own address. */
  createOutbound(self: NodeId): ClusterOutbound & { readonly counters?: ClusterTransportCounters };
  /** Registers the cluster RPCs on the server's handler table. */
  serve(table: HandlerTable, inbound: ClusterInbound): void;
}

export interface ReplicaServerOptions {
  readonly config: ReplicaServerConfig;
  readonly clock: Clock;
  readonly cluster: ClusterWiring;
  readonly log?: (line: string) => void;
  /** For tests: shorter replication timeouts, smaller log segments. */
  readonly coreOptions?: Partial<ReplicaCoreOptions>;
  readonly hostTuning?: Partial<ReplicaHostTuning>;
}

export class ReplicaServer {
  private readonly timers: NodeJS.Timeout[] = [];
  private closing: Promise<void> | undefined;
  private readonly backups: PartitionBackups;

  private constructor(
    private readonly options: ReplicaServerOptions,
    private readonly rpc: RpcServer,
    readonly address: NodeId,
    private readonly outbound: ClusterOutbound,
    readonly replicas: ReplicaRegistry,
    readonly link: MetaLink,
    readonly metrics: ReplicaMetrics,
    private readonly clientRequests: ClientRequests,
    private readonly log: (line: string) => void,
  ) {
    this.backups = new PartitionBackups({
      hosted: (gpid) => replicas.get(gpid),
      nowMs: () => options.clock.nowMs(),
      log,
      ...(options.config.backupUploadBytesPerSecond === undefined ? {} : { uploadBytesPerSecond: options.config.backupUploadBytesPerSecond }),
      ...(options.config.backupPartBytes === undefined ? {} : { partBytes: options.config.backupPartBytes }),
    });
  }

  static async start(options: ReplicaServerOptions): Promise<ReplicaServer> {
    const { config, clock } = options;
    const log = options.log ?? ((line: string) => console.error(line));
    const handlers = new HandlerTable();
    // The server is built from the meta link, whose lease events call back into the server:
    // they reach it through this reference, set before any timer can fire.
    const late: { server?: ReplicaServer } = {};
    const live = (): ReplicaServer => {
      assert(late.server !== undefined, 'a lease event before the replica server was started');
      return late.server;
    };
    const rpc = new RpcServer({ handlers, host: config.host, port: config.port, log: (message, error) => log(`${message} ${String(error ?? '')}`) });
    const address = await rpc.listen();
    const self = `${config.host}:${address.port}`;
    const outbound = options.cluster.createOutbound(self);
    const link = new MetaLink({
      self,
      metaServers: config.metaServers,
      failureDetector: config.failureDetector,
      events: {
        send: (to, message) => outbound.sendToMeta(to, message),
        leaseExpired: () => live().onLeaseExpired(),
        leaseRenewed: () => live().onLeaseRenewed(),
        metaChanged: (to, why) => log(`meta server now ${to}: ${why}`),
      },
    });
    const replicas: ReplicaRegistry = new ReplicaRegistry({
      dataDirectory: config.dataDirectory,
      log,
      openReplica: ({ directory, gpid, app }) => ReplicaHost.open({
        directory,
        gpid,
        app,
        self,
        fsync: config.fsync,
        clock,
        log,
        outbox: {
          sendPeer: (to, message) => outbound.sendPeer(to, { from: self, app: replicas.get(gpid)?.app ?? app, message }),
          requestConfigChange: (request) => link.send({ kind: 'config_update', from: self, request }),
          fetchCheckpointChunk: (from, request, timeoutMs) => outbound.fetchCheckpointChunk(from, request, timeoutMs),
        },
        ...(options.coreOptions === undefined ? {} : { coreOptions: options.coreOptions }),
        ...(options.hostTuning === undefined ? {} : { tuning: options.hostTuning }),
      }),
    });
    const metrics: ReplicaMetrics = new ReplicaMetrics({
      replicas: () => replicas.entries().map((entry) => entry.replica.info()),
      requestsInFlight: (): number => clientRequests.requestsInFlight,
      leaseValid: () => link.isLeaseValid(clock.monotonicMs()),
      transport: () => outbound.counters,
    });
    const clientRequests: ClientRequests = new ClientRequests({
      server: self,
      clock,
      metrics,
      hosted: (gpid) => replicas.get(gpid),
      leaseValid: () => link.isLeaseValid(clock.monotonicMs()),
    });
    const server = new ReplicaServer(options, rpc, self, outbound, replicas, link, metrics, clientRequests, log);
    late.server = server;
    clientRequests.register(handlers);
    options.cluster.serve(handlers, server.inbound());
    addStatusRoutes(rpc.routes, server);
    try {
      await server.openFromDisk();
    } catch (error) {
      await server.close();
      throw error;
    }
    server.startTimers();
    return server;
  }

  get port(): number {
    return this.rpc.address.port;
  }

  get requestsInFlight(): number {
    return this.clientRequests.requestsInFlight;
  }

  /** The meta server this server talks to: the leader as far as it knows. */
  metaServer(): NodeId {
    return this.link.metaServer;
  }

  replicaStatuses(): HostedReplicaInfo[] {
    return this.replicas.entries().map((entry) => entry.replica.info());
  }

  /** Whether the lease allows serving now. */
  leaseValid(): boolean {
    return this.link.isLeaseValid(this.options.clock.monotonicMs());
  }

  /** Stops serving: timers, then the port, then every replica (files stay), then the transport. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const timer of this.timers) clearInterval(timer);
      this.backups.abortAll();
      await this.rpc.close();
      await this.replicas.closeAll();
      await this.outbound.close();
    })();
    return this.closing;
  }

  /** Reports of the replicas hosted and dormant here (config sync). */
  reports(): ReplicaReport[] {
    const hosted = this.replicas.entries().map((entry) => reportOf(entry.replica));
    return [...hosted, ...this.replicas.dormantReports()].slice(0, REPLICA_SERVER_REPORTS_PER_MESSAGE_MAX);
  }

  /** Sends a config sync now (also done periodically and after the lease is renewed). */
  syncConfig(): void {
    this.link.send({ kind: 'replica_reports', from: this.address, replicas: this.reports(), absent: [], configSync: true });
  }

  private inbound(): ClusterInbound {
    return {
      onPeer: (envelope) => {
        const { message } = envelope;
        // A learner invitation may name a partition this server does not host yet.
        const invited = message.kind === 'group_check' && message.learnerSignature !== 0 ? envelope.app : undefined;
        this.replicas.with(message.gpid, (entry) => entry.replica.step({ kind: 'peer', from: envelope.from, message }), invited);
      },
      onFromMeta: (envelope) => {
        if (this.closing !== undefined) return;
        dispatchFromMeta({
          self: this.address,
          link: this.link,
          replicas: this.replicas,
          nowMs: () => this.options.clock.monotonicMs(),
          reportsOf: (gpids) => this.reportsOf(gpids),
          log: this.log,
        }, envelope);
      },
      onCheckpointChunk: (request) => {
        const entry = this.replicas.get(request.gpid);
        if (entry === undefined) {
          return Promise.resolve({ error: 'ERR_OBJECT_NOT_FOUND', decree: request.decree, totalBytes: 0n, offset: request.offset, bytes: new Uint8Array(0) });
        }
        return entry.replica.serveCheckpointChunk(request);
      },
      onBackupPartition: (request) => this.backups.handle(request),
    };
  }

  private reportsOf(gpids: readonly Gpid[]): { replicas: ReplicaReport[]; absent: Gpid[] } {
    const wanted = new Set(gpids.map(gpidKey));
    const replicas = this.reports().filter((report) => wanted.has(gpidKey(report.gpid)));
    const held = new Set(replicas.map((report) => gpidKey(report.gpid)));
    return { replicas, absent: gpids.filter((gpid) => !held.has(gpidKey(gpid))) };
  }

  /** Reopens every replica directory, a few at a time (each recovers its log and RocksDB). */
  private async openFromDisk(): Promise<void> {
    const gpids = await this.replicas.listOnDisk();
    const worker = async (): Promise<void> => {
      for (let gpid = gpids.shift(); gpid !== undefined; gpid = gpids.shift()) await this.reopen(gpid);
    };
    await Promise.all(Array.from({ length: REPLICA_SERVER_OPENS_AT_ONCE_MAX }, worker));
  }

  private async reopen(gpid: Gpid): Promise<void> {
    const directory = this.replicas.directoryOf(gpid);
    // The replica's own init-info names its table; a directory without one never got that far.
    const app = (await readInitInfo(directory).catch((error: unknown) => {
      this.log(`${gpidKey(gpid)}: ${(error as Error).message}`);
      return undefined;
    }))?.app;
    if (app === undefined) {
      this.log(`${gpidKey(gpid)}: no table information in ${directory}: left alone`);
      return;
    }
    const entry = await this.replicas.openFromDisk(gpid, app);
    if (entry !== undefined) this.log(`${gpidKey(gpid)}: reopened (${app.name}), ${entry.replica.info().role}`);
  }

  private startTimers(): void {
    const { clock, config } = this.options;
    this.timers.push(setInterval(() => {
      for (const entry of this.replicas.entries()) entry.replica.step({ kind: 'tick' });
      this.backups.checkRoles();
    }, REPLICA_TICK_MS));
    this.timers.push(setInterval(() => this.link.check(clock.monotonicMs()), config.failureDetector.checkIntervalMs));
    this.timers.push(setInterval(() => this.syncConfig(), config.configSyncIntervalMs));
    this.link.check(clock.monotonicMs());
  }

  private onLeaseExpired(): void {
    this.log('lease expired: every replica stops serving');
    for (const entry of this.replicas.entries()) entry.replica.step({ kind: 'lease_expired' });
  }

  private onLeaseRenewed(): void {
    this.log('lease renewed: config sync before serving');
    this.syncConfig();
  }
}

function reportOf(replica: ReplicaHost): ReplicaReport {
  const info = replica.info();
  return { gpid: replica.gpid, ballot: info.ballot, lastCommittedDecree: info.committedDecree, lastPreparedDecree: info.preparedDecree };
}
