// Proves every LogStore implementation keeps the same contract (append order, last written wins
// per decree, tail truncation, bounded range reads that page through everything, collection,
// reset, refusals, close) by running one suite against each entry of logStoreFactories, including
// a seeded comparison of random operations with a plain map.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import type { LogErrorCode, LogRecord, LogStore } from '../../cluster/replica/log-store.ts';
import { LogStoreError } from '../../cluster/replica/log-store.ts';
import { LOG_READ_RECORDS_MAX, LOG_RECORD_BODY_BYTES_MAX } from '../../common/limits.ts';
import { SeededRandom } from '../../common/random.ts';
import { logStoreFactories } from '../support/log-stores.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const record = (decree: number, ballot = 1, body = `m${decree}b${ballot}`): LogRecord =>
  ({ ballot: BigInt(ballot), decree: BigInt(decree), body: new TextEncoder().encode(body) });
const span = (from: number, to: number, ballot = 1) => Array.from({ length: to - from + 1 }, (_, i) => record(from + i, ballot));
const show = (records: readonly LogRecord[]) => records.map((r) => `${r.decree}:${r.ballot}:${text(r.body)}`);

async function readAll(store: LogStore, from: bigint, to: bigint, page: { recordsMax?: number; bytesMax?: number } = {}): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let next: bigint | undefined = from;
  for (let calls = 0; next !== undefined; calls++) {
    if (calls > 10_000) throw new Error('paging does not end');
    const batch = await store.read({ fromDecree: next, toDecree: to, ...page });
    out.push(...batch.records);
    next = batch.nextDecree;
  }
  return out;
}

async function rejectsWith(t: ExecutionContext, promise: Promise<unknown>, code: LogErrorCode): Promise<void> {
  const error = await t.throwsAsync(promise, { instanceOf: LogStoreError });
  t.is(error?.code, code);
}

for (const factory of logStoreFactories) {
  const it = (title: string, body: (t: ExecutionContext, store: LogStore) => Promise<void>) => {
    test(`${factory.name}: ${title}`, async (t) => {
      const { store, cleanup } = await factory.open();
      try {
        await body(t, store);
      } finally {
        await cleanup();
      }
    });
  };

  it('a fresh log is empty and starts at decree 1', async (t, store) => {
    t.deepEqual(store.bounds(), { firstDecree: 1n, lastDecree: 0n });
    t.deepEqual(await store.read({ fromDecree: 1n, toDecree: 100n }), { records: [], nextDecree: undefined });
  });

  it('records come back in decree order with their ballots and bodies, empty bodies included', async (t, store) => {
    await store.append(span(1, 5));
    await store.append([{ ballot: 1n, decree: 6n, body: new Uint8Array(0) }, record(7)]);
    t.deepEqual(store.bounds(), { firstDecree: 1n, lastDecree: 7n });
    const all = await readAll(store, 1n, 100n);
    t.deepEqual(show(all), [...show(span(1, 5)), '6:1:', '7:1:m7b1']);
    t.true(all.every((r) => r.body instanceof Uint8Array));
    t.deepEqual(show((await store.read({ fromDecree: 3n, toDecree: 4n })).records), ['3:1:m3b1', '4:1:m4b1']);
  });

  it('the record written last wins for its decree, across calls and within one', async (t, store) => {
    await store.append(span(1, 4));
    await store.append([record(3, 2), record(4, 2), record(4, 3, 'again')]);
    t.deepEqual(show(await readAll(store, 1n, 4n)), ['1:1:m1b1', '2:1:m2b1', '3:2:m3b2', '4:3:again']);
  });

  it('truncation drops what was logged above its decree, and later appends count again', async (t, store) => {
    await store.append(span(1, 10));
    await store.truncateAfter(6n);
    t.is(store.bounds().lastDecree, 6n);
    t.deepEqual(show(await readAll(store, 1n, 10n)), show(span(1, 6)));
    await store.append([record(7, 2), record(8, 2)]);
    t.deepEqual(store.bounds(), { firstDecree: 1n, lastDecree: 8n });
    t.deepEqual(show(await readAll(store, 6n, 10n)), ['6:1:m6b1', '7:2:m7b2', '8:2:m8b2']);
    await store.truncateAfter(100n);
    t.is(store.bounds().lastDecree, 8n);
    await store.truncateAfter(0n);
    t.deepEqual(store.bounds(), { firstDecree: 1n, lastDecree: 0n });
    t.deepEqual(await readAll(store, 1n, 10n), []);
  });

  it('reads are bounded by records and bytes and page through everything exactly once', async (t, store) => {
    await store.append(span(1, 50));
    const first = await store.read({ fromDecree: 1n, toDecree: 50n, recordsMax: 7 });
    t.is(first.records.length, 7);
    t.is(first.nextDecree, 8n);
    t.deepEqual(show(await readAll(store, 1n, 50n, { recordsMax: 7 })), show(span(1, 50)));
    t.deepEqual(show(await readAll(store, 5n, 45n, { bytesMax: 20 })), show(span(5, 45)));
    const last = await store.read({ fromDecree: 45n, toDecree: 1000n, recordsMax: 6 });
    t.is(last.records.length, 6);
    t.is(last.nextDecree, undefined);
  });

  it('a record larger than the byte bound still comes alone, and bodies up to the limit survive', async (t, store) => {
    const big = new Uint8Array(1 << 20).map((_, i) => i % 251);
    const largest = new Uint8Array(LOG_RECORD_BODY_BYTES_MAX).fill(7);
    await Promise.all([
      store.append([{ ballot: 1n, decree: 1n, body: big }]),
      store.append([{ ballot: 1n, decree: 2n, body: largest }, record(3)]),
    ]);
    const batch = await store.read({ fromDecree: 1n, toDecree: 3n, bytesMax: 1000 });
    t.is(batch.records.length, 1);
    t.is(batch.nextDecree, 2n);
    t.true(Buffer.from(batch.records[0]!.body).equals(big));
    const rest = await readAll(store, 2n, 3n);
    t.is(rest[0]?.body.length, LOG_RECORD_BODY_BYTES_MAX);
    t.true(rest[0]?.body.every((b) => b === 7));
    t.is(text(rest[1]!.body), 'm3b1');
  });

  it('bad appends and reads are refused and change nothing', async (t, store) => {
    await store.append(span(1, 3));
    await rejectsWith(t, store.append([record(4), { ballot: 1n, decree: 5n, body: new Uint8Array(LOG_RECORD_BODY_BYTES_MAX + 1) }]), 'ERR_INVALID_PARAMETERS');
    await rejectsWith(t, store.append([{ ballot: -1n, decree: 4n, body: new Uint8Array(1) }]), 'ERR_INVALID_PARAMETERS');
    await rejectsWith(t, store.read({ fromDecree: 1n, toDecree: 3n, recordsMax: LOG_READ_RECORDS_MAX + 1 }), 'ERR_INVALID_PARAMETERS');
    await rejectsWith(t, store.read({ fromDecree: 1n, toDecree: 3n, recordsMax: 0 }), 'ERR_INVALID_PARAMETERS');
    await rejectsWith(t, store.read({ fromDecree: 0n, toDecree: 3n }), 'ERR_OBJECT_NOT_FOUND');
    await rejectsWith(t, store.truncateAfter(-1n), 'ERR_INVALID_PARAMETERS');
    t.deepEqual(store.bounds(), { firstDecree: 1n, lastDecree: 3n });
    t.deepEqual(show(await readAll(store, 1n, 10n)), show(span(1, 3)));
  });

  it('collection keeps every decree above its bound and says where the log now starts', async (t, store) => {
    for (let decree = 1; decree <= 60; decree += 5) await store.append(span(decree, decree + 4));
    const result = await store.gcThrough(30n);
    const { firstDecree, lastDecree } = store.bounds();
    t.deepEqual(result.bounds, store.bounds());
    t.true(firstDecree >= 1n && firstDecree <= 31n);
    t.is(lastDecree, 60n);
    t.deepEqual(show(await readAll(store, firstDecree, 60n)), show(span(Number(firstDecree), 60)));
    if (firstDecree > 1n) await rejectsWith(t, store.read({ fromDecree: firstDecree - 1n, toDecree: 60n }), 'ERR_OBJECT_NOT_FOUND');
    await store.append(span(61, 62));
    await store.gcThrough(1000n);
    const after = store.bounds();
    t.is(after.lastDecree, 62n);
    t.true(after.firstDecree <= 63n);
    t.deepEqual(show(await readAll(store, after.firstDecree, 100n)), show(span(Number(after.firstDecree), 62)));
    await rejectsWith(t, store.append([record(Number(after.firstDecree) - 1)]), 'ERR_INVALID_PARAMETERS');
  });

  it('reset empties the log, which then starts after the given decree', async (t, store) => {
    await store.append(span(1, 20));
    await store.reset(100n);
    t.deepEqual(store.bounds(), { firstDecree: 101n, lastDecree: 100n });
    t.deepEqual(await store.read({ fromDecree: 101n, toDecree: 200n }), { records: [], nextDecree: undefined });
    await rejectsWith(t, store.append([record(100)]), 'ERR_INVALID_PARAMETERS');
    await store.append(span(101, 103, 4));
    t.deepEqual(show(await readAll(store, 101n, 200n)), show(span(101, 103, 4)));
    await store.reset(5n);
    t.deepEqual(store.bounds(), { firstDecree: 6n, lastDecree: 5n });
  });

  it('appends issued together without waiting are kept in call order', async (t, store) => {
    const calls: Promise<void>[] = [];
    for (let decree = 1; decree <= 100; decree++) calls.push(store.append([record(decree)]));
    calls.push(store.append([record(50, 2)]));
    calls.push(store.truncateAfter(90n));
    calls.push(store.append([record(91, 3)]));
    await Promise.all(calls);
    const expected = show(span(1, 91)).map((line) => (line.startsWith('50:') ? '50:2:m50b2' : line.startsWith('91:') ? '91:3:m91b3' : line));
    t.deepEqual(show(await readAll(store, 1n, 200n)), expected);
    t.is(store.stats().appends >= 103, true);
  });

  it('a closed log refuses every call', async (t, store) => {
    await store.append(span(1, 2));
    await store.close();
    await rejectsWith(t, store.append([record(3)]), 'ERR_INVALID_STATE');
    await rejectsWith(t, store.read({ fromDecree: 1n, toDecree: 2n }), 'ERR_INVALID_STATE');
    await rejectsWith(t, store.close(), 'ERR_INVALID_STATE');
  });

  it('random appends, rewrites, truncations, collections and resets read back like a plain map', async (t, store) => {
    const random = new SeededRandom(20261122);
    const model = new Map<bigint, string>();
    let first = 1n;
    let last = 0n;
    let recordsCompared = 0;
    for (let step = 0; step < 300; step++) {
      const choice = random.int(100);
      if (choice < 60) {
        const count = 1 + random.int(5);
        const batch: LogRecord[] = [];
        for (let i = 0; i < count; i++) {
          // Mostly the next decree, sometimes a rewrite of one near the tail.
          const decree = random.int(4) === 0 && last >= first ? last - BigInt(random.int(3)) : last + 1n;
          const target = decree < first ? first : decree;
          const r = record(Number(target), step + 1, `s${step}`);
          batch.push(r);
          model.set(target, show([r])[0]!);
          if (target > last) last = target;
        }
        await store.append(batch);
      } else if (choice < 72) {
        const to = last - BigInt(random.int(6));
        await store.truncateAfter(to < 0n ? 0n : to);
        for (const key of [...model.keys()]) if (key > to) model.delete(key);
        if (to < last) last = to < first - 1n ? first - 1n : to;
      } else if (choice < 82) {
        const bound = last - BigInt(random.int(20));
        await store.gcThrough(bound < 0n ? 0n : bound);
        first = store.bounds().firstDecree;
      } else if (choice < 84) {
        const to = last + BigInt(random.int(10));
        await store.reset(to);
        model.clear();
        first = to + 1n;
        last = to;
      } else {
        const bounds = store.bounds();
        t.is(bounds.lastDecree, last, `last decree at step ${step}`);
        t.true(bounds.firstDecree >= first && bounds.firstDecree <= last + 1n, `first decree at step ${step}`);
        first = bounds.firstDecree;
        const from = first + BigInt(random.int(10));
        const got = await readAll(store, from, last + 3n, { recordsMax: 1 + random.int(9) });
        const expected = [...model.entries()].filter(([d]) => d >= from && d <= last).sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
        t.deepEqual(show(got), expected, `read from ${from} at step ${step}`);
        recordsCompared += got.length;
      }
    }
    t.true(recordsCompared > 100, `the reads compared ${recordsCompared} records`);
  });
}
