// Proves the expiry sweep deletes exactly the expired user records, in bounded resumable steps,
// never touches bookkeeping keys or malformed values, and keeps a record rewritten between its
// scan and its delete: run against every engine with a manual clock, and with an engine wrapper
// that lets the test rewrite a record right after the sweep has read it.
import type { ExecutionContext } from 'ava';
import { APPLIED_DECREE_KEY } from '../../../cluster/storage/bookkeeping.ts';
import type { IteratorOptions, KvEngine, KvEntry, KvIterator, WriteOp } from '../../../cluster/storage/engine.ts';
import { ExpirySweep } from '../../../cluster/storage/expiry-sweep.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { encodeValue, epoch2016SecondsFromUnixMs } from '../../../cluster/storage/value-schema.ts';
import { WriteLane } from '../../../cluster/storage/write-lane.ts';
import { ManualClock } from '../../../common/clock.ts';
import { engineFactories, engineSuiteTest } from '../../support/engines.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const key = (i: number) => encodeKey(bytes(`h${i % 5}`), bytes(`s${String(i).padStart(4, '0')}`));

/** Records 0..count-1: every third expired a minute ago, every third expiring in an hour, the rest without TTL. */
function fixture(clock: ManualClock, count: number): { ops: WriteOp[]; expired: Set<string> } {
  const now = epoch2016SecondsFromUnixMs(clock.nowMs());
  const ops: WriteOp[] = [];
  const expired = new Set<string>();
  for (let i = 0; i < count; i++) {
    const expireTs = i % 3 === 0 ? now - 60 : i % 3 === 1 ? now + 3600 : 0;
    if (i % 3 === 0) expired.add(Buffer.from(key(i)).toString('hex'));
    ops.push({ kind: 'put', key: key(i), value: encodeValue(bytes(`v${i}`), expireTs, 1n) });
  }
  // Bookkeeping whose value would read as "expired at second 1" if taken for a record header.
  ops.push({ kind: 'put', key: APPLIED_DECREE_KEY, value: Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 9) });
  ops.push({ kind: 'put', key: Uint8Array.of(0xff, 0xff, 0x00), value: encodeValue(bytes('x'), 1, 1n) });
  // A value too short to hold a header is not a record the sweep understands: left alone.
  ops.push({ kind: 'put', key: encodeKey(bytes('short'), bytes('')), value: Uint8Array.of(0, 0, 0, 1) });
  return { ops, expired };
}

async function keys(engine: KvEngine): Promise<string[]> {
  const iterator = engine.iterator({ keysOnly: true });
  const out = (await iterator.nextBatch(100_000)).map((e) => Buffer.from(e.key).toString('hex'));
  await iterator.close();
  return out;
}

/** Calls `afterRead` once, right after the first iterator batch the sweep reads. */
class ObservedEngine implements KvEngine {
  constructor(private readonly inner: KvEngine, private afterRead: (() => Promise<void>) | undefined) {}
  get(k: Uint8Array) { return this.inner.get(k); }
  getMany(ks: readonly Uint8Array[]) { return this.inner.getMany(ks); }
  write(ops: readonly WriteOp[]) { return this.inner.write(ops); }
  close() { return this.inner.close(); }
  iterator(options?: IteratorOptions): KvIterator {
    const inner = this.inner.iterator(options);
    return {
      next: () => inner.next(),
      close: () => inner.close(),
      nextBatch: async (max: number): Promise<KvEntry[]> => {
        const batch = await inner.nextBatch(max);
        const hook = this.afterRead;
        this.afterRead = undefined;
        await hook?.();
        return batch;
      },
    };
  }
}

for (const factory of engineFactories) {
  const it = (title: string, body: (t: ExecutionContext, engine: KvEngine) => Promise<void>) =>
    engineSuiteTest(factory, title, body);

  it('a pass deletes exactly the expired records, in bounded steps', async (t, engine) => {
    const clock = new ManualClock();
    const { ops, expired } = fixture(clock, 95);
    await engine.write(ops);
    const before = await keys(engine);
    const sweep = new ExpirySweep({ engine, clock, writer: new WriteLane(), batchRecords: 10 });
    const steps = [];
    for (;;) {
      const step = await sweep.step();
      steps.push(step);
      t.true(step.examined <= 10);
      if (step.passComplete) break;
    }
    t.is(steps.length, 10, '96 user records in steps of 10');
    t.is(sweep.totals.examined, 96);
    t.is(sweep.totals.deleted, expired.size);
    t.is(sweep.totals.passesCompleted, 1);
    t.is(sweep.position, undefined);
    t.deepEqual(await keys(engine), before.filter((k) => !expired.has(k)));
    t.truthy(await engine.get(APPLIED_DECREE_KEY));
    t.truthy(await engine.get(Uint8Array.of(0xff, 0xff, 0x00)));
  });

  it('a sweep resumes from a saved position and records expire as the clock moves', async (t, engine) => {
    const clock = new ManualClock();
    const { ops } = fixture(clock, 30);
    await engine.write(ops);
    const first = new ExpirySweep({ engine, clock, writer: new WriteLane(), batchRecords: 12 });
    t.like(await first.step(), { examined: 12, deleted: 4, passComplete: false });
    const resumed = new ExpirySweep({ engine, clock, writer: new WriteLane(), batchRecords: 12, resumeAfter: first.position! });
    t.like(await resumed.step(), { examined: 12, deleted: 4, passComplete: false });
    t.like(await resumed.step(), { examined: 7, deleted: 2, passComplete: true });
    clock.advance(2 * 3600 * 1000);
    await resumed.runPass();
    t.is(first.totals.deleted + resumed.totals.deleted, 10 + 10);
    t.is((await keys(engine)).length, 10 + 1 + 2, 'records without TTL, the short value, two bookkeeping keys');
  });

  it('a record rewritten after the sweep read it is kept', async (t, engine) => {
    const clock = new ManualClock();
    const now = epoch2016SecondsFromUnixMs(clock.nowMs());
    const lane = new WriteLane();
    await engine.write([
      { kind: 'put', key: key(1), value: encodeValue(bytes('old'), now - 5, 1n) },
      { kind: 'put', key: key(2), value: encodeValue(bytes('old'), now - 5, 1n) },
      { kind: 'put', key: key(3), value: encodeValue(bytes('old'), now - 5, 1n) },
    ]);
    // After the scan and before the sweep's exclusive turn, a client rewrites key 1 (no TTL) and
    // removes key 3, both through the lane, as the apply path does.
    const observed = new ObservedEngine(engine, async () => {
      void lane.exclusive(() => engine.write([
        { kind: 'put', key: key(1), value: encodeValue(bytes('new'), 0, 2n) },
        { kind: 'delete', key: key(3) },
      ]));
    });
    const sweep = new ExpirySweep({ engine: observed, clock, writer: lane });
    t.like(await sweep.step(), { examined: 3, candidates: 3, deleted: 1, skipped: 2, passComplete: true });
    t.deepEqual(Buffer.from((await engine.get(key(1)))!).subarray(12).toString(), 'new');
    t.is(await engine.get(key(2)), undefined);
  });

  it('an empty engine completes a pass at once', async (t, engine) => {
    const sweep = new ExpirySweep({ engine, clock: new ManualClock(), writer: new WriteLane() });
    t.like(await sweep.step(), { examined: 0, deleted: 0, passComplete: true });
  });
}
