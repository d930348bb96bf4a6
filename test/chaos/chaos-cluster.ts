// Real-process clusters for the chaos tests: a onebox (meta and replica servers as child processes,
// infra/onebox/supervisor.ts) on free ports in a temporary directory, the meta and replica servers'
// HTTP status pages, and concurrent writers that record which writes were acknowledged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ExecutionContext } from 'ava';
import { cleanOnebox } from '../../infra/onebox/control.ts';
import { ONEBOX_DEFAULTS, type OneboxOptions } from '../../infra/onebox/options.ts';
import { Onebox } from '../../infra/onebox/supervisor.ts';
import { metaApi, type TableConfig } from '../../infra/shell/meta-api.ts';
import { MetaHttp } from '../../infra/shell/meta-http.ts';
import { partitionOf, type Table } from '../../client/node/index.ts';
import { freeOneboxBasePort } from '../support/pegasus-cli.ts';
import { uniqueName } from '../support/services.ts';

export interface ChaosOnebox {
  readonly options: OneboxOptions;
  /** The running supervisor; replaced by restartAll(). */
  onebox: Onebox;
  readonly metas: readonly string[];
  readonly http: MetaHttp;
  /** What the supervisor reported (starts, stops, unexpected exits). */
  readonly log: string[];
  /** SIGKILLs every server, then starts a new supervisor on the same directory and ports. */
  restartAll(): Promise<void>;
}

/**
 * Starts a onebox (1 meta or `metas` on ZooKeeper, 3 replica servers, table temp 8x3 healthy) on
 * free ports in a fresh directory; the teardown stops it and removes the directory (and the
 * ZooKeeper root).
 */
export async function startChaosOnebox(
  t: ExecutionContext, settings: { readonly metas?: number; readonly zk?: boolean; readonly redis?: string } = {},
): Promise<ChaosOnebox> {
  const metaCount = settings.metas ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'chaos-onebox-'));
  const options: OneboxOptions = { ...ONEBOX_DEFAULTS, metas: metaCount, zk: settings.zk ?? false, basePort: await freeOneboxBasePort(metaCount), dir, fsync: 'always',
    ...(settings.redis === undefined ? {} : { redis: settings.redis, redisPrefix: uniqueName('pegasus-test') }) };
  const log: string[] = [];
  const supervisor = () => new Onebox(options, true, { log: (line) => log.push(line) });
  const cluster: ChaosOnebox = {
    options,
    onebox: supervisor(),
    metas: Array.from({ length: metaCount }, (_, i) => `127.0.0.1:${options.basePort + i}`),
    http: new MetaHttp(Array.from({ length: metaCount }, (_, i) => `127.0.0.1:${options.basePort + i}`)),
    log,
    async restartAll() {
      await cluster.onebox.killAll();
      cluster.onebox = supervisor();
      await cluster.onebox.start();
    },
  };
  t.teardown(async () => {
    await cluster.onebox.stop();
    // CHAOS_KEEP=1 keeps the directory (every server's log) for reading after a failure.
    if (process.env['CHAOS_KEEP'] !== undefined) {
      t.log(`kept ${dir}`);
      return;
    }
    try {
      await cleanOnebox(dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  await cluster.onebox.start();
  return cluster;
}

export function replicaAddresses(cluster: ChaosOnebox): string[] {
  return cluster.onebox.plan.replicas.map((replica) => replica.address);
}

export function serverNamed(cluster: ChaosOnebox, address: string): string {
  const found = [...cluster.onebox.plan.metas, ...cluster.onebox.plan.replicas].find((server) => server.address === address);
  if (found === undefined) throw new Error(`no server at ${address}`);
  return found.name;
}

/** Polls `probe` until it returns something other than undefined; errors count as "not yet". */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}${last === '' ? '' : ` (last error: ${last})`}`);
    await sleep(intervalMs);
  }
}

export function tableConfig(cluster: ChaosOnebox, name: string): Promise<TableConfig> {
  return metaApi.tableConfig(cluster.http, name);
}

/** Resolves with the configuration once every partition of `name` has its full replica group. */
export function healthyConfig(cluster: ChaosOnebox, name: string, timeoutMs: number): Promise<TableConfig> {
  return until(`every partition of ${name} is healthy`, async () => {
    const config = await tableConfig(cluster, name);
    return config.partitions.length > 0 && config.partitions.every((partition) => partition.healthy) ? config : undefined;
  }, timeoutMs);
}

export interface ReplicaStatus {
  readonly gpid: string;
  readonly app: string;
  readonly role: string;
  readonly ballot: number;
  readonly committedDecree: number;
  readonly appliedDecree: number;
  readonly learning: boolean;
}

/** GET /v1/replicas of one replica server. */
export async function replicasOf(address: string): Promise<{ readonly leaseValid: boolean; readonly replicas: readonly ReplicaStatus[] }> {
  const response = await fetch(`http://${address}/v1/replicas`, { signal: AbortSignal.timeout(5000) });
  if (!response.ok) throw new Error(`GET ${address}/v1/replicas: ${response.status}`);
  return (await response.json()) as { leaseValid: boolean; replicas: ReplicaStatus[] };
}

/** Sum of `pegasus_replica_requests_total` per op for `table` and result ERR_OK over the replica servers. */
export async function okRequestsByOp(addresses: readonly string[], table: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const address of addresses) {
    const text = await (await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    for (const line of text.split('\n')) {
      if (!line.startsWith('pegasus_replica_requests_total{')) continue;
      const labels = /\{(.*)\}\s+(\S+)$/.exec(line);
      if (labels === null) continue;
      const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels[1] ?? '')?.[1];
      if (label('table') !== table || label('result') !== 'ERR_OK') continue;
      const op = label('op') ?? '';
      counts.set(op, (counts.get(op) ?? 0) + Number(labels[2]));
    }
  }
  return counts;
}

export interface Acknowledged {
  readonly hashKey: string;
  readonly value: string;
  readonly partition: number;
  /** performance.now() when the write was acknowledged. */
  readonly ackedMs: number;
}

/**
 * Concurrent writers, each setting its own unique keys (`<prefix>-<writer>-<n>`, sort key `s`) one
 * after another, and recording every write the cluster acknowledged. A write that fails (its
 * budget ran out during a failover, say) is counted and may or may not have been applied.
 */
export class Writers {
  readonly acknowledged: Acknowledged[] = [];
  failed = 0;
  lastError = '';
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(
    private readonly table: Table,
    private readonly count: number,
    private readonly prefix: string,
    private readonly partitionCount: number,
    private readonly timeoutMs = 5000,
  ) {}

  start(): void {
    this.#running = true;
    this.#loops = Array.from({ length: this.count }, (_, writer) => this.#loop(writer));
  }

  /** Stops the writers and waits for their writes in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }

  /** Acknowledged writes to `partitions` whose acknowledgement came after `afterMs`. */
  ackedAfter(afterMs: number, partitions?: ReadonlySet<number>): Acknowledged[] {
    return this.acknowledged.filter((ack) => ack.ackedMs > afterMs && (partitions === undefined || partitions.has(ack.partition)));
  }

  async #loop(writer: number): Promise<void> {
    for (let n = 0; this.#running; n++) {
      const hashKey = `${this.prefix}-${writer}-${n}`;
      const value = `value of ${hashKey} ${Math.random().toString(36).slice(2)}`;
      try {
        await this.table.set(hashKey, 's', value, { timeoutMs: this.timeoutMs });
        this.acknowledged.push({ hashKey, value, partition: partitionOf(hashKey, this.partitionCount), ackedMs: performance.now() });
      } catch (error) {
        this.failed++;
        this.lastError = error instanceof Error ? error.message : String(error);
        // A refusal that comes back at once must not spin the loop.
        await sleep(50);
      }
    }
  }
}

/** Reads every acknowledged write back (`parallel` at a time); resolves with the ones missing or wrong. */
export async function missingWrites(table: Table, acknowledged: readonly Acknowledged[], parallel = 32): Promise<string[]> {
  const wrong: string[] = [];
  const decoder = new TextDecoder();
  for (let start = 0; start < acknowledged.length; start += parallel) {
    await Promise.all(acknowledged.slice(start, start + parallel).map(async (ack) => {
      const value = await table.get(ack.hashKey, 's', { timeoutMs: 20_000 });
      const got = value === null ? null : decoder.decode(value);
      if (got !== ack.value) wrong.push(`${ack.hashKey}: expected ${JSON.stringify(ack.value)}, read ${JSON.stringify(got)}`);
    }));
  }
  return wrong;
}

/** Seconds with one decimal, for logs and the documented measurements. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
