// Cluster benchmark, YCSB style, through this project's client against a onebox of real
// processes (1 meta server, 3 replica servers, table `temp`: 8 partitions x 3 replicas) started
// in a temp directory on free ports. A load phase inserts the records with 64 writers; then
// workloads A (50% reads, 50% updates), B (95/5) and C (reads only) run at 1, 16 and 64
// concurrent callers with 1 KiB values and zipfian keys, each for a fixed time. Prints ops/s,
// p50/p99/p999 per operation, the servers' RSS and CPU, and our ratio to two ceilings measured in
// the same run: a Node TCP echo of 1 KiB frames and the raw RocksDB binding's puts and gets.
//
//   npm run bench                              full run (fsync always)
//   npm run bench -- --quick                   short run (about a minute and a half)
//   npm run bench -- --fsync never             replica servers without fsync of the private log
//   npm run bench -- --out bench/results/cluster.md   also write the report to a file
//   npm run bench -- --profile DIR             CPU profiles of the replica servers under the write
//                                              workload only (no read workloads, no ceilings)

import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient } from '../client/node/index.ts';
import { SeededRandom } from '../common/random.ts';
import { ONEBOX_REPLICAS, ONEBOX_TABLE } from '../infra/onebox/options.ts';
import { freeOneboxBasePort } from '../infra/onebox/ports.ts';
import { Onebox } from '../infra/onebox/supervisor.ts';
import { profileClockMicros, summariseProfiles } from './lib/cpu-profile.ts';
import { Histogram } from './lib/histogram.ts';
import { closeRawDatabase, openRawDatabase, rawGets, rawPuts, rocksdbVersion } from './lib/raw-rocksdb.ts';
import { runEcho, startEchoServer } from './lib/tcp-echo.ts';
import { ScrambledZipfian, recordKey } from './lib/ycsb.ts';

type Table = Awaited<ReturnType<ReturnType<typeof createClient>['openTable']>>;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    fsync: { type: 'string', default: 'always' },
    out: { type: 'string' },
    profile: { type: 'string' },
  },
});
if (args.fsync !== 'always' && args.fsync !== 'never') throw new Error(`--fsync must be always or never, got "${args.fsync}"`);
const fsync: 'always' | 'never' = args.fsync;
const quick = args.quick === true;
const profileDir = args.profile === undefined ? undefined : resolve(args.profile);

const settings = {
  records: quick ? 10_000 : 100_000,
  valueBytes: 1024,
  loadConcurrency: 64,
  caseMs: quick ? 3_000 : 20_000,
  warmupMs: quick ? 500 : 2_000,
  ceilingMs: quick ? 1_000 : 3_000,
  rawOps: quick ? 20_000 : 100_000,
  concurrency: [1, 16, 64] as const,
};
const SORT_KEY = 'field0';
const WORKLOADS = [
  { name: 'A', readFraction: 0.5, what: '50% reads, 50% updates' },
  { name: 'B', readFraction: 0.95, what: '95% reads, 5% updates' },
  { name: 'C', readFraction: 1, what: 'reads only' },
] as const;

const log = (line: string): void => { process.stderr.write(`${line}\n`); };

const valueOf = (() => {
  const random = new SeededRandom(7);
  const pool = Buffer.from(Uint8Array.from({ length: 64 * 1024 }, () => random.int(256)));
  const span = pool.length - settings.valueBytes;
  return (i: number): Buffer => pool.subarray((i * 61) % span, (i * 61) % span + settings.valueBytes);
})();

// --- what the servers use: RSS and CPU from /proc ---

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

interface ProcessUsage {
  readonly rssMb: number;
  readonly peakRssMb: number;
  readonly cpuSeconds: number;
  /** Time the main thread was runnable but waited for a core (the scheduler's run-queue wait). */
  readonly runQueueSeconds: number;
}

async function usageOf(pid: number): Promise<ProcessUsage | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / clockTicks;
    // schedstat of the main thread: nanoseconds on a core, nanoseconds waiting on a run queue, timeslices.
    const schedstat = (await readFile(`/proc/${pid}/schedstat`, 'utf8')).trim().split(' ');
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024, cpuSeconds, runQueueSeconds: Number(schedstat[1]) / 1e9 };
  } catch {
    return undefined;
  }
}

// --- mutations committed: the primaries' committed decrees, from each replica server's status page ---

async function committedMutations(replicaAddresses: readonly string[]): Promise<number> {
  let total = 0;
  for (const address of replicaAddresses) {
    const response = await fetch(`http://${address}/v1/replicas`, { signal: AbortSignal.timeout(5_000) });
    const body = await response.json() as { replicas: { role: string; committedDecree: number }[] };
    for (const replica of body.replicas) if (replica.role === 'primary') total += replica.committedDecree;
  }
  return total;
}


// --- the workloads ---

interface Outcome {
  readonly seconds: number;
  readonly reads: Histogram;
  readonly updates: Histogram;
  readonly errors: Map<string, number>;
  readonly serverCpuSeconds: number;
  readonly serverRunQueueSeconds: number;
  readonly generatorCpuSeconds: number;
  readonly load1: number;
  /** Mutations the primaries committed during the case (empty ones the core sends on its own included). */
  readonly mutations: number;
}

/** Runs `callers` loops of `operation` until `stop()` says so, timing each call. */
interface Servers { readonly pids: readonly number[]; readonly replicaAddresses: readonly string[] }

async function drive(
  callers: number, stop: () => boolean, operation: (caller: number) => { read: boolean; run: () => Promise<unknown> }, servers: Servers,
): Promise<Outcome> {
  const { pids } = servers;
  const mutationsStart = await committedMutations(servers.replicaAddresses);
  const reads = new Histogram();
  const updates = new Histogram();
  const errors = new Map<string, number>();
  const serverUsage = async (): Promise<{ cpu: number; runQueue: number }> => {
    const usages = await Promise.all(pids.map(usageOf));
    return { cpu: usages.reduce((sum, usage) => sum + (usage?.cpuSeconds ?? 0), 0), runQueue: usages.reduce((sum, usage) => sum + (usage?.runQueueSeconds ?? 0), 0) };
  };
  const serverStart = await serverUsage();
  const generatorStart = process.cpuUsage();
  const start = performance.now();
  await Promise.all(Array.from({ length: callers }, async (_, caller) => {
    while (!stop()) {
      const { read, run } = operation(caller);
      const began = performance.now();
      try {
        await run();
        (read ? reads : updates).record((performance.now() - began) * 1000);
      } catch (error) {
        const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : String(error);
        errors.set(code, (errors.get(code) ?? 0) + 1);
      }
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  const generator = process.cpuUsage(generatorStart);
  return {
    seconds, reads, updates, errors,
    ...await serverUsage().then((end) => ({ serverCpuSeconds: end.cpu - serverStart.cpu, serverRunQueueSeconds: end.runQueue - serverStart.runQueue })),
    generatorCpuSeconds: (generator.user + generator.system) / 1e6,
    load1: loadavg()[0] ?? 0,
    mutations: (await committedMutations(servers.replicaAddresses)) - mutationsStart,
  };
}

function load(table: Table, servers: Servers): Promise<Outcome> {
  let next = 0;
  return drive(settings.loadConcurrency, () => next >= settings.records, () => {
    const record = next++;
    return { read: false, run: () => table.set(recordKey(record), SORT_KEY, valueOf(record)) };
  }, servers);
}

async function runWorkload(table: Table, readFraction: number, callers: number, ms: number, seed: number, servers: Servers): Promise<Outcome> {
  const random = new SeededRandom(seed);
  const keys = new ScrambledZipfian(settings.records, random);
  let written = 0;
  const end = performance.now() + ms;
  return drive(callers, () => performance.now() >= end, () => {
    const record = keys.next();
    if (random.next() < readFraction) {
      return {
        read: true,
        run: async () => {
          const value = await table.get(recordKey(record), SORT_KEY);
          if (value === null || value.length !== settings.valueBytes) throw new Error('a loaded record read back wrong');
        },
      };
    }
    const version = settings.records + written++;
    return { read: false, run: () => table.set(recordKey(record), SORT_KEY, valueOf(version)) };
  }, servers);
}

// --- the ceilings ---

interface Ceilings {
  readonly echo: Map<number, number>;
  readonly rawPuts: number;
  readonly rawSyncPuts: number;
  readonly rawGets: number;
}

async function measureCeilings(): Promise<Ceilings> {
  const echo = new Map<number, number>();
  const server = await startEchoServer();
  try {
    for (const inFlight of settings.concurrency) {
      await runEcho(server.port, inFlight, settings.ceilingMs / 5);
      echo.set(inFlight, await runEcho(server.port, inFlight, settings.ceilingMs));
    }
  } finally {
    server.stop();
  }
  const directory = await mkdtemp(join(tmpdir(), 'pegasus-ts-bench-raw-'));
  try {
    const db = await openRawDatabase(join(directory, 'raw'));
    const key = (i: number): Buffer => Buffer.from(recordKey(i));
    const rate = async (work: () => Promise<{ ops: number }>): Promise<number> => {
      const start = performance.now();
      const { ops } = await work();
      return ops / ((performance.now() - start) / 1000);
    };
    try {
      const rawPutsRate = await rate(() => rawPuts(db, 0, settings.rawOps, 64, false, key, valueOf));
      const syncOps = Math.max(2_000, settings.rawOps / 10);
      const rawSyncPutsRate = await rate(() => rawPuts(db, settings.rawOps, syncOps, 64, true, key, valueOf));
      const random = new SeededRandom(11);
      const chooser = new ScrambledZipfian(settings.rawOps, random);
      const keys = Array.from({ length: settings.rawOps }, () => key(chooser.next()));
      const rawGetsRate = await rate(() => rawGets(db, keys, 64));
      return { echo, rawPuts: rawPutsRate, rawSyncPuts: rawSyncPutsRate, rawGets: rawGetsRate };
    } finally {
      await closeRawDatabase(db);
    }
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

// --- the report ---

const ms = (micros: number): string => (micros / 1000).toFixed(micros < 10_000 ? 2 : 1);
const rate = (n: number): string => Math.round(n).toLocaleString('en-US');

function operationRow(label: string, callers: number | string, histogram: Histogram, outcome: Outcome, extra: string): string {
  return `| ${label} | ${callers} | ${rate(histogram.count / outcome.seconds)} | ${ms(histogram.percentile(50))} | ${ms(histogram.percentile(99))} | ` +
    `${ms(histogram.percentile(99.9))} | ${ms(histogram.maxMicros)} | ${extra}`;
}

function caseRows(label: string, callers: number, outcome: Outcome): string[] {
  const total = outcome.reads.count + outcome.updates.count;
  const errors = [...outcome.errors].map(([code, count]) => `${count} ${code}`).join(', ') || '0';
  const perMutation = outcome.updates.count === 0 ? '' : (outcome.updates.count / Math.max(1, outcome.mutations)).toFixed(1);
  const extra = `${rate(total / outcome.seconds)} | ${perMutation} | ${(outcome.serverCpuSeconds / outcome.seconds * 100).toFixed(0)}% | ` +
    `${(outcome.serverRunQueueSeconds / outcome.seconds * 100).toFixed(0)}% | ` +
    `${(outcome.generatorCpuSeconds / outcome.seconds * 100).toFixed(0)}% | ${outcome.load1.toFixed(1)} | ${errors} |`;
  const rows: string[] = [];
  if (outcome.reads.count > 0) rows.push(operationRow(`${label} read`, callers, outcome.reads, outcome, extra));
  if (outcome.updates.count > 0) rows.push(operationRow(`${label} ${label === 'load' ? 'insert' : 'update'}`, callers, outcome.updates, outcome, extra));
  return rows;
}

interface ServerUsage { readonly name: string; readonly usage: ProcessUsage | undefined }

function report(runInfo: { date: string; loadStart: number[]; loadEnd: number[] }, loaded: Outcome, cases: Map<string, Outcome>, usage: ServerUsage[], ceilings: Ceilings | undefined, profile: string | undefined): string {
  const header = '| operation | callers | ops/s | p50 ms | p99 ms | p999 ms | max ms | case total ops/s | writes per mutation | servers CPU | servers waiting for a core | generator CPU | load avg 1m | errors |';
  const c = (workload: string, callers: number): Outcome | undefined => cases.get(`${workload}/${callers}`);
  const readsAt = (callers: number): number => {
    const outcome = c('C', callers);
    return outcome === undefined ? 0 : outcome.reads.count / outcome.seconds;
  };
  const writes = loaded.updates.count / loaded.seconds;
  const lines = [
    `# cluster benchmark (${quick ? 'quick' : 'full'} run, fsync ${fsync})`,
    '',
    `- date: ${runInfo.date}`,
    `- machine: ${cpus().length} cpus (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / (1 << 30)).toFixed(1)} GiB memory; node ${process.version}, rocksdb binding ${rocksdbVersion}`,
    `- load average (1, 5, 15 min) at the start: ${runInfo.loadStart.map((l) => l.toFixed(2)).join(' ')}; at the end: ${runInfo.loadEnd.map((l) => l.toFixed(2)).join(' ')}` +
      `${Math.max(...runInfo.loadStart, ...runInfo.loadEnd) > cpus().length ? ' (more runnable work than cores: the machine was busy with other work, so rates are lower and tails longer than on a quiet machine)' : ''}`,
    `- cluster: onebox of 1 meta server and ${ONEBOX_REPLICAS} replica servers, each its own process on this machine; table ${ONEBOX_TABLE.name} with ` +
      `${ONEBOX_TABLE.partitionCount} partitions x ${ONEBOX_TABLE.replicaCount} replicas; fsync ${fsync}`,
    `- load generator: one process, this project's Node client (\`createClient\`), one connection per server; ` +
      `${rate(settings.records)} records of ${settings.valueBytes} bytes (hash key \`user<fnv(n)>\`, sort key \`${SORT_KEY}\`), loaded by ${settings.loadConcurrency} callers; ` +
      `each workload case runs ${settings.caseMs / 1000} s after a ${settings.warmupMs / 1000} s warm-up, keys scrambled zipfian (theta 0.99) as in YCSB`,
    '- writes per mutation: writes acknowledged over mutations the primaries committed in the case (from their `/v1/replicas` committed decrees; the empty mutations a primary sends on its own count too)',
    '- servers waiting for a core: time the four servers\' main threads were runnable but queued for a core (`/proc/<pid>/schedstat`), as a share of the case\'s wall time (100% = one thread waiting all the time)',
    '- servers CPU: CPU time of all four server processes over the case, as a share of one core (200% = both cores); generator CPU likewise for the load generator',
    '',
    '## Load and workloads',
    '',
    header,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...caseRows('load', settings.loadConcurrency, loaded),
  ];
  const updatesOnly = c('updates-only', 64);
  if (updatesOnly !== undefined) lines.push(...caseRows('updates-only', 64, updatesOnly));
  for (const workload of WORKLOADS) {
    for (const callers of settings.concurrency) {
      const outcome = c(workload.name, callers);
      if (outcome !== undefined) lines.push(...caseRows(workload.name, callers, outcome));
    }
  }
  lines.push('', '## Servers', '', '| server | RSS at the end MB | peak RSS MB | CPU seconds over the run |', '|---|---|---|---|');
  for (const server of usage) {
    lines.push(`| ${server.name} | ${server.usage?.rssMb.toFixed(0) ?? '?'} | ${server.usage?.peakRssMb.toFixed(0) ?? '?'} | ${server.usage?.cpuSeconds.toFixed(1) ?? '?'} |`);
  }
  if (ceilings !== undefined) {
    const echo64 = ceilings.echo.get(64) ?? 0;
    lines.push(
      '', '## Ceilings on this machine, and our ratio to them', '',
      `Measured in the same run: a \`node:net\` echo server in its own process with N frames of 1 KiB outstanding on one connection ` +
      `(${settings.ceilingMs / 1000} s per case), and the raw \`rocksdb\` binding in this process, ${rate(settings.rawOps)} single puts of ${settings.valueBytes} bytes ` +
      `with 64 in flight (and ${rate(Math.max(2_000, settings.rawOps / 10))} with \`sync: true\`), then ${rate(settings.rawOps)} zipfian gets with 64 in flight.`,
      '',
      '| ours | ops/s | ceiling | ceiling ops/s | ratio |',
      '|---|---|---|---|---|',
      ...settings.concurrency.map((callers) => {
        const ceiling = ceilings.echo.get(callers) ?? 0;
        return `| workload C reads, ${callers} callers | ${rate(readsAt(callers))} | TCP echo, ${callers} in flight | ${rate(ceiling)} | ${(readsAt(callers) / ceiling).toFixed(3)} |`;
      }),
      `| workload C reads, 64 callers | ${rate(readsAt(64))} | raw RocksDB gets, 64 in flight | ${rate(ceilings.rawGets)} | ${(readsAt(64) / ceilings.rawGets).toFixed(3)} |`,
      `| load (inserts), ${settings.loadConcurrency} callers | ${rate(writes)} | TCP echo, 64 in flight | ${rate(echo64)} | ${(writes / echo64).toFixed(3)} |`,
      `| load (inserts), ${settings.loadConcurrency} callers | ${rate(writes)} | raw RocksDB puts, 64 in flight | ${rate(ceilings.rawPuts)} | ${(writes / ceilings.rawPuts).toFixed(3)} |`,
      `| load (inserts), ${settings.loadConcurrency} callers | ${rate(writes)} | raw RocksDB puts with sync, 64 in flight | ${rate(ceilings.rawSyncPuts)} | ${(writes / ceilings.rawSyncPuts).toFixed(3)} |`,
    );
  }
  const read64 = c('C', 64)?.reads;
  const maxReplicaPeak = Math.max(0, ...usage.filter((server) => server.name.startsWith('replica')).map((server) => server.usage?.peakRssMb ?? 0));
  lines.push(
    '', '## Against the targets (reported, not asserted)', '',
    '| target | measured | met |', '|---|---|---|',
    `| writes >= 15,000/s at 64 callers (fsync always) | ${rate(writes)}/s (load phase, fsync ${fsync}) | ${writes >= 15_000 && fsync === 'always' ? 'yes' : 'no'} |`,
    `| write p99 < 15 ms at 64 callers | ${ms(loaded.updates.percentile(99))} ms | ${loaded.updates.percentile(99) < 15_000 ? 'yes' : 'no'} |`,
  );
  if (read64 !== undefined) {
    const readRate = readsAt(64);
    lines.push(
      `| reads >= 40,000/s at 64 callers | ${rate(readRate)}/s (workload C) | ${readRate >= 40_000 ? 'yes' : 'no'} |`,
      `| read p99 < 5 ms at 64 callers | ${ms(read64.percentile(99))} ms | ${read64.percentile(99) < 5_000 ? 'yes' : 'no'} |`,
    );
  }
  lines.push(`| each replica server < 512 MB RSS | peak ${maxReplicaPeak.toFixed(0)} MB | ${maxReplicaPeak < 512 ? 'yes' : 'no'} |`);
  if (profile !== undefined) lines.push('', profile);
  lines.push('');
  return lines.join('\n');
}

// --- driver ---

async function main(): Promise<void> {
  const date = new Date().toISOString();
  const loadStart = loadavg();
  let ceilings: Ceilings | undefined;
  if (profileDir === undefined) {
    log('ceilings: TCP echo and raw RocksDB ...');
    ceilings = await measureCeilings();
  }
  const dir = await mkdtemp(join(tmpdir(), 'pegasus-ts-bench-onebox-'));
  const basePort = await freeOneboxBasePort(1);
  const onebox = new Onebox(
    { metas: 1, zk: false, basePort, dir, fsync, ...(profileDir === undefined ? {} : { replicaNodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] }) },
    false,
    { log: (line) => log(`onebox: ${line}`) },
  );
  const cases = new Map<string, Outcome>();
  let loaded: Outcome;
  let usage: ServerUsage[];
  let profileWindow: { from: number; to: number } | undefined;
  try {
    await onebox.start();
    const servers: Servers = {
      pids: onebox.servers.map((server) => server.pid),
      replicaAddresses: onebox.servers.filter((server) => server.role === 'replica').map((server) => server.address),
    };
    const client = createClient({ metaServers: [...onebox.plan.metaAddresses] });
    try {
      const table = await client.openTable(ONEBOX_TABLE.name);
      log(`load: ${settings.records} records with ${settings.loadConcurrency} callers ...`);
      const from = profileClockMicros();
      loaded = await load(table, servers);
      log(caseRows('load', settings.loadConcurrency, loaded).join('\n'));
      if (profileDir !== undefined) {
        // Updates only, so the profile's window holds nothing but the write path.
        const outcome = await runWorkload(table, 0, 64, settings.caseMs, 99, servers);
        cases.set('updates-only/64', outcome);
        log(caseRows('updates-only', 64, outcome).join('\n'));
        profileWindow = { from, to: profileClockMicros() };
      } else {
        let seed = 100;
        for (const workload of WORKLOADS) {
          for (const callers of settings.concurrency) {
            await runWorkload(table, workload.readFraction, callers, settings.warmupMs, seed++, servers);
            const outcome = await runWorkload(table, workload.readFraction, callers, settings.caseMs, seed++, servers);
            cases.set(`${workload.name}/${callers}`, outcome);
            log(caseRows(workload.name, callers, outcome).join('\n'));
          }
        }
      }
    } finally {
      await client.close();
    }
    usage = await Promise.all(onebox.servers.map(async (server) => ({ name: server.name, usage: await usageOf(server.pid) })));
  } finally {
    await onebox.stop();
    await rm(dir, { recursive: true, force: true });
  }
  let profile: string | undefined;
  if (profileDir !== undefined) {
    const files = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile')).map((name) => join(profileDir, name));
    profile = await summariseProfiles(files, profileWindow);
  }
  const text = report({ date, loadStart, loadEnd: loadavg() }, loaded, cases, usage, ceilings, profile);
  process.stdout.write(text);
  if (args.out !== undefined) await writeFile(args.out, text);
}

await main();
