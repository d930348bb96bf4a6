// The meta server's Prometheus metrics, one registry per server. Gauges are read from the core when
// scraped (a non-leader reports leader 0 and nothing else); counters and the write latency are fed
// by the term as things happen.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetaCore } from '../core/meta-core.ts';
import { META_LEVEL_VALUE, type PartitionConfiguration } from '../core/types.ts';

/**
 * Pegasus's health classes (meta_data.h): dead, unreadable, unwritable, writable_ill, healthy. The
 * write minimum never exceeds the table's replica count (a one-replica table writes alone).
 */
export type PartitionHealth = 'dead' | 'unreadable' | 'unwritable' | 'writable_ill' | 'healthy';

export function partitionHealth(config: PartitionConfiguration, minReplicasFor2pc: number): PartitionHealth {
  const replicas = (config.primary === '' ? 0 : 1) + config.secondaries.length;
  if (replicas === 0) return 'dead';
  if (config.primary === '') return 'unreadable';
  if (replicas < Math.min(minReplicasFor2pc, config.maxReplicaCount)) return 'unwritable';
  if (replicas < config.maxReplicaCount) return 'writable_ill';
  return 'healthy';
}

const HEALTH_CLASSES: readonly PartitionHealth[] = ['dead', 'unreadable', 'unwritable', 'writable_ill', 'healthy'];
const TABLE_STATUSES = ['creating', 'available', 'dropping', 'dropped'] as const;

export class MetaMetrics {
  readonly registry = new Registry();
  private readonly configChanges: Counter;
  private readonly persistSeconds: Histogram;

  constructor(source: { readonly core: () => MetaCore | undefined; readonly minReplicasFor2pc: number }) {
    const registers = [this.registry];
    new Gauge({
      name: 'pegasus_meta_leader',
      help: '1 while this meta server leads and has recovered its state, else 0',
      registers,
      collect() {
        this.set(source.core() === undefined ? 0 : 1);
      },
    });
    new Gauge({
      name: 'pegasus_meta_level',
      help: 'Meta function level in effect (100 stopped .. 500 lively); 0 when not leading',
      registers,
      collect() {
        const core = source.core();
        this.set(core === undefined ? 0 : META_LEVEL_VALUE[core.levelInEffect()]);
      },
    });
    new Gauge({
      name: 'pegasus_meta_tables',
      help: 'Tables by status',
      labelNames: ['status'],
      registers,
      collect() {
        this.reset();
        const tables = source.core()?.tables() ?? [];
        for (const status of TABLE_STATUSES) this.set({ status }, tables.filter((table) => table.status === status).length);
      },
    });
    new Gauge({
      name: 'pegasus_meta_partitions',
      help: 'Partitions of available tables by health class',
      labelNames: ['health'],
      registers,
      collect() {
        this.reset();
        const core = source.core();
        if (core === undefined) return;
        const counts = new Map<PartitionHealth, number>(HEALTH_CLASSES.map((health) => [health, 0]));
        for (const table of core.tables()) {
          if (table.status !== 'available') continue;
          for (const config of core.partitionsOf(table)) {
            const health = partitionHealth(config, source.minReplicasFor2pc);
            counts.set(health, (counts.get(health) ?? 0) + 1);
          }
        }
        for (const [health, count] of counts) this.set({ health }, count);
      },
    });
    new Gauge({
      name: 'pegasus_meta_replica_servers',
      help: 'Replica servers known to the meta server, by state',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const nodes = source.core()?.nodes() ?? [];
        this.set({ state: 'alive' }, nodes.filter((node) => node.alive).length);
        this.set({ state: 'dead' }, nodes.filter((node) => !node.alive).length);
      },
    });
    this.configChanges = new Counter({
      name: 'pegasus_meta_config_changes_total',
      help: 'Partition configuration changes written to the meta store',
      registers,
    });
    this.persistSeconds = new Histogram({
      name: 'pegasus_meta_persist_seconds',
      help: 'Time for one meta store write to become durable',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
  }

  /** One store write landed after `seconds`. */
  persisted(key: string, seconds: number): void {
    this.persistSeconds.observe(seconds);
    if (key.split('/').length === 3) this.configChanges.inc();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
