// Proves get_scanner / scan / clear_scanner: composite bounds with inclusive flags, batches capped
// by SCAN_BATCH_COUNT_MAX, a new context id per batch with the old one answering 1, hash and sort
// key filters, validate_partition_hash by the CRC-64 mask, only_return_count, return_expire_ts,
// no_value, snapshot reads, idle expiry and LRU eviction by the injected clock, and that every
// engine iterator a scan opens is closed again; bookkeeping keys are never returned.
import test from 'ava';
import { ManualClock } from '../../../../common/clock.ts';
import { crc64 } from '../../../../common/crc64.ts';
import { SCAN_BATCH_COUNT_MAX, SCAN_CONTEXT_IDLE_MS } from '../../../../common/limits.ts';
import type { IteratorOptions, KvEngine, KvIterator } from '../../../../cluster/storage/engine.ts';
import { decodeKey, encodeKey, hashKeyStop } from '../../../../cluster/storage/key-schema.ts';
import { Partition } from '../../../../cluster/storage/partition.ts';
import { FilterType } from '../../../../cluster/storage/requests.ts';
import type { GetScannerRequest } from '../../../../cluster/storage/requests.ts';
import type { ScanResponse } from '../../../../cluster/storage/responses.ts';
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { engineFactories } from '../../../support/engines.ts';
import { engineTest, getScanner, multiPut, put, text, utf8 } from '../../../support/partition-harness.ts';
import type { Harness } from '../../../support/partition-harness.ts';

const named = (response: ScanResponse): string[] => response.kvs.map((kv) => {
  const decoded = decodeKey(kv.key)!;
  return `${text(decoded.hashKey)}:${text(decoded.sortKey)}`;
});

/** Runs a scan to the end, returning every batch. */
async function scanAll(h: Harness, request: Parameters<typeof getScanner>[0] = {}): Promise<ScanResponse[]> {
  const batches = [await h.partition.getScanner(getScanner(request))];
  while (batches.at(-1)!.contextId >= 0n) {
    batches.push(await h.partition.scan({ kind: 'scan', contextId: batches.at(-1)!.contextId }));
  }
  return batches;
}

async function seed(h: Harness): Promise<void> {
  await h.apply(multiPut('a', { '1': 'a1', '2': 'a2', '3': 'a3' }), multiPut('bb', { '1': 'b1' }), multiPut('ab', { x: 'abx' }), put('a', 'gone', 'x', h.now() + 1));
  h.clock.advance(1_000);
}

engineTest('a full scan returns composite keys in key order and completes with -1', async (t, h) => {
  await seed(h);
  const batches = await scanAll(h);
  t.is(batches.length, 1);
  t.is(batches[0]!.error, StorageStatus.ok);
  t.is(batches[0]!.contextId, -1n);
  t.deepEqual(named(batches[0]!), ['a:1', 'a:2', 'a:3', 'ab:x', 'bb:1']);
  t.deepEqual(batches[0]!.kvs.map((kv) => text(kv.value)), ['a1', 'a2', 'a3', 'abx', 'b1']);
});

engineTest('batches get a new context id each, and a used id answers 1', async (t, h) => {
  await seed(h);
  const first = await h.partition.getScanner(getScanner({ batchSize: 2 }));
  t.deepEqual(named(first), ['a:1', 'a:2']);
  t.true(first.contextId >= 0n);
  const second = await h.partition.scan({ kind: 'scan', contextId: first.contextId });
  t.deepEqual(named(second), ['a:3', 'ab:x']);
  t.not(second.contextId, first.contextId);
  const reused = await h.partition.scan({ kind: 'scan', contextId: first.contextId });
  t.is(reused.error, StorageStatus.notFound);
  t.regex(reused.message ?? '', /scan context \d+ not found/);
  const third = await h.partition.scan({ kind: 'scan', contextId: second.contextId });
  t.deepEqual(named(third), ['bb:1']);
  t.is(third.contextId, -1n, 'the last batch knows it is the last');
  t.is(h.partition.scanContextCount, 0);
});

engineTest('a batch that ends exactly at the end completes at once', async (t, h) => {
  await seed(h);
  const first = await h.partition.getScanner(getScanner({ batchSize: 5 }));
  t.is(first.kvs.length, 5);
  t.is(first.contextId, -1n);
});

engineTest('batch size is capped by SCAN_BATCH_COUNT_MAX (and <= 0 means the cap)', async (t, h) => {
  const kvs: Record<string, string> = {};
  for (let i = 0; i < SCAN_BATCH_COUNT_MAX + 5; i++) kvs[String(i).padStart(5, '0')] = '';
  await h.applyOne(multiPut('h', kvs));
  for (const batchSize of [0, -1, SCAN_BATCH_COUNT_MAX * 3]) {
    const batches = await scanAll(h, { batchSize });
    t.deepEqual(batches.map((b) => b.kvs.length), [SCAN_BATCH_COUNT_MAX, 5]);
  }
});

engineTest('hash-key scan bounds with inclusive flags', async (t, h) => {
  await seed(h);
  const range = async (start: string, stop: string, startInclusive: boolean, stopInclusive: boolean) =>
    named((await scanAll(h, { startKey: encodeKey(utf8('a'), utf8(start)), stopKey: stop === '' ? hashKeyStop(utf8('a')) : encodeKey(utf8('a'), utf8(stop)), startInclusive, stopInclusive }))[0]!);
  t.deepEqual(await range('1', '3', true, false), ['a:1', 'a:2']);
  t.deepEqual(await range('1', '3', false, true), ['a:2', 'a:3']);
  t.deepEqual(await range('2', '2', true, true), ['a:2']);
  t.deepEqual(await range('2', '2', true, false), []);
  t.deepEqual(await range('3', '1', true, true), []);
  t.deepEqual(await range('', '', true, false), ['a:1', 'a:2', 'a:3']);
  const empty = (await scanAll(h, { startKey: encodeKey(utf8('a'), utf8('3')), stopKey: encodeKey(utf8('a'), utf8('1')) }))[0]!;
  t.deepEqual([empty.error, empty.contextId], [StorageStatus.ok, -1n]);
});

engineTest('hash and sort key filters', async (t, h) => {
  await seed(h);
  const scan = async (fields: Parameters<typeof getScanner>[0]) => (await scanAll(h, fields)).flatMap(named);
  t.deepEqual(await scan({ hashKeyFilterType: FilterType.matchPrefix, hashKeyFilterPattern: utf8('a') }), ['a:1', 'a:2', 'a:3', 'ab:x']);
  t.deepEqual(await scan({ hashKeyFilterType: FilterType.matchPrefix, hashKeyFilterPattern: utf8('ab') }), ['ab:x']);
  t.deepEqual(await scan({ hashKeyFilterType: FilterType.matchPostfix, hashKeyFilterPattern: utf8('b') }), ['ab:x', 'bb:1']);
  t.deepEqual(await scan({ hashKeyFilterType: FilterType.matchAnywhere, hashKeyFilterPattern: utf8('b') }), ['ab:x', 'bb:1']);
  t.deepEqual(await scan({ sortKeyFilterType: FilterType.matchAnywhere, sortKeyFilterPattern: utf8('1') }), ['a:1', 'bb:1']);
  t.deepEqual(await scan({ hashKeyFilterType: FilterType.matchPrefix, hashKeyFilterPattern: utf8('a'), sortKeyFilterType: FilterType.matchPrefix, sortKeyFilterPattern: utf8('x') }), ['ab:x']);
  t.deepEqual(await scan({ sortKeyFilterType: FilterType.matchPrefix, sortKeyFilterPattern: utf8('3'), batchSize: 1 }), ['a:3']);
});

engineTest('no_value, return_expire_ts and only_return_count', async (t, h) => {
  await seed(h);
  await h.applyOne(put('c', 'ttl', 'v', h.now() + 77));
  const noValue = (await scanAll(h, { noValue: true }))[0]!;
  t.true(noValue.kvs.every((kv) => kv.value.length === 0 && kv.expireTsSeconds === undefined));
  const withExpiry = (await scanAll(h, { returnExpireTs: true }))[0]!;
  t.deepEqual(withExpiry.kvs.map((kv) => kv.expireTsSeconds), [0, 0, 0, h.now() + 77, 0, 0], 'c:ttl sorts before ab:x: shorter hash keys first');
  const counted = await scanAll(h, { onlyReturnCount: true, batchSize: 4 });
  t.deepEqual(counted.map((b) => [b.kvs.length, b.kvCount]), [[0, 4], [0, 2]]);
  t.is(noValue.kvCount, undefined);
});

engineTest('a scan reads the snapshot of its get_scanner', async (t, h) => {
  await seed(h);
  const first = await h.partition.getScanner(getScanner({ batchSize: 1 }));
  await h.apply(put('a', '2', 'changed'), put('zz', 'new', 'v'), { kind: 'remove', key: encodeKey(utf8('bb'), utf8('1')) });
  let response = first;
  const values = [...first.kvs];
  while (response.contextId >= 0n) {
    response = await h.partition.scan({ kind: 'scan', contextId: response.contextId });
    values.push(...response.kvs);
  }
  t.deepEqual(values.map((kv) => text(kv.value)), ['a1', 'a2', 'a3', 'abx', 'b1']);
});

engineTest('records expiring between batches are skipped by the later batch', async (t, h) => {
  await h.applyOne(multiPut('h', { a: '1', b: '2' }, h.now() + 10));
  const first = await h.partition.getScanner(getScanner({ batchSize: 1 }));
  t.is(first.kvs.length, 1);
  h.clock.advance(10_000);
  const second = await h.partition.scan({ kind: 'scan', contextId: first.contextId });
  t.deepEqual([second.error, second.kvs.length, second.contextId], [StorageStatus.ok, 0, -1n]);
});

engineTest('validate_partition_hash keeps only keys whose crc64 & (count-1) is this partition', async (t, h) => {
  const hashKeys = ['a', 'hello', 'user1', '123456789', 'x', 'y', 'z'];
  await h.apply(...hashKeys.map((hashKey) => put(hashKey, 's', hashKey)));
  await h.apply(put('', 'sort-routed', 'empty'));
  const mine = (hashKey: string) => (crc64(utf8(hashKey)) & 7n) === 4n;
  const expected = [...hashKeys.filter(mine), ...(mine('sort-routed') ? ['empty'] : [])].sort();
  const validated = (await scanAll(h)).flatMap((b) => b.kvs.map((kv) => text(kv.value))).sort();
  t.deepEqual(validated, expected);
  t.true(validated.includes('a'), '"a" routes to 4 of 8 (reference test vector)');
  const unvalidated = (await scanAll(h, { validatePartitionHash: false })).flatMap((b) => b.kvs).length;
  t.is(unvalidated, hashKeys.length + 1);
  h.partition.setPartitionCount(16);
  t.deepEqual((await scanAll(h)).flatMap((b) => b.kvs.map((kv) => text(kv.value))), [], '"a" moves to 12 of 16');
}, { partitionIndex: 4, partitionCount: 8 });

engineTest('bookkeeping keys are never returned, whatever the stop key', async (t, h) => {
  await seed(h);
  const all = await scanAll(h, { stopKey: Uint8Array.of(0xff, 0xff, 0xff, 0xff), stopInclusive: true });
  t.deepEqual(all.flatMap(named), ['a:1', 'a:2', 'a:3', 'ab:x', 'bb:1']);
  const inside = await scanAll(h, { startKey: Uint8Array.of(0xff, 0xff), stopKey: Uint8Array.of(0xff, 0xff, 0xff), stopInclusive: true });
  t.deepEqual([inside[0]!.error, inside[0]!.kvs.length, inside[0]!.contextId], [StorageStatus.ok, 0, -1n]);
});

engineTest('bad filter types answer 4', async (t, h) => {
  const hashBad = await h.partition.getScanner(getScanner({ hashKeyFilterType: 7 }));
  t.deepEqual([hashBad.error, hashBad.message], [StorageStatus.invalidArgument, 'hash key filter type 7 is not supported; filter_type is 0..3']);
  const sortBad = await h.partition.getScanner(getScanner({ sortKeyFilterType: -1 }));
  t.is(sortBad.error, StorageStatus.invalidArgument);
  t.is(h.partition.scanContextCount, 0);
});

engineTest('an idle context expires after SCAN_CONTEXT_IDLE_MS by the injected clock', async (t, h) => {
  await seed(h);
  const first = await h.partition.getScanner(getScanner({ batchSize: 1 }));
  h.clock.advance(SCAN_CONTEXT_IDLE_MS - 1);
  const second = await h.partition.scan({ kind: 'scan', contextId: first.contextId });
  t.is(second.error, StorageStatus.ok);
  h.clock.advance(SCAN_CONTEXT_IDLE_MS);
  t.is(await h.partition.sweepScanContexts(), 1);
  t.is((await h.partition.scan({ kind: 'scan', contextId: second.contextId })).error, StorageStatus.notFound);
});

engineTest('beyond the context limit the least recently used is evicted', async (t, h) => {
  await seed(h);
  const a = await h.partition.getScanner(getScanner({ batchSize: 1 }));
  const b = await h.partition.getScanner(getScanner({ batchSize: 1 }));
  const aNext = await h.partition.scan({ kind: 'scan', contextId: a.contextId });
  const c = await h.partition.getScanner(getScanner({ batchSize: 1 }));
  t.is(h.partition.scanContextCount, 2);
  t.is((await h.partition.scan({ kind: 'scan', contextId: b.contextId })).error, StorageStatus.notFound, 'b was least recently used');
  t.is((await h.partition.scan({ kind: 'scan', contextId: aNext.contextId })).error, StorageStatus.ok);
  t.is((await h.partition.scan({ kind: 'scan', contextId: c.contextId })).error, StorageStatus.ok);
}, { scanContextsMax: 2 });

engineTest('clear_scanner drops the context; unknown ids are ignored', async (t, h) => {
  await seed(h);
  const first = await h.partition.getScanner(getScanner({ batchSize: 1 }));
  await h.partition.clearScanner({ kind: 'clear_scanner', contextId: first.contextId });
  await h.partition.clearScanner({ kind: 'clear_scanner', contextId: 12345n });
  t.is(h.partition.scanContextCount, 0);
  t.is((await h.partition.scan({ kind: 'scan', contextId: first.contextId })).error, StorageStatus.notFound);
});

/** Counts the iterators open on an engine. */
class IteratorCountingEngine implements KvEngine {
  open = 0;
  constructor(private readonly inner: KvEngine) {}
  get(key: Uint8Array) { return this.inner.get(key); }
  getMany(keys: readonly Uint8Array[]) { return this.inner.getMany(keys); }
  write(...args: Parameters<KvEngine['write']>) { return this.inner.write(...args); }
  close() { return this.inner.close(); }
  iterator(options?: IteratorOptions): KvIterator {
    const inner = this.inner.iterator(options);
    this.open++;
    let closed = false;
    return {
      next: () => inner.next(),
      nextBatch: (max) => inner.nextBatch(max),
      close: async () => {
        if (!closed) this.open--;
        closed = true;
        await inner.close();
      },
    };
  }
}

for (const factory of engineFactories) {
  test(`${factory.name}: every scan iterator is closed on completion, clear, eviction, expiry and close`, async (t) => {
    const { engine, cleanup } = await factory.open();
    const counting = new IteratorCountingEngine(engine);
    const clock = new ManualClock();
    const partition = await Partition.open(counting, { clock, scanContextsMax: 2 });
    const request = (batchSize: number): GetScannerRequest => getScanner({ batchSize });
    await partition.applyMutation({ decree: 1n, timestampUs: BigInt(clock.nowMs()) * 1000n, requests: [multiPut('h', { a: '1', b: '2', c: '3' })] });
    await partition.getScanner(request(10));
    t.is(counting.open, 0, 'completed in one batch');
    const cleared = await partition.getScanner(request(1));
    await partition.clearScanner({ kind: 'clear_scanner', contextId: cleared.contextId });
    t.is(counting.open, 0, 'cleared');
    await partition.getScanner(request(1));
    await partition.getScanner(request(1));
    await partition.getScanner(request(1));
    t.is(counting.open, 2, 'the third evicted the first');
    clock.advance(SCAN_CONTEXT_IDLE_MS);
    await partition.sweepScanContexts();
    t.is(counting.open, 0, 'expired');
    await partition.getScanner(request(1));
    const inFlight = await partition.getScanner(request(1));
    const racing = partition.scan({ kind: 'scan', contextId: inFlight.contextId });
    await partition.close();
    t.is((await racing).error, 1, 'a batch racing close answers not found');
    t.is(counting.open, 0, 'closed with the partition, including the context taken by the racing batch');
    await cleanup();
  });
}

engineTest('context ids of partitions opened at different times do not collide', async (t, h) => {
  await seed(h);
  const first = await h.partition.getScanner(getScanner({ batchSize: 1 }));
  t.true(first.contextId >= BigInt(h.clock.nowMs() - 1_000) * 1000n, 'seeded from the clock at open (seed advanced it 1 s)');
  const later = await Partition.open(h.engine, { clock: new ManualClock(h.clock.nowMs() + 1) });
  t.is((await later.scan({ kind: 'scan', contextId: first.contextId })).error, StorageStatus.notFound);
  const other = await later.getScanner(getScanner({ batchSize: 1 }));
  t.not(other.contextId, first.contextId);
  await later.close();
});
