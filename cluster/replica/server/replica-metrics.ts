// The replica server's Prometheus metrics, on a registry of its own (several servers may share a
// process in tests). Request counts and latencies are recorded as requests finish; the replica
// gauges are computed from the hosted replicas when /metrics is scraped.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ReplicaRole } from '../../replication/types.ts';
import type { HostedReplicaInfo } from '../host/replica-host.ts';
import type { ClusterTransportCounters } from '../../rpc/node/cluster-link.ts';

const ROLES: readonly ReplicaRole[] = ['primary', 'secondary', 'potential_secondary', 'inactive', 'error'];

export interface ReplicaMetricsSource {
  replicas(): readonly HostedReplicaInfo[];
  requestsInFlight(): number;
  leaseValid(): boolean;
  /** The cluster transport's counts, when the transport keeps them. */
  transport(): ClusterTransportCounters | undefined;
}

export class ReplicaMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'table' | 'op' | 'result'>;
  private readonly latency: Histogram<'table' | 'op'>;

  constructor(source: ReplicaMetricsSource) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'pegasus_replica_requests_total',
      help: 'Client requests answered, by table, operation and result (ERR_OK, an rDSN error name, or storage_error)',
      labelNames: ['table', 'op', 'result'],
      registers,
    });
    this.latency = new Histogram({
      name: 'pegasus_replica_request_duration_seconds',
      help: 'Time from receiving a client request to answering it, by table and operation',
      labelNames: ['table', 'op'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
      registers,
    });
    new Gauge({
      name: 'pegasus_replica_replicas',
      help: 'Replicas hosted, by role',
      labelNames: ['role'],
      registers,
      collect() {
        const counts = new Map<ReplicaRole, number>(ROLES.map((role) => [role, 0]));
        for (const replica of source.replicas()) counts.set(replica.role, (counts.get(replica.role) ?? 0) + 1);
        for (const [role, count] of counts) this.set({ role }, count);
      },
    });
    new Gauge({
      name: 'pegasus_replica_prepare_list_depth',
      help: 'Mutations in the prepare list, by table and partition',
      labelNames: ['table', 'gpid'],
      registers,
      collect() {
        this.reset();
        for (const replica of source.replicas()) this.set(labelsOf(replica), replica.prepareListDepth);
      },
    });
    new Gauge({
      name: 'pegasus_replica_log_bytes',
      help: 'Bytes of private log on disk, by table and partition',
      labelNames: ['table', 'gpid'],
      registers,
      collect() {
        this.reset();
        for (const replica of source.replicas()) this.set(labelsOf(replica), Number(replica.logBytes));
      },
    });
    new Gauge({
      name: 'pegasus_replica_learning',
      help: '1 while the replica is learning from its primary, by table and partition',
      labelNames: ['table', 'gpid'],
      registers,
      collect() {
        this.reset();
        for (const replica of source.replicas()) this.set(labelsOf(replica), replica.learning ? 1 : 0);
      },
    });
    new Gauge({
      name: 'pegasus_replica_requests_in_flight',
      help: 'Client requests being handled',
      registers,
      collect() {
        this.set(source.requestsInFlight());
      },
    });
    new Counter({
      name: 'pegasus_replica_cluster_messages_total',
      help: 'One-way messages to other servers, by outcome: sent, or dropped (queue full, slow or unreachable peer)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const counters = source.transport();
        if (counters === undefined) return;
        this.reset();
        this.inc({ outcome: 'sent' }, counters.sent);
        this.inc({ outcome: 'dropped' }, counters.dropped);
      },
    });
    new Counter({
      name: 'pegasus_replica_cluster_connect_failures_total',
      help: 'Failed connection attempts to other servers',
      registers,
      collect() {
        const counters = source.transport();
        if (counters === undefined) return;
        this.reset();
        this.inc(counters.connectFailures);
      },
    });
    new Gauge({
      name: 'pegasus_replica_lease_valid',
      help: '1 while the lease with the meta server is valid (the server may serve)',
      registers,
      collect() {
        this.set(source.leaseValid() ? 1 : 0);
      },
    });
  }

  /** A request finished; `table` is the table name, or "unknown" for a partition not hosted here (label values stay bounded). */
  observe(request: { readonly table: string; readonly op: string; readonly result: string; readonly seconds: number }): void {
    this.requests.inc({ table: request.table, op: request.op, result: request.result });
    this.latency.observe({ table: request.table, op: request.op }, request.seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function labelsOf(replica: HostedReplicaInfo): { table: string; gpid: string } {
  return { table: replica.app.name, gpid: `${replica.gpid.appId}.${replica.gpid.partitionIndex}` };
}
