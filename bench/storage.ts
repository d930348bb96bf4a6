// Storage benchmark: batched puts, single gets with 64 in flight and a 100k-record scan, each
// through the KvEngine layer (RocksEngine) and through the raw `rocksdb` binding doing the same,
// in the same run, on two fresh databases. Prints ops/s (MB/s for the scan) and the layer's ratio
// to raw. Rounds alternate raw and layer (which goes first alternates too); the median round of
// each is reported. After the puts, both databases are topped up to at least 100k records and
// compacted fully, so that gets and scans meet the same file layout on both sides.
//
//   npm run bench:storage               full run
//   npm run bench:storage -- --quick    short run
//   npm run bench:storage -- --out bench/results/storage.md   also write the report to a file

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeKey } from '../cluster/storage/key-schema.ts';
import { importCheckpoint, writeCheckpoint } from '../cluster/storage/checkpoint.ts';
import { RocksEngine } from '../cluster/storage/rocksdb-engine.ts';
import type { WriteOp } from '../cluster/storage/engine.ts';
import { SeededRandom } from '../common/random.ts';
import { closeRawDatabase, openRawDatabase, promisify, rawBatchPuts, rawGets, rocksdbVersion, type RawDatabase } from './lib/raw-rocksdb.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } });
const quick = args.quick === true;
// Short rounds, alternating raw and layer, so that both see the same background load (the
// machine is shared); the median round of each is reported.
const settings = {
  rounds: quick ? 5 : 21,
  batchRecords: 100,
  valueBytes: 1024,
  putBatchesPerRound: quick ? 60 : 100,
  getsPerRound: quick ? 5_000 : 10_000,
  getsInFlight: 64,
  scanRecords: 100_000,
  scanRounds: quick ? 3 : 7,
};

const valueOf = (() => {
  const random = new SeededRandom(7);
  const pool = Buffer.from(Uint8Array.from({ length: 64 * 1024 }, () => random.int(256)));
  return (i: number) => pool.subarray((i * 61) % (pool.length - settings.valueBytes), (i * 61) % (pool.length - settings.valueBytes) + settings.valueBytes);
})();
const keyOf = (i: number) => Buffer.from(encodeKey(new TextEncoder().encode(`user${(i * 2_654_435_761) % 4_294_967_291}`), new TextEncoder().encode('sk')));

/** Wall-clock rates, plus ops per CPU second of this process (all threads), which a shared,
 * busy machine disturbs much less than wall-clock time. */
interface Figure { readonly opsPerSecond: number; readonly mbPerSecond: number; readonly opsPerCpuSecond: number }

async function timed(work: () => Promise<{ ops: number; bytes: number }>): Promise<Figure> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const { ops, bytes } = await work();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { opsPerSecond: ops / seconds, mbPerSecond: bytes / seconds / (1 << 20), opsPerCpuSecond: ops / cpuSeconds };
}

// --- the three workloads, once through the layer and once through the raw binding ---

async function putsLayer(engine: RocksEngine, round: number): Promise<{ ops: number; bytes: number }> {
  let record = round * settings.putBatchesPerRound * settings.batchRecords;
  for (let b = 0; b < settings.putBatchesPerRound; b++) {
    const ops: WriteOp[] = [];
    for (let i = 0; i < settings.batchRecords; i++, record++) ops.push({ kind: 'put', key: keyOf(record), value: valueOf(record) });
    await engine.write(ops);
  }
  const ops = settings.putBatchesPerRound * settings.batchRecords;
  return { ops, bytes: ops * settings.valueBytes };
}

function putsRaw(db: RawDatabase, round: number): Promise<{ ops: number; bytes: number }> {
  return rawBatchPuts(db, round * settings.putBatchesPerRound * settings.batchRecords, settings.putBatchesPerRound, settings.batchRecords, keyOf, valueOf);
}

function getKeys(recordsWritten: number, round: number): Buffer[] {
  const random = new SeededRandom(1000 + round);
  return Array.from({ length: settings.getsPerRound }, () => keyOf(random.int(recordsWritten)));
}

async function getsLayer(engine: RocksEngine, keys: readonly Buffer[]): Promise<{ ops: number; bytes: number }> {
  let next = 0;
  let bytes = 0;
  const worker = async () => {
    while (next < keys.length) {
      const value = await engine.get(keys[next++]!);
      if (value === undefined) throw new Error('bench: a written key is missing');
      bytes += value.length;
    }
  };
  await Promise.all(Array.from({ length: settings.getsInFlight }, worker));
  return { ops: keys.length, bytes };
}

function getsRaw(db: RawDatabase, keys: readonly Buffer[]): Promise<{ ops: number; bytes: number }> {
  return rawGets(db, keys, settings.getsInFlight);
}

async function scanLayer(engine: RocksEngine): Promise<{ ops: number; bytes: number }> {
  const iterator = engine.iterator();
  let ops = 0;
  let bytes = 0;
  while (ops < settings.scanRecords) {
    const batch = await iterator.nextBatch(Math.min(1000, settings.scanRecords - ops));
    if (batch.length === 0) break;
    for (const entry of batch) bytes += entry.key.length + entry.value.length;
    ops += batch.length;
  }
  await iterator.close();
  return { ops, bytes };
}

function scanRaw(db: RawDatabase): Promise<{ ops: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const iterator = db.iterator({});
    let ops = 0;
    let bytes = 0;
    const step = (error: Error | null | undefined, key?: Buffer, value?: Buffer): void => {
      if (error) return reject(error);
      if (key === undefined || value === undefined || ops === settings.scanRecords) {
        iterator.end(() => resolve({ ops, bytes }));
        return;
      }
      ops++;
      bytes += key.length + value.length;
      iterator.next(step);
    };
    iterator.next(step);
  });
}

// --- driver ---

function middle(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function median(figures: Figure[]): Figure {
  const byOps = [...figures].sort((a, b) => a.opsPerSecond - b.opsPerSecond)[Math.floor(figures.length / 2)]!;
  return { ...byOps, opsPerCpuSecond: middle(figures.map((f) => f.opsPerCpuSecond)) };
}

async function main(): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'pegasus-ts-bench-'));
  const engine = await RocksEngine.open({ path: join(directory, 'layer') });
  const raw = await openRawDatabase(join(directory, 'raw'));
  const results = { puts: { layer: [] as Figure[], raw: [] as Figure[] }, gets: { layer: [] as Figure[], raw: [] as Figure[] }, scan: { layer: [] as Figure[], raw: [] as Figure[] } };
  const checkpointFigures: Figure[] = [];
  const alternate = async (round: number, raw: () => Promise<void>, layer: () => Promise<void>) => {
    if (round % 2 === 0) { await raw(); await layer(); } else { await layer(); await raw(); }
  };
  try {
    let putRounds = 0;
    for (; putRounds < settings.rounds; putRounds++) {
      const round = putRounds;
      await alternate(round,
        async () => { results.puts.raw.push(await timed(() => putsRaw(raw, round))); },
        async () => { results.puts.layer.push(await timed(() => putsLayer(engine, round))); });
    }
    for (; putRounds * settings.putBatchesPerRound * settings.batchRecords < settings.scanRecords; putRounds++) {
      await putsRaw(raw, putRounds);
      await putsLayer(engine, putRounds);
    }
    const recordsWritten = putRounds * settings.putBatchesPerRound * settings.batchRecords;
    // Both databases compacted fully, so reads meet the same file layout on each side.
    await engine.compactAll();
    await promisify<void>((done) => raw.compactRange(Buffer.of(0x00), Buffer.alloc(16, 0xff), done));
    for (let round = 0; round < settings.rounds; round++) {
      const keys = getKeys(recordsWritten, round);
      await alternate(round,
        async () => { results.gets.raw.push(await timed(() => getsRaw(raw, keys))); },
        async () => { results.gets.layer.push(await timed(() => getsLayer(engine, keys))); });
    }
    for (let round = 0; round < settings.scanRounds; round++) {
      await alternate(round,
        async () => { results.scan.raw.push(await timed(() => scanRaw(raw))); },
        async () => { results.scan.layer.push(await timed(() => scanLayer(engine))); });
    }
    // Logical checkpoints of the layer's database: export to a file, import into a fresh engine.
    const checkpointPath = join(directory, 'checkpoint');
    checkpointFigures.push(await timed(async () => {
      const metadata = await writeCheckpoint(engine, checkpointPath);
      return { ops: metadata.entryCount, bytes: metadata.fileBytes };
    }));
    const target = await RocksEngine.open({ path: join(directory, 'imported') });
    checkpointFigures.push(await timed(async () => {
      const metadata = await importCheckpoint(target, checkpointPath);
      return { ops: metadata.entryCount, bytes: metadata.fileBytes };
    }));
    await target.close();
  } finally {
    await engine.close();
    await closeRawDatabase(raw);
    await rm(directory, { recursive: true, force: true });
  }

  const row = (name: string, pair: { layer: Figure[]; raw: Figure[] }, withMb: boolean) => {
    const layer = median(pair.layer);
    const rawFigure = median(pair.raw);
    const fmt = (f: Figure) => `${Math.round(f.opsPerSecond).toLocaleString('en-US')} ops/s${withMb ? ` (${f.mbPerSecond.toFixed(1)} MB/s)` : ''}`;
    // Each round's layer and raw runs are back to back; the median of the per-round ratios is
    // steadier than the ratio of medians when the machine's load moves.
    const ratio = (of: (f: Figure) => number) => middle(pair.layer.map((f, i) => of(f) / of(pair.raw[i]!)));
    return `| ${name} | ${fmt(layer)} | ${fmt(rawFigure)} | ${ratio((f) => f.opsPerSecond).toFixed(2)} | ` +
      `${ratio((f) => f.opsPerCpuSecond).toFixed(2)} |`;
  };
  const report = [
    `# storage benchmark (${quick ? 'quick' : 'full'} run)`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus().length} cpus (${cpus()[0]?.model ?? 'unknown'}), ${(totalmem() / (1 << 30)).toFixed(1)} GiB memory`,
    `- node ${process.version}, rocksdb binding ${rocksdbVersion}, UV_THREADPOOL_SIZE ${process.env['UV_THREADPOOL_SIZE'] ?? 'default (4)'}`,
    `- workload: batches of ${settings.batchRecords} puts with ${settings.valueBytes}-byte values (${settings.putBatchesPerRound} batches per round, one in flight); ` +
      `${settings.getsPerRound.toLocaleString('en-US')} single gets per round with ${settings.getsInFlight} in flight; a ${settings.scanRecords.toLocaleString('en-US')}-record forward scan; ` +
      `median of ${settings.rounds} rounds (${settings.scanRounds} for the scan), raw and layer alternating`,
    '',
    `- load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    '',
    'Rates are medians over rounds; ratios are medians of the per-round ratios (layer and raw run back to back).',
    '',
    '| workload | KvEngine layer | raw binding | layer / raw | layer / raw, ops per CPU second |',
    '|---|---|---|---|---|',
    row('batched puts (records/s)', results.puts, true),
    row('gets, 64 in flight', results.gets, false),
    row('scan 100k records', results.scan, true),
    '',
    '| logical checkpoint (whole layer database, one run) | records/s | file MB/s |',
    '|---|---|---|',
    ...checkpointFigures.map((f, i) => `| ${i === 0 ? 'export to a file' : 'import (verify pass + write pass)'} | ${Math.round(f.opsPerSecond).toLocaleString('en-US')} | ${f.mbPerSecond.toFixed(1)} |`),
    '',
  ].join('\n');
  process.stdout.write(report);
  if (args.out !== undefined) await writeFile(args.out, report);
}

await main();
