// Proves what the file log adds to the LogStore contract: it reopens to the same state, cuts a
// torn or corrupted tail at the last good block (and reports it), refuses damage it cannot repair
// (a middle segment, a missing segment, another partition's files), finishes a reset interrupted
// by a crash, collects whole segments only, and groups concurrent appends into one write and sync.
// Damage is made by editing the files of a closed log and opening it again.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { copyFile, mkdir, readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileLogStoreOptions } from '../../../cluster/replica/file-log-store.ts';
import { FileLogStore } from '../../../cluster/replica/file-log-store.ts';
import type { LogRecord, LogStore } from '../../../cluster/replica/log-store.ts';
import { LogStoreError } from '../../../cluster/replica/log-store.ts';
import { LOG_PENDING_APPENDS_MAX } from '../../../common/limits.ts';
import { SeededRandom } from '../../../common/random.ts';
import { temporaryDirectory, testGpid } from '../../support/log-stores.ts';

// One record per append with a 100-byte body is one 137-byte block (16 block header, 21 record
// header); a segment of 32 + 10 * 137 bytes holds exactly ten of them.
const BLOCK_BYTES = 137;
const TEN_RECORD_SEGMENT = 32 + 10 * BLOCK_BYTES;

const record = (decree: number, ballot = 1): LogRecord =>
  ({ ballot: BigInt(ballot), decree: BigInt(decree), body: new Uint8Array(100).fill(decree % 256) });

async function appendEach(store: LogStore, from: number, to: number, ballot = 1): Promise<void> {
  for (let decree = from; decree <= to; decree++) await store.append([record(decree, ballot)]);
}

async function decrees(store: LogStore): Promise<string[]> {
  const { firstDecree, lastDecree } = store.bounds();
  const out: string[] = [];
  let next: bigint | undefined = firstDecree;
  while (next !== undefined) {
    const batch = await store.read({ fromDecree: next, toDecree: lastDecree });
    for (const r of batch.records) {
      if (!r.body.every((b) => b === Number(r.decree % 256n))) throw new Error(`body of ${r.decree} altered`);
      out.push(`${r.decree}:${r.ballot}`);
    }
    next = batch.nextDecree;
  }
  return out;
}

const range = (from: number, to: number, ballot = 1) => Array.from({ length: to - from + 1 }, (_, i) => `${from + i}:${ballot}`);

async function segmentFiles(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.startsWith('log.')).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[offset] = (bytes[offset] ?? 0) ^ 0x40;
  await writeFile(path, bytes);
}

function withLog(title: string, body: (t: ExecutionContext, directory: string, open: (options?: Partial<FileLogStoreOptions>) => Promise<FileLogStore>) => Promise<void>) {
  test(title, async (t) => {
    const temporary = await temporaryDirectory();
    const directory = join(temporary.path, 'plog');
    const opened: FileLogStore[] = [];
    const open = async (options: Partial<FileLogStoreOptions> = {}) => {
      const store = await FileLogStore.open({ directory, gpid: testGpid, ...options });
      opened.push(store);
      return store;
    };
    try {
      await body(t, directory, open);
    } finally {
      for (const store of opened) await store.close().catch(() => undefined);
      await temporary.remove();
    }
  });
}

withLog('reopening after close gives back every record, truncation and bound', async (t, directory, open) => {
  const store = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 30);
  await store.truncateAfter(25n);
  await store.append([record(26, 2)]);
  await store.close();
  const again = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  t.deepEqual(again.bounds(), { firstDecree: 1n, lastDecree: 26n });
  t.deepEqual(await decrees(again), [...range(1, 25), '26:2']);
  t.is(again.openReport.droppedTail, undefined);
  t.is(again.openReport.segments, 4);
  t.is(again.openReport.records, 32);
  t.deepEqual(await segmentFiles(directory), ['log.1.1', 'log.2.11', 'log.3.21', 'log.4.31']);
});

withLog('a torn last block is cut off at the last good block, reported, and never replayed', async (t, directory, open) => {
  const store = await open();
  await appendEach(store, 1, 5);
  await store.close();
  const [file] = await segmentFiles(directory);
  const path = join(directory, file!);
  const size = (await stat(path)).size;
  await truncate(path, size - 3);
  const again = await open();
  t.like(again.openReport.droppedTail, { file: path, offset: size - BLOCK_BYTES, bytesDropped: BLOCK_BYTES - 3 });
  t.regex(again.openReport.droppedTail?.reason ?? '', /cut short/);
  t.deepEqual(again.bounds(), { firstDecree: 1n, lastDecree: 4n });
  t.deepEqual(await decrees(again), range(1, 4));
  t.is((await stat(path)).size, size - BLOCK_BYTES);
  await again.append([record(5, 2)]);
  await again.close();
  const third = await open();
  t.is(third.openReport.droppedTail, undefined);
  t.deepEqual(await decrees(third), [...range(1, 4), '5:2']);
});

withLog('a corrupted byte in the last block fails its checksum and the block is dropped', async (t, directory, open) => {
  const store = await open();
  await appendEach(store, 1, 5);
  await store.close();
  const path = join(directory, (await segmentFiles(directory))[0]!);
  const size = (await stat(path)).size;
  await flipByte(path, size - 50);
  const again = await open();
  t.like(again.openReport.droppedTail, { offset: size - BLOCK_BYTES, bytesDropped: BLOCK_BYTES, reason: 'block checksum mismatch' });
  t.deepEqual(await decrees(again), range(1, 4));
});

withLog('a corrupted length in the last segment cuts it there, dropping the blocks after it', async (t, directory, open) => {
  const store = await open();
  await appendEach(store, 1, 5);
  await store.close();
  const path = join(directory, (await segmentFiles(directory))[0]!);
  await flipByte(path, 32 + 2 * BLOCK_BYTES + 5);
  const again = await open();
  t.like(again.openReport.droppedTail, { offset: 32 + 2 * BLOCK_BYTES, bytesDropped: 3 * BLOCK_BYTES });
  t.deepEqual(await decrees(again), range(1, 2));
});

withLog('a corrupted byte in a middle segment refuses to open and leaves the files as they were', async (t, directory, open) => {
  const store = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 30);
  await store.close();
  const files = await segmentFiles(directory);
  const middle = join(directory, files[1]!);
  await flipByte(middle, 32 + 4 * BLOCK_BYTES + 60);
  const sizes = await Promise.all(files.map(async (name) => (await stat(join(directory, name))).size));
  const error = await t.throwsAsync(open({ segmentBytesMax: TEN_RECORD_SEGMENT }), { instanceOf: LogStoreError });
  t.is(error?.code, 'ERR_CORRUPTION');
  t.false(error?.retriable);
  t.regex(error?.message ?? '', /log\.2\.11: block checksum mismatch at offset 580; later segments exist/);
  t.deepEqual(await Promise.all(files.map(async (name) => (await stat(join(directory, name))).size)), sizes);
});

withLog('a missing middle segment, a bad middle header or another partition\'s files refuse to open', async (t, directory, open) => {
  const store = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 30);
  await store.close();
  const files = await segmentFiles(directory);
  const other = await open({ directory: join(directory, '..', 'other'), gpid: { appId: 9, partitionIndex: 1 } });
  await other.close();
  await copyFile(join(directory, '..', 'other', 'log.1.1'), join(directory, '..', 'foreign'));

  const saved = await readFile(join(directory, files[1]!));
  await writeFile(join(directory, files[1]!), Buffer.from('not a header'));
  const badHeader = await t.throwsAsync(open(), { instanceOf: LogStoreError });
  t.regex(badHeader?.message ?? '', /log\.2\.11: segment header cut short/);
  await (await import('node:fs/promises')).rm(join(directory, files[1]!));
  const missing = await t.throwsAsync(open(), { instanceOf: LogStoreError });
  t.is(missing?.code, 'ERR_CORRUPTION');
  t.regex(missing?.message ?? '', /segment 2 is missing/);
  await writeFile(join(directory, files[1]!), saved);

  await copyFile(join(directory, '..', 'foreign'), join(directory, files[0]!));
  const foreign = await t.throwsAsync(open(), { instanceOf: LogStoreError });
  t.regex(foreign?.message ?? '', /belongs to partition 9\.1, not 3\.5/);
});

withLog('a segment whose creation was cut short is removed and the log goes on', async (t, directory, open) => {
  const store = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 10);
  await store.close();
  await writeFile(join(directory, 'log.2.11'), Buffer.from([0x50, 0x4c]));
  const again = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  t.like(again.openReport.droppedTail, { file: join(directory, 'log.2.11'), offset: 0, bytesDropped: 2 });
  t.deepEqual(again.bounds(), { firstDecree: 1n, lastDecree: 10n });
  await appendEach(again, 11, 12);
  t.deepEqual(await segmentFiles(directory), ['log.1.1', 'log.2.11']);
  t.deepEqual(await decrees(again), range(1, 12));
});

withLog('a reset cut short by a crash is finished on open: segments before it are obsolete', async (t, directory, open) => {
  const store = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 25);
  const aside = join(directory, '..', 'aside');
  await mkdir(aside);
  const before = await segmentFiles(directory);
  for (const name of before) await copyFile(join(directory, name), join(aside, name));
  await store.reset(100n);
  await store.append([record(101, 7)]);
  t.deepEqual(await segmentFiles(directory), ['log.4.101']);
  await store.close();
  for (const name of before) await copyFile(join(aside, name), join(directory, name));
  const again = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  t.is(again.openReport.obsoleteSegmentsRemoved, 3);
  t.deepEqual(again.bounds(), { firstDecree: 101n, lastDecree: 101n });
  t.deepEqual(await decrees(again), ['101:7']);
  t.deepEqual(await segmentFiles(directory), ['log.4.101']);
});

withLog('collection removes only whole segments whose every decree is at or below the bound', async (t, directory, open) => {
  const store = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 35);
  t.deepEqual(await segmentFiles(directory), ['log.1.1', 'log.2.11', 'log.3.21', 'log.4.31']);
  const first = await store.gcThrough(25n);
  t.like(first, { segmentsRemoved: 2, bytesRemoved: 2 * TEN_RECORD_SEGMENT, bounds: { firstDecree: 21n, lastDecree: 35n } });
  t.deepEqual(await segmentFiles(directory), ['log.3.21', 'log.4.31']);
  t.is((await store.gcThrough(29n)).segmentsRemoved, 0);
  t.is((await store.gcThrough(30n)).segmentsRemoved, 1);
  t.is((await store.gcThrough(1000n)).segmentsRemoved, 0, 'the segment being written stays');
  t.deepEqual(store.bounds(), { firstDecree: 31n, lastDecree: 35n });
  t.deepEqual(await decrees(store), range(31, 35));
  await store.close();
  const again = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  t.deepEqual(again.bounds(), { firstDecree: 31n, lastDecree: 35n });
  t.deepEqual(await decrees(again), range(31, 35));
});

withLog('a segment that a rewrite made obsolete waits for its own bound; a read in progress holds its segments', async (t, directory, open) => {
  const store = await open({ segmentBytesMax: TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 10);
  await appendEach(store, 5, 14, 2); // segment 2 rewrites 5..10 under ballot 2
  await appendEach(store, 15, 25, 2);
  t.is((await store.gcThrough(9n)).segmentsRemoved, 0, 'segment 1 still holds decree 10');
  const reading = store.read({ fromDecree: 1n, toDecree: 25n });
  const collecting = store.gcThrough(20n);
  const [batch, held] = await Promise.all([reading, collecting]);
  t.is(batch.records.length, 25);
  t.deepEqual(batch.records.slice(3, 6).map((r) => `${r.decree}:${r.ballot}`), ['4:1', '5:2', '6:2']);
  t.is(held.segmentsRemoved, 0);
  t.is((await store.gcThrough(20n)).segmentsRemoved, 2);
  t.deepEqual(store.bounds(), { firstDecree: 15n, lastDecree: 25n });
  t.deepEqual(await decrees(store), range(15, 25, 2));
});

withLog('group commit: appends issued while a sync is in flight share one write and one sync', async (t, _directory, open) => {
  const store = await open({ fsync: 'always' });
  const start = store.stats();
  await Promise.all(Array.from({ length: 64 }, (_, i) => store.append([record(i + 1)])));
  const grouped = store.stats();
  t.is(grouped.appends - start.appends, 64);
  t.true(grouped.writes - start.writes <= 2, `64 concurrent appends took ${grouped.writes - start.writes} writes`);
  t.true(grouped.syncs - start.syncs <= 2, `64 concurrent appends took ${grouped.syncs - start.syncs} syncs`);
  await appendEach(store, 65, 72);
  const sequential = store.stats();
  t.is(sequential.syncs - grouped.syncs, 8, 'one awaited append, one sync');
  t.deepEqual(await decrees(store), range(1, 72));
});

withLog('fsync never writes without syncing, except when a segment is closed', async (t, _directory, open) => {
  const store = await open({ fsync: 'never', segmentBytesMax: TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 10);
  t.is(store.stats().syncs, 0);
  t.is(store.stats().writes, 10);
  await appendEach(store, 11, 11);
  t.is(store.stats().syncs, 3, 'the closed segment, the new one and the directory');
});

withLog('records of 1 MiB go through writes, reopening and reads intact', async (t, _directory, open) => {
  const store = await open({ segmentBytesMax: 3 << 20 });
  const body = (decree: number) => new Uint8Array(1 << 20).map((_, i) => (i * 31 + decree) % 256);
  await Promise.all([1, 2, 3, 4, 5].map((decree) => store.append([{ ballot: 1n, decree: BigInt(decree), body: body(decree) }])));
  await store.close();
  const again = await open({ segmentBytesMax: 3 << 20 });
  t.is(again.openReport.droppedTail, undefined);
  const all = [];
  let next: bigint | undefined = 1n;
  while (next !== undefined) {
    const batch = await again.read({ fromDecree: next, toDecree: 5n, bytesMax: 2 << 20 });
    all.push(...batch.records);
    next = batch.nextDecree;
  }
  t.is(all.length, 5);
  for (const r of all) t.true(Buffer.from(r.body).equals(body(Number(r.decree))), `body of ${r.decree}`);
});

withLog('after a failed write the log refuses all further work with the same error', async (t, _directory, open) => {
  const store = await open();
  await appendEach(store, 1, 2);
  // Pull the file away from under the log, as a failing disk would.
  await (store as unknown as { handle: { close(): Promise<void> } }).handle.close();
  const failed = await t.throwsAsync(store.append([record(3)]), { instanceOf: LogStoreError });
  t.is(failed?.code, 'ERR_FILE_OPERATION_FAILED');
  const after = await t.throwsAsync(store.append([record(3)]), { instanceOf: LogStoreError });
  t.is(after, failed);
  await t.throwsAsync(store.read({ fromDecree: 1n, toDecree: 2n }), { is: failed });
  t.deepEqual(store.bounds(), { firstDecree: 1n, lastDecree: 2n });
});

withLog('appends beyond the queue bound are refused as retriable and change nothing', async (t, _directory, open) => {
  const store = await open({ fsync: 'never' });
  const small = (decree: number): LogRecord => ({ ballot: 1n, decree: BigInt(decree), body: new Uint8Array(1) });
  const queued = Array.from({ length: LOG_PENDING_APPENDS_MAX }, (_, i) => store.append([small(i + 1)]));
  const refused = await t.throwsAsync(store.append([small(LOG_PENDING_APPENDS_MAX + 1)]), { instanceOf: LogStoreError });
  t.is(refused?.code, 'ERR_CAPACITY_EXCEEDED');
  t.true(refused?.retriable);
  await Promise.all(queued);
  t.is(store.bounds().lastDecree, BigInt(LOG_PENDING_APPENDS_MAX));
  await store.append([small(LOG_PENDING_APPENDS_MAX + 1)]);
  t.is(store.bounds().lastDecree, BigInt(LOG_PENDING_APPENDS_MAX + 1));
});

withLog('any single damaged byte or cut anywhere in the last segment leaves a verified prefix of what was written', async (t, directory, open) => {
  const store = await open({ blockBytesTarget: 300 });
  for (let decree = 1; decree <= 40; decree += 4) {
    await Promise.all([0, 1, 2, 3].map((i) => store.append([record(decree + i)])));
  }
  await store.close();
  const path = join(directory, (await segmentFiles(directory))[0]!);
  const pristine = await readFile(path);
  const random = new SeededRandom(77);
  for (let trial = 0; trial < 60; trial++) {
    const damaged = Buffer.from(pristine);
    const offset = random.int(damaged.length);
    const cut = trial % 3 === 0;
    if (!cut) damaged[offset] = (damaged[offset] ?? 0) ^ (1 + random.int(255));
    await writeFile(path, cut ? damaged.subarray(0, offset) : damaged);
    const again = await open({ blockBytesTarget: 300 });
    const kept = await decrees(again);
    const { lastDecree } = again.bounds();
    t.deepEqual(kept, range(1, Number(lastDecree)), `trial ${trial}: ${cut ? 'cut' : 'byte'} at ${offset}`);
    t.true(lastDecree < 40n, `trial ${trial}: damage at ${offset} is noticed`);
    t.not(again.openReport.droppedTail, undefined);
    await again.close();
    await writeFile(path, pristine);
  }
});

withLog('a collection reserve keeps the newest collectable segments up to its size for learners', async (t, directory, open) => {
  const store = await open({ segmentBytesMax: TEN_RECORD_SEGMENT, gcReserveBytes: 2 * TEN_RECORD_SEGMENT });
  await appendEach(store, 1, 45);
  t.is((await store.gcThrough(40n)).segmentsRemoved, 2, 'four segments collectable, two kept as reserve');
  t.deepEqual(await segmentFiles(directory), ['log.3.21', 'log.4.31', 'log.5.41']);
  t.deepEqual(store.bounds(), { firstDecree: 21n, lastDecree: 45n });
  t.is((await store.gcThrough(40n)).segmentsRemoved, 0);
});
