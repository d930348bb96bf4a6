// Proves EntryReader hands out every entry of an iterator in order, asks the engine for no more
// than the caller expects plus one (and never beyond ENTRY_READ_BATCH_MAX), and that hasMore()
// peeks without consuming.
import test from 'ava';
import { MemoryEngine } from '../../../cluster/storage/memory-engine.ts';
import { ENTRY_READ_BATCH_MAX, EntryReader } from '../../../cluster/storage/entry-reader.ts';
import type { KvIterator } from '../../../cluster/storage/engine.ts';

async function engineWith(count: number): Promise<MemoryEngine> {
  const engine = new MemoryEngine();
  await engine.write(Array.from({ length: count }, (_, i) => ({ kind: 'put' as const, key: Uint8Array.of(0, 0, i >> 8, i & 0xff), value: new Uint8Array(0) })));
  return engine;
}

function recording(inner: KvIterator, asked: number[]): KvIterator {
  return { next: () => inner.next(), nextBatch: (max) => { asked.push(max); return inner.nextBatch(max); }, close: () => inner.close() };
}

test('reads everything in order with bounded batches', async (t) => {
  const engine = await engineWith(600);
  const asked: number[] = [];
  const reader = new EntryReader(recording(engine.iterator(), asked));
  const seen: number[] = [];
  for (let entry = await reader.next(10_000); entry !== undefined; entry = await reader.next(10_000)) seen.push(((entry.key[2] ?? 0) << 8) | (entry.key[3] ?? 0));
  t.deepEqual(seen, Array.from({ length: 600 }, (_, i) => i));
  t.true(asked.every((max) => max <= ENTRY_READ_BATCH_MAX));
  t.is(await reader.next(1), undefined);
});

test('a small expectation reads a small batch; hasMore peeks', async (t) => {
  const engine = await engineWith(5);
  const asked: number[] = [];
  const reader = new EntryReader(recording(engine.iterator(), asked));
  t.truthy(await reader.next(1));
  t.deepEqual(asked, [2]);
  t.truthy(await reader.next(1));
  t.true(await reader.hasMore());
  t.true(await reader.hasMore());
  const third = await reader.next(0);
  t.is(third?.key[3], 2);
  t.truthy(await reader.next(5));
  t.truthy(await reader.next(5));
  t.false(await reader.hasMore());
  t.is(await reader.next(5), undefined);
});
