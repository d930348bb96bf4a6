// Replica host benchmark: three ReplicaHosts in one process (real RocksDB, real private logs in a
// temp directory, peer messages delivered on the next macrotask), one primary and two
// secondaries; 100-byte puts by 1, 16 and 64 concurrent writers under fsync `always` and `never`.
// A write counts when the primary answers it (committed on all three, applied on the primary).
// Prints writes/s, mutations/s (the core batches queued puts), writes per mutation and write
// latency; all three replicas share this process's one thread, so this is a floor for one
// partition, not a server's throughput.
//
//   npx tsx bench/replica-host.ts                 full run
//   npx tsx bench/replica-host.ts --quick         short run
//   npx tsx bench/replica-host.ts --out bench/results/replica-host.md

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../common/clock.ts';
import { ReplicaHost } from '../cluster/replica/host/index.ts';
import type { ConfigChangeRequest, NodeId, PartitionConfiguration, PeerMessage } from '../cluster/replication/index.ts';
import { emptyConfiguration } from '../cluster/replication/index.ts';
import { encodeKey } from '../cluster/storage/key-schema.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
const caseMs = args.quick ? 1000 : 4000;
const NODES = ['n1:1', 'n2:1', 'n3:1'] as const;
const GPID = { appId: 1, partitionIndex: 0 };
const VALUE = new Uint8Array(100).fill(120);

/** Three hosts, a meta that accepts every change at ballot + 1, and tick timers. */
class Group {
  readonly hosts = new Map<NodeId, ReplicaHost>();
  config: PartitionConfiguration = emptyConfiguration(GPID, 3);
  private readonly ticker: ReturnType<typeof setInterval>;

  private constructor(readonly root: string) {
    this.ticker = setInterval(() => {
      for (const host of this.hosts.values()) host.step({ kind: 'tick' });
    }, 100);
  }

  static async start(fsync: 'always' | 'never'): Promise<Group> {
    const group = new Group(await mkdtemp(join(tmpdir(), 'bench-replica-host-')));
    for (const node of NODES) {
      group.hosts.set(node, await ReplicaHost.open({
        directory: join(group.root, node.replace(':', '_')), gpid: GPID,
        app: { appId: 1, name: 'bench', partitionCount: 1, status: 'available' },
        self: node, fsync, clock: systemClock,
        outbox: {
          sendPeer: (to, message) => setImmediate(() => group.deliver(node, to, message)),
          requestConfigChange: (request) => setImmediate(() => group.change(node, request)),
          fetchCheckpointChunk: (from, request) => group.host(from).serveCheckpointChunk(request),
        },
      }));
    }
    group.propose(NODES[0], 'assign_primary', NODES[0]);
    await group.until(() => group.config.primary === NODES[0]);
    for (const node of NODES.slice(1)) {
      group.propose(NODES[0], 'add_secondary', node);
      await group.until(() => group.config.secondaries.includes(node) && group.host(node).info().role === 'secondary');
    }
    return group;
  }

  host(node: NodeId): ReplicaHost {
    const host = this.hosts.get(node);
    if (host === undefined) throw new Error(`no host ${node}`);
    return host;
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    for (const host of this.hosts.values()) await host.close();
    await rm(this.root, { recursive: true, force: true });
  }

  private propose(to: NodeId, type: 'assign_primary' | 'add_secondary', node: NodeId): void {
    this.host(to).step({ kind: 'meta', message: { kind: 'config_proposal', type, node, config: this.config } });
  }

  private deliver(from: NodeId, to: NodeId, message: PeerMessage): void {
    this.hosts.get(to)?.step({ kind: 'peer', from, message });
  }

  private change(from: NodeId, request: ConfigChangeRequest): void {
    if (request.config.ballot !== this.config.ballot + 1n) {
      this.host(from).step({ kind: 'meta', message: { kind: 'config_change_reply', error: 'ERR_INVALID_VERSION', config: this.config } });
      return;
    }
    this.config = request.config;
    this.host(from).step({ kind: 'meta', message: { kind: 'config_change_reply', error: 'ERR_OK', config: this.config } });
    for (const [node, host] of this.hosts) if (node !== from) host.step({ kind: 'meta', message: { kind: 'config_sync', config: this.config } });
  }

  private async until(condition: () => boolean): Promise<void> {
    for (let waited = 0; !condition(); waited += 10) {
      if (waited > 30_000) throw new Error('the group did not form');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

interface Result {
  readonly writes: number;
  readonly mutations: bigint;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function runCase(fsync: 'always' | 'never', writers: number): Promise<Result> {
  const group = await Group.start(fsync);
  try {
    const primary = group.host(NODES[0]);
    const firstDecree = primary.info().committedDecree;
    const latencies: number[] = [];
    let next = 0;
    const start = performance.now();
    const deadline = start + caseMs;
    const writer = async () => {
      while (performance.now() < deadline) {
        const i = next++;
        const began = performance.now();
        await primary.write({ kind: 'put', key: encodeKey(new TextEncoder().encode(`h${i % 1000}`), new TextEncoder().encode(`s${i}`)), value: VALUE, expireTsSeconds: 0 });
        latencies.push(performance.now() - began);
      }
    };
    await Promise.all(Array.from({ length: writers }, writer));
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
    return { writes: latencies.length, mutations: primary.info().committedDecree - firstDecree, seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
  } finally {
    await group.stop();
  }
}

const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  say(`# replica host benchmark (${args.quick ? 'quick' : 'full'} run)`);
  say('');
  say(`- date: ${new Date().toISOString()}`);
  say(`- machine: ${cpus().length} cpus (${cpus()[0]?.model ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30, 1)} GiB memory, directories in ${tmpdir()}`);
  say(`- node ${process.version}; three replicas in one process; 100-byte puts; ${caseMs} ms per case`);
  say('');
  say('| case | writes/s | mutations/s | writes per mutation | p50 ms | p99 ms |');
  say('|---|---|---|---|---|---|');
  for (const fsync of ['always', 'never'] as const) {
    for (const writers of [1, 16, 64]) {
      const r = await runCase(fsync, writers);
      const mutations = Number(r.mutations);
      say(`| fsync ${fsync}, ${writers} writer(s) | ${fmt(r.writes / r.seconds)} | ${fmt(mutations / r.seconds)} | ${fmt(r.writes / Math.max(1, mutations), 1)} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} |`);
    }
  }
  say('');
  say(`- load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (args.out !== undefined) await writeFile(args.out, `${lines.join('\n')}\n`);
}

await main();
