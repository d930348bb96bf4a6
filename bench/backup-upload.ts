// Backup upload benchmark: one partition on RocksDB filled with N MB of values (1 KiB each)
// backed up to a file:// target with uploadPartition (a checkpoint export streamed into 8 MiB
// parts, each hashed with SHA-256 and written atomically), next to the raw speed of the same
// target measured in the same run (the same number of bytes put as 8 MiB files). Prints MB/s of
// both; the difference is the cost of export and hashing.
//
//   npx tsx bench/backup-upload.ts            256 MB of values
//   npx tsx bench/backup-upload.ts --mb 64
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { LocalBlockStore } from '../backup/block-store/local-block-store.ts';
import { uploadPartition } from '../backup/partition/upload-partition.ts';
import { ManualClock } from '../common/clock.ts';
import { BACKUP_PART_BYTES } from '../common/limits.ts';
import { encodeKey } from '../cluster/storage/key-schema.ts';
import { Partition } from '../cluster/storage/partition.ts';
import { RocksEngine } from '../cluster/storage/rocksdb-engine.ts';

const { values: args } = parseArgs({ options: { mb: { type: 'string', default: '256' } } });
const valueBytes = 1024;
const records = Math.floor((Number(args.mb) * 1e6) / valueBytes);
const dir = await mkdtemp(join(tmpdir(), 'bench-backup-'));
try {
  const engine = await RocksEngine.open({ path: join(dir, 'db') });
  const partition = await Partition.open(engine, { clock: new ManualClock() });
  const value = new Uint8Array(valueBytes).map((_, i) => i % 251);
  const batch = 100;
  let decree = 0n;
  for (let i = 0; i < records; i += batch) {
    decree++;
    const requests = [];
    for (let j = i; j < Math.min(records, i + batch); j++) {
      requests.push({ kind: 'put' as const, key: encodeKey(new TextEncoder().encode(`h${j % 1000}`), new TextEncoder().encode(`s${j}`)), value, expireTsSeconds: 0 });
    }
    await partition.applyMutation({ decree, timestampUs: 1_800_000_000_000_000n + decree, requests });
  }
  const store = new LocalBlockStore(join(dir, 'target'));
  let started = performance.now();
  const { metadata } = await uploadPartition({ engine, store, nowMs: () => Date.now(), clusterName: 'bench', backupId: '1', table: 't', appId: 1, partitionIndex: 0 });
  const backupSeconds = (performance.now() - started) / 1000;
  const part = new Uint8Array(BACKUP_PART_BYTES).map((_, i) => i % 253);
  started = performance.now();
  let written = 0;
  for (let n = 0; written < metadata.totalBytes; n++) {
    const size = Math.min(part.length, metadata.totalBytes - written);
    await store.put(`raw/part-${n}`, part.subarray(0, size));
    written += size;
  }
  const rawSeconds = (performance.now() - started) / 1000;
  const mb = metadata.totalBytes / 1e6;
  console.log(`values ${(records * valueBytes / 1e6).toFixed(0)} MB in ${records} records; checkpoint ${mb.toFixed(1)} MB in ${metadata.parts.length} parts`);
  console.log(`backup (export + SHA-256 + put): ${(mb / backupSeconds).toFixed(1)} MB/s (${backupSeconds.toFixed(2)} s)`);
  console.log(`raw put of the same bytes:       ${(mb / rawSeconds).toFixed(1)} MB/s (${rawSeconds.toFixed(2)} s)`);
  await engine.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
