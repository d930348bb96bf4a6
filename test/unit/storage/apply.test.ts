// Proves the partition's write path contract: opening reads (or initialises) the bookkeeping, each
// mutation is exactly one engine write that includes its decree, a decree is applied once (a
// repeat changes nothing), decrees must be contiguous, requests in one mutation see each other,
// a refused request leaves the others applied, concurrent calls apply in order, and a failed
// engine write leaves both data and applied decree as they were.
import test from 'ava';
import { AssertionError } from '../../../common/assert.ts';
import { ManualClock } from '../../../common/clock.ts';
import { APPLIED_DECREE_KEY, DATA_VERSION_KEY, encodeDecree } from '../../../cluster/storage/bookkeeping.ts';
import type { KvEngine, WriteOp } from '../../../cluster/storage/engine.ts';
import { Partition } from '../../../cluster/storage/partition.ts';
import { decodeDataVersion, encodeDataVersion } from '../../../cluster/storage/data-version.ts';
import type { IncrResponse, MultiRemoveResponse, UpdateResponse } from '../../../cluster/storage/responses.ts';
import { StorageStatus } from '../../../cluster/storage/status.ts';
import { engineFactories } from '../../support/engines.ts';
import { engineTest, incr, key, multiPut, multiRemove, put, remove, text } from '../../support/partition-harness.ts';

engineTest('a fresh engine gets data version 1 and applied decree 0', async (t, h) => {
  t.is(h.partition.appliedDecree, 0n);
  t.is(h.partition.dataVersion, 1);
  t.is(decodeDataVersion((await h.engine.get(DATA_VERSION_KEY))!), 1);
});

for (const factory of engineFactories) {
  test(`${factory.name}: reopening reads the applied decree; bad bookkeeping refuses to open`, async (t) => {
    const { engine, cleanup } = await factory.open();
    const clock = new ManualClock();
    const first = await Partition.open(engine, { clock });
    await first.applyMutation({ decree: 1n, timestampUs: 0n, requests: [put('h', 's', 'v')] });
    await first.applyMutation({ decree: 2n, timestampUs: 0n, requests: [] });
    await first.close();
    const second = await Partition.open(engine, { clock });
    t.is(second.appliedDecree, 2n);
    await second.close();
    await engine.write([{ kind: 'put', key: DATA_VERSION_KEY, value: encodeDataVersion(2) }]);
    await t.throwsAsync(Partition.open(engine, { clock }), { message: /data version is 2/ });
    await engine.write([{ kind: 'delete', key: DATA_VERSION_KEY }, { kind: 'put', key: APPLIED_DECREE_KEY, value: encodeDecree(5n) }]);
    await t.throwsAsync(Partition.open(engine, { clock }), { message: /applied decree 5 but no data version/ });
    await cleanup();
  });
}

engineTest('applying the same decree twice changes nothing the second time', async (t, h) => {
  const mutation = { decree: 1n, timestampUs: 1_000_000n, requests: [incr('h', 'n', 1n)] };
  const first = await h.partition.applyMutation(mutation);
  t.is(first.kind, 'applied');
  const before = await h.dump();
  const again = await h.partition.applyMutation(mutation);
  t.deepEqual(again, { kind: 'already_applied', decree: 1n, appliedDecree: 1n });
  t.deepEqual(await h.dump(), before);
  t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'n') })).value), '1');
  t.deepEqual(await h.partition.applyMutation({ ...mutation, decree: 0n }), { kind: 'already_applied', decree: 0n, appliedDecree: 1n });
});

engineTest('a decree that skips ahead is a programmer error', async (t, h) => {
  await t.throwsAsync(h.partition.applyMutation({ decree: 2n, timestampUs: 0n, requests: [] }), { instanceOf: AssertionError, message: /decree 2 does not follow applied decree 0/ });
  t.is(h.partition.appliedDecree, 0n);
  const next = await h.partition.applyMutation({ decree: 1n, timestampUs: 0n, requests: [] });
  t.is(next.kind, 'applied', 'the partition still accepts the right decree');
});

engineTest('an empty mutation only advances the decree', async (t, h) => {
  await h.apply();
  t.is(h.partition.appliedDecree, 1n);
  t.deepEqual(await h.dataDump(), []);
});

engineTest('requests of one mutation see the earlier ones', async (t, h) => {
  const responses = await h.apply(put('h', 'n', '5'), incr('h', 'n', 2n), multiPut('h', { a: '1', b: '2' }), multiRemove('h', ['a']), remove('h', 'b'), put('h', 'b', '3'), incr('h', 'b', 1n));
  t.is((responses[1] as IncrResponse).newValue, 7n);
  t.is((responses[6] as IncrResponse).newValue, 4n);
  const got = await h.partition.multiGet({ kind: 'multi_get', hashKey: new TextEncoder().encode('h'), sortKeys: [], maxKvCount: 0, maxKvSize: 0, noValue: false, startSortkey: new Uint8Array(0), stopSortkey: new Uint8Array(0), startInclusive: true, stopInclusive: false, sortKeyFilterType: 0, sortKeyFilterPattern: new Uint8Array(0), reverse: false });
  t.deepEqual(got.kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}`), ['b=4', 'n=7']);
});

engineTest('a refused request in a batch gets its error; the others apply; the decree is consumed', async (t, h) => {
  const responses = await h.apply(put('h', 'a', '1'), multiPut('h', {}), put('h', 'n', 'text'), incr('h', 'n', 1n), put('h', 'b', '2'));
  t.deepEqual(responses.map((r) => r.error), [StorageStatus.ok, StorageStatus.invalidArgument, StorageStatus.ok, StorageStatus.invalidArgument, StorageStatus.ok]);
  t.true(responses.every((r) => r.decree === 1n));
  t.is(h.partition.appliedDecree, 1n);
  t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'b') })).value), '2');
  t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'n') })).value), 'text');
  t.is((responses[1] as UpdateResponse).message, 'multi_put has no key-values');
});

engineTest('concurrent applyMutation calls apply in call order', async (t, h) => {
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    h.partition.applyMutation({ decree: BigInt(i + 1), timestampUs: 0n, requests: [incr('h', 'n', 1n)] })));
  t.deepEqual(results.map((r) => (r.kind === 'applied' ? (r.responses[0] as IncrResponse).newValue : -1n)), Array.from({ length: 20 }, (_, i) => BigInt(i + 1)));
  t.is(h.partition.appliedDecree, 20n);
});

/** Records every engine write and can be told to fail the next one. */
class RecordingEngine implements KvEngine {
  writes: (readonly WriteOp[])[] = [];
  failNext = false;
  constructor(private readonly inner: KvEngine) {}
  get(k: Uint8Array) { return this.inner.get(k); }
  getMany(keys: readonly Uint8Array[]) { return this.inner.getMany(keys); }
  iterator(...args: Parameters<KvEngine['iterator']>) { return this.inner.iterator(...args); }
  close() { return this.inner.close(); }
  async write(ops: readonly WriteOp[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('injected write failure');
    }
    this.writes.push(ops);
    await this.inner.write(ops);
  }
}

for (const factory of engineFactories) {
  test(`${factory.name}: one engine write per mutation, with its decree; a failed write changes nothing`, async (t) => {
    const { engine, cleanup } = await factory.open();
    const recording = new RecordingEngine(engine);
    const partition = await Partition.open(recording, { clock: new ManualClock() });
    recording.writes = [];
    await partition.applyMutation({ decree: 1n, timestampUs: 0n, requests: [put('h', 'a', '1'), multiPut('h', { b: '2', c: '3' }), remove('h', 'x')] });
    t.is(recording.writes.length, 1);
    const ops = recording.writes[0]!;
    t.is(ops.length, 5);
    t.deepEqual(ops.at(-1), { kind: 'put', key: APPLIED_DECREE_KEY, value: encodeDecree(1n) });

    recording.failNext = true;
    const before = await engine.getMany([key('h', 'a'), key('h', 'd'), APPLIED_DECREE_KEY]);
    await t.throwsAsync(partition.applyMutation({ decree: 2n, timestampUs: 0n, requests: [remove('h', 'a'), put('h', 'd', '4')] }), { message: 'injected write failure' });
    t.deepEqual(await engine.getMany([key('h', 'a'), key('h', 'd'), APPLIED_DECREE_KEY]), before);
    t.is(partition.appliedDecree, 1n);
    const retried = await partition.applyMutation({ decree: 2n, timestampUs: 0n, requests: [remove('h', 'a')] });
    t.is(retried.kind, 'applied');
    t.is(((retried.kind === 'applied' ? retried.responses[0] : undefined) as MultiRemoveResponse | undefined)?.error, StorageStatus.ok);
    await partition.close();
    await cleanup();
  });
}

for (const factory of engineFactories) {
  test(`${factory.name}: every mutation runs inside the shared write turn; the last timestamp is kept`, async (t) => {
    const { engine, cleanup } = await factory.open();
    const turns: string[] = [];
    let tail: Promise<unknown> = Promise.resolve();
    const writer = {
      exclusive<T>(task: () => Promise<T>): Promise<T> {
        turns.push('queued');
        const run = tail.then(async () => {
          turns.push('start');
          const result = await task();
          turns.push('end');
          return result;
        });
        tail = run.catch(() => undefined);
        return run;
      },
    };
    const partition = await Partition.open(engine, { clock: new ManualClock(), writer });
    t.deepEqual(turns, ['queued', 'start', 'end'], 'the fresh data version is written in a turn too');
    t.is(partition.lastAppliedTimestampUs, undefined);
    turns.length = 0;
    await Promise.all([
      partition.applyMutation({ decree: 1n, timestampUs: 10n, requests: [put('h', 'a', '1')] }),
      partition.applyMutation({ decree: 2n, timestampUs: 20n, requests: [incr('h', 'n', 1n)] }),
    ]);
    t.deepEqual(turns, ['queued', 'queued', 'start', 'end', 'start', 'end']);
    t.is(partition.lastAppliedTimestampUs, 20n);
    await partition.close();
    await cleanup();
  });
}
