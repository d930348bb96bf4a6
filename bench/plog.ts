// Private log benchmark: 1 KiB records appended one per call by 1, 16 and 64 concurrent
// appenders, with fsync `always` (group commit: appends made while a sync is in flight share the
// next write and sync) and `never`; then a full read of the log in bounded batches (replay
// speed). For scale, the same run measures this disk's raw rate of 1 KiB write + fdatasync, one
// at a time (and 64 KiB at a time, the size of a 64-append group). Prints appends/s, MB/s,
// appends per sync and append latency; each case runs for a fixed time, rounds interleave the
// cases, and the median round is reported.
//
//   npm run bench:plog                 full run
//   npm run bench:plog -- --quick      short run
//   npm run bench:plog -- --out bench/results/plog.md   also write the report to a file

import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileLogStore } from '../cluster/replica/file-log-store.ts';
import type { FsyncPolicy } from '../cluster/replica/log-store.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
const roundMs = args.quick ? 1000 : 4000;
const rounds = args.quick ? 1 : 3;
const RECORD_BYTES = 1024;
const gpid = { appId: 1, partitionIndex: 0 };

interface Result {
  readonly appends: number;
  readonly seconds: number;
  readonly syncs: number;
  readonly writes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function appendRound(directory: string, fsync: FsyncPolicy, concurrency: number): Promise<Result> {
  const store = await FileLogStore.open({ directory, gpid, fsync });
  const body = new Uint8Array(RECORD_BYTES).fill(42);
  let decree = store.bounds().lastDecree;
  const latencies: number[] = [];
  const before = store.stats();
  const start = performance.now();
  const deadline = start + roundMs;
  const appender = async () => {
    while (performance.now() < deadline) {
      decree += 1n;
      const began = performance.now();
      await store.append([{ ballot: 1n, decree, body }]);
      latencies.push(performance.now() - began);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, appender));
  const seconds = (performance.now() - start) / 1000;
  const after = store.stats();
  await store.close();
  latencies.sort((a, b) => a - b);
  return {
    appends: latencies.length, seconds, syncs: after.syncs - before.syncs, writes: after.writes - before.writes,
    p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99),
  };
}

async function rawSyncRound(directory: string, recordsPerWrite: number): Promise<Result> {
  const handle = await open(join(directory, 'raw'), 'w');
  const bytes = Buffer.alloc(RECORD_BYTES * recordsPerWrite, 42);
  const latencies: number[] = [];
  let position = 0;
  const start = performance.now();
  const deadline = start + roundMs;
  while (performance.now() < deadline) {
    const began = performance.now();
    await handle.write(bytes, 0, bytes.length, position);
    await handle.datasync();
    position += bytes.length;
    latencies.push(performance.now() - began);
  }
  const seconds = (performance.now() - start) / 1000;
  await handle.close();
  latencies.sort((a, b) => a - b);
  return { appends: latencies.length * recordsPerWrite, seconds, syncs: latencies.length, writes: latencies.length, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
}

async function readAll(directory: string): Promise<{ records: number; bytes: number; seconds: number; openSeconds: number }> {
  const opening = performance.now();
  const store = await FileLogStore.open({ directory, gpid });
  const start = performance.now();
  let records = 0;
  let bytes = 0;
  const { firstDecree, lastDecree } = store.bounds();
  let next: bigint | undefined = firstDecree;
  while (next !== undefined) {
    const batch = await store.read({ fromDecree: next, toDecree: lastDecree });
    records += batch.records.length;
    for (const record of batch.records) bytes += record.body.length;
    next = batch.nextDecree;
  }
  const seconds = (performance.now() - start) / 1000;
  await store.close();
  return { records, bytes, seconds, openSeconds: (start - opening) / 1000 };
}

function median<T>(results: readonly T[], key: (result: T) => number): T {
  const sorted = [...results].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor(sorted.length / 2)];
  if (middle === undefined) throw new Error('no rounds');
  return middle;
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'pegasus-ts-bench-plog-'));
  const lines: string[] = [];
  const say = (line: string) => {
    lines.push(line);
    console.log(line);
  };
  let filesystem = 'unknown';
  try {
    filesystem = execFileSync('df', ['-T', root], { encoding: 'utf8' }).trim().split('\n')[1]?.split(/\s+/)[1] ?? 'unknown';
  } catch {
    // df is informational only
  }
  say(`# plog benchmark (${args.quick ? 'quick' : 'full'} run)`);
  say('');
  say(`- date: ${new Date().toISOString()}`);
  say(`- machine: ${cpus().length} cpus (${cpus()[0]?.model ?? 'unknown'}), ${fmt(totalmem() / 2 ** 30, 1)} GiB memory, log directory on ${filesystem} (${tmpdir()})`);
  say(`- node ${process.version}; records of ${RECORD_BYTES} bytes, one per append call; ${rounds} round(s) of ${roundMs} ms per case, rounds interleaving the cases, median round shown`);
  say('');
  say('| case | appends/s (raw: KiB/s) | MB/s | syncs/s | appends per sync | p50 ms | p99 ms |');
  say('|---|---|---|---|---|---|---|');
  try {
    // Rounds interleave the cases (the disk of a shared machine drifts); the median round of each
    // case is shown.
    interface Case { readonly name: string; readonly run: (round: number) => Promise<Result>; readonly results: Result[] }
    const cases: Case[] = [];
    for (const recordsPerWrite of [1, 64]) {
      cases.push({ name: `disk ceiling: raw ${recordsPerWrite} KiB write + fdatasync, one at a time`, run: () => rawSyncRound(root, recordsPerWrite), results: [] });
    }
    let logDirectory = '';
    for (const [fsync, concurrency] of [['always', 1], ['always', 16], ['always', 64], ['never', 1], ['never', 16], ['never', 64]] as const) {
      cases.push({
        name: `fsync ${fsync}, ${concurrency} appender(s)`,
        results: [],
        run: async (round) => {
          const directory = join(root, `${fsync}-${concurrency}-${round}`);
          const result = await appendRound(directory, fsync, concurrency);
          if (logDirectory !== '') await rm(logDirectory, { recursive: true, force: true });
          logDirectory = directory;
          return result;
        },
      });
    }
    for (let round = 0; round < rounds; round++) {
      for (const item of cases) item.results.push(await item.run(round));
    }
    for (const item of cases) {
      const r = median(item.results, (x) => x.appends / x.seconds);
      const perSync = r.syncs > 0 ? fmt(r.appends / r.syncs, 1) : '-';
      say(`| ${item.name} | ${fmt(r.appends / r.seconds)} | ${fmt((r.appends * RECORD_BYTES) / r.seconds / 1e6, 1)} | ${fmt(r.syncs / r.seconds)} | ${perSync} | ${fmt(r.p50Ms, 2)} | ${fmt(r.p99Ms, 2)} |`);
    }
    const read = await readAll(logDirectory);
    say('');
    say(`Replay read of the last log (${fmt(read.records)} records, ${fmt(read.bytes / 1e6, 1)} MB): open and verify ${fmt(read.openSeconds, 2)} s, then bounded range reads ${fmt(read.records / read.seconds)} records/s, ${fmt(read.bytes / read.seconds / 1e6, 1)} MB/s.`);
    say('');
    say(`- load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  if (args.out !== undefined) await writeFile(args.out, `${lines.join('\n')}\n`);
}

await main();
