// Proves every KvEngine implementation behaves the same (point reads, atomic batches, ordered
// ranges over unsigned-byte keys, snapshot iterators, close) by running one suite against each
// entry of engineFactories, including a seeded comparison of random ranges with a sorted array.
import type { ExecutionContext } from 'ava';
import type { KvEngine, KvEntry, IteratorOptions, KvIterator } from '../../cluster/storage/engine.ts';
import { compareBytes } from '../../cluster/storage/key-schema.ts';
import { SeededRandom } from '../../common/random.ts';
import { engineFactories, engineSuiteTest } from '../support/engines.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function drain(iterator: KvIterator): Promise<KvEntry[]> {
  const out: KvEntry[] = [];
  for (;;) {
    const batch = await iterator.nextBatch(7);
    out.push(...batch);
    if (batch.length < 7) break;
  }
  await iterator.close();
  return out;
}

async function scan(engine: KvEngine, options: IteratorOptions = {}): Promise<string[]> {
  return (await drain(engine.iterator(options))).map((e) => text(e.key)!);
}

async function putAll(engine: KvEngine, keys: readonly string[]): Promise<void> {
  await engine.write(keys.map((k) => ({ kind: 'put', key: bytes(k), value: bytes(`v-${k}`) })));
}

for (const factory of engineFactories) {
  const it = (title: string, body: (t: ExecutionContext, engine: KvEngine) => Promise<void>) =>
    engineSuiteTest(factory, title, body);

  it('get returns undefined for a missing key and the value of a present one', async (t, engine) => {
    t.is(await engine.get(bytes('a')), undefined);
    await engine.write([{ kind: 'put', key: bytes('a'), value: bytes('1') }]);
    t.is(text(await engine.get(bytes('a'))), '1');
    t.true((await engine.get(bytes('a'))) instanceof Uint8Array);
  });

  it('an empty value is stored and read back as empty, not missing', async (t, engine) => {
    await engine.write([{ kind: 'put', key: bytes('e'), value: new Uint8Array(0) }]);
    t.is((await engine.get(bytes('e')))?.length, 0);
    t.deepEqual((await engine.getMany([bytes('e')])).map((v) => v?.length), [0]);
  });

  it('getMany answers in the order asked, with undefined for missing keys', async (t, engine) => {
    await putAll(engine, ['a', 'c']);
    const values = await engine.getMany([bytes('c'), bytes('b'), bytes('a'), bytes('c')]);
    t.deepEqual(values.map(text), ['v-c', undefined, 'v-a', 'v-c']);
    t.deepEqual(await engine.getMany([]), []);
  });

  it('a batch of puts and deletes is applied as a whole', async (t, engine) => {
    await putAll(engine, ['a', 'b', 'c']);
    await engine.write([
      { kind: 'delete', key: bytes('a') },
      { kind: 'put', key: bytes('b'), value: bytes('B') },
      { kind: 'put', key: bytes('d'), value: bytes('D') },
      { kind: 'delete', key: bytes('missing') },
    ]);
    t.deepEqual((await engine.getMany(['a', 'b', 'c', 'd'].map(bytes))).map(text), [undefined, 'B', 'v-c', 'D']);
    await engine.write([]);
    t.deepEqual(await scan(engine), ['b', 'c', 'd']);
  });

  it('later ops on the same key win inside one batch', async (t, engine) => {
    await engine.write([
      { kind: 'put', key: bytes('x'), value: bytes('1') },
      { kind: 'put', key: bytes('x'), value: bytes('2') },
      { kind: 'put', key: bytes('y'), value: bytes('1') },
      { kind: 'delete', key: bytes('y') },
      { kind: 'delete', key: bytes('z') },
      { kind: 'put', key: bytes('z'), value: bytes('3') },
    ]);
    t.deepEqual((await engine.getMany(['x', 'y', 'z'].map(bytes))).map(text), ['2', undefined, '3']);
  });

  it('writes keep their own copy: changing the caller\'s bytes afterwards changes nothing', async (t, engine) => {
    const key = bytes('k');
    const value = bytes('before');
    await engine.write([{ kind: 'put', key, value }], { sync: true });
    value.set(bytes('after!'));
    key[0] = 0x6a;
    t.is(text(await engine.get(bytes('k'))), 'before');
    t.is(await engine.get(bytes('j')), undefined);
  });

  it('forward ranges honour gt, gte, lt and lte', async (t, engine) => {
    await putAll(engine, ['a', 'b', 'c', 'd', 'e']);
    t.deepEqual(await scan(engine), ['a', 'b', 'c', 'd', 'e']);
    t.deepEqual(await scan(engine, { gte: bytes('b'), lt: bytes('d') }), ['b', 'c']);
    t.deepEqual(await scan(engine, { gt: bytes('b'), lte: bytes('d') }), ['c', 'd']);
    t.deepEqual(await scan(engine, { gt: bytes('bb'), lt: bytes('dd') }), ['c', 'd']);
    t.deepEqual(await scan(engine, { gte: bytes('c') }), ['c', 'd', 'e']);
    t.deepEqual(await scan(engine, { lt: bytes('c') }), ['a', 'b']);
    t.deepEqual(await scan(engine, { gte: bytes('c'), lte: bytes('c') }), ['c']);
  });

  it('reverse ranges walk the same bounds from the top', async (t, engine) => {
    await putAll(engine, ['a', 'b', 'c', 'd', 'e']);
    t.deepEqual(await scan(engine, { reverse: true }), ['e', 'd', 'c', 'b', 'a']);
    t.deepEqual(await scan(engine, { reverse: true, gte: bytes('b'), lt: bytes('d') }), ['c', 'b']);
    t.deepEqual(await scan(engine, { reverse: true, gt: bytes('b'), lte: bytes('d') }), ['d', 'c']);
    t.deepEqual(await scan(engine, { reverse: true, lte: bytes('zz') }), ['e', 'd', 'c', 'b', 'a']);
    t.deepEqual(await scan(engine, { reverse: true, lt: bytes('a') }), []);
    t.deepEqual(await scan(engine, { reverse: true, gt: bytes('cc') }), ['e', 'd']);
  });

  it('inverted and empty ranges yield nothing in both directions', async (t, engine) => {
    await putAll(engine, ['a', 'b', 'c']);
    for (const reverse of [false, true]) {
      t.deepEqual(await scan(engine, { reverse, gte: bytes('c'), lt: bytes('a') }), []);
      t.deepEqual(await scan(engine, { reverse, gt: bytes('b'), lte: bytes('b') }), []);
      t.deepEqual(await scan(engine, { reverse, gte: bytes('b'), lt: bytes('b') }), []);
      t.deepEqual(await scan(engine, { reverse, lt: new Uint8Array(0) }), []);
    }
  });

  it('keysOnly returns every key with an empty value', async (t, engine) => {
    await putAll(engine, ['a', 'b']);
    const entries = await drain(engine.iterator({ keysOnly: true }));
    t.deepEqual(entries.map((e) => text(e.key)), ['a', 'b']);
    t.deepEqual(entries.map((e) => e.value.length), [0, 0]);
    const reversed = await drain(engine.iterator({ keysOnly: true, reverse: true, gt: bytes('a') }));
    t.deepEqual(reversed.map((e) => text(e.key)), ['b']);
  });

  it('binary keys order as unsigned bytes, 00 and FF included, prefixes first', async (t, engine) => {
    const keys = [
      [0x00], [0x00, 0x00], [0x00, 0xff], [0x01], [0x7f], [0x80], [0x80, 0x00], [0xfe, 0xff],
      [0xff], [0xff, 0xff], [0xff, 0xff, 0x00], [0xff, 0xff, 0xff],
    ].map((k) => Uint8Array.from(k));
    const shuffled = [...keys].reverse();
    await engine.write(shuffled.map((key, i) => ({ kind: 'put', key, value: Uint8Array.of(i, 0x00, 0xff) })));
    const forward = await drain(engine.iterator());
    t.deepEqual(forward.map((e) => hex(e.key)), keys.map(hex));
    t.deepEqual([...forward[0]!.value], [keys.length - 1, 0x00, 0xff]);
    const below = await drain(engine.iterator({ lt: Uint8Array.of(0xff, 0xff), reverse: true }));
    t.deepEqual(below.map((e) => hex(e.key)), keys.slice(0, 9).map(hex).reverse());
    const reserved = await drain(engine.iterator({ gte: Uint8Array.of(0xff, 0xff) }));
    t.deepEqual(reserved.map((e) => hex(e.key)), ['ffff', 'ffff00', 'ffffff']);
    t.deepEqual([...(await engine.get(Uint8Array.of(0x00, 0x00)))!], [keys.length - 2, 0x00, 0xff]);
  });

  it('an iterator sees the snapshot of its creation while writes continue', async (t, engine) => {
    const count = 3000;
    const key = (i: number) => bytes(`k${String(i).padStart(5, '0')}`);
    for (let start = 0; start < count; start += 500) {
      const ops = [];
      for (let i = start; i < start + 500; i++) ops.push({ kind: 'put' as const, key: key(i), value: bytes(`old${i}`) });
      await engine.write(ops);
    }
    const iterator = engine.iterator();
    const head = await iterator.nextBatch(10);
    await engine.write([
      { kind: 'put', key: key(2000), value: bytes('new') },
      { kind: 'delete', key: key(2500) },
      { kind: 'put', key: bytes('k99999'), value: bytes('added') },
      { kind: 'delete', key: key(5) },
    ]);
    const rest = await drain(iterator);
    const all = [...head, ...rest];
    t.is(all.length, count);
    t.is(text(all[2000]!.value), 'old2000');
    t.is(text(all[2500]!.value), 'old2500');
    t.is(text(all[5]!.value), 'old5');
    t.is(text(all.at(-1)!.key), 'k02999');
    const after = await drain(engine.iterator({ gte: key(2000), lt: key(2001) }));
    t.is(text(after[0]!.value), 'new');
    t.is(await engine.get(key(2500)), undefined);
  });

  it('nextBatch returns up to max entries, fewer at the end, then none; next agrees', async (t, engine) => {
    await putAll(engine, ['a', 'b', 'c', 'd', 'e']);
    const iterator = engine.iterator();
    t.deepEqual((await iterator.nextBatch(2)).map((e) => text(e.key)), ['a', 'b']);
    t.is(text((await iterator.next())?.key), 'c');
    t.deepEqual((await iterator.nextBatch(10)).map((e) => text(e.key)), ['d', 'e']);
    t.deepEqual(await iterator.nextBatch(10), []);
    t.is(await iterator.next(), undefined);
    await iterator.close();
  });

  it('seek moves the cursor on the same snapshot, in both directions', async (t, engine) => {
    await putAll(engine, ['a', 'b', 'c', 'd', 'e']);
    const forward = engine.iterator();
    t.truthy(forward.seek);
    t.is(text((await forward.next())?.key), 'a');
    await engine.write([{ kind: 'delete', key: bytes('d') }, { kind: 'put', key: bytes('cc'), value: bytes('new') }]);
    forward.seek!(bytes('c'));
    t.deepEqual((await forward.nextBatch(10)).map((e) => text(e.key)), ['c', 'd', 'e']);
    forward.seek!(bytes('a0'));
    t.is(text((await forward.next())?.key), 'b');
    forward.seek!(bytes('z'));
    t.is(await forward.next(), undefined);
    await forward.close();

    const reverse = engine.iterator({ reverse: true });
    reverse.seek!(bytes('cz'));
    t.deepEqual((await reverse.nextBatch(10)).map((e) => text(e.key)), ['cc', 'c', 'b', 'a']);
    await reverse.close();
  });

  it('seek outside the range leaves the iterator exhausted', async (t, engine) => {
    await putAll(engine, ['a', 'b', 'c', 'd', 'e']);
    const bounded = engine.iterator({ gte: bytes('b'), lt: bytes('d') });
    bounded.seek!(bytes('c'));
    t.deepEqual((await bounded.nextBatch(10)).map((e) => text(e.key)), ['c']);
    bounded.seek!(bytes('d'));
    t.is(await bounded.next(), undefined);
    bounded.seek!(bytes('a'));
    t.is(await bounded.next(), undefined);
    bounded.seek!(bytes('b'));
    t.is(text((await bounded.next())?.key), 'b');
    await bounded.close();
  });

  it('seek outside the range of an empty engine leaves the iterator exhausted (and the process alive)', async (t, engine) => {
    for (const reverse of [false, true]) {
      const iterator = engine.iterator({ reverse, gte: bytes('b'), lt: bytes('d') });
      iterator.seek!(bytes('a'));
      t.is(await iterator.next(), undefined);
      iterator.seek!(bytes('z'));
      t.deepEqual(await iterator.nextBatch(3), []);
      iterator.seek!(bytes('c'));
      t.is(await iterator.next(), undefined);
      await iterator.close();
    }
  });

  it('an iterator over an empty engine is exhausted at once', async (t, engine) => {
    const iterator = engine.iterator({ reverse: true });
    t.is(await iterator.next(), undefined);
    t.deepEqual(await iterator.nextBatch(5), []);
    await iterator.close();
  });

  it('large values round trip through get, getMany and iterators', async (t, engine) => {
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
    await engine.write([{ kind: 'put', key: bytes('big'), value: big }, { kind: 'put', key: bytes('big2'), value: big }]);
    t.true(Buffer.from((await engine.get(bytes('big')))!).equals(big));
    t.true(Buffer.from((await engine.getMany([bytes('big2')]))[0]!).equals(big));
    const entries = await drain(engine.iterator());
    t.deepEqual(entries.map((e) => e.value.length), [big.length, big.length]);
  });

  it('random ranges match a sorted reference in both directions', async (t, engine) => {
    const random = new SeededRandom(20260101);
    const alphabet = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];
    const randomKey = () => Uint8Array.from({ length: 1 + random.int(3) }, () => alphabet[random.int(alphabet.length)]!);
    const reference = new Map<string, Uint8Array>();
    for (let i = 0; i < 150; i++) reference.set(hex(randomKey()), Uint8Array.of(i));
    await engine.write([...reference].map(([k, value]) => ({ kind: 'put', key: Buffer.from(k, 'hex'), value })));
    const sorted = [...reference.keys()].map((k) => Buffer.from(k, 'hex')).sort(compareBytes);
    for (let round = 0; round < 200; round++) {
      const options: { -readonly [K in keyof IteratorOptions]: IteratorOptions[K] } = { reverse: random.int(2) === 1 };
      const lower = random.int(3);
      const upper = random.int(3);
      if (lower === 1) options.gte = randomKey();
      if (lower === 2) options.gt = randomKey();
      if (upper === 1) options.lte = randomKey();
      if (upper === 2) options.lt = randomKey();
      const expected = sorted.filter((k) =>
        (options.gte === undefined || compareBytes(k, options.gte) >= 0)
        && (options.gt === undefined || compareBytes(k, options.gt) > 0)
        && (options.lte === undefined || compareBytes(k, options.lte) <= 0)
        && (options.lt === undefined || compareBytes(k, options.lt) < 0)).map(hex);
      if (options.reverse === true) expected.reverse();
      const actual = (await drain(engine.iterator(options))).map((e) => hex(e.key));
      t.deepEqual(actual, expected, `range ${JSON.stringify(Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v instanceof Uint8Array ? hex(v) : v])))}`);
    }
  });

  it('close ends open iterators; afterwards every operation fails', async (t, engine) => {
    await putAll(engine, ['a', 'b']);
    const open = engine.iterator();
    t.is(text((await open.next())?.key), 'a');
    const closedFirst = engine.iterator();
    await closedFirst.close();
    await closedFirst.close();
    t.is(await closedFirst.next(), undefined);
    await engine.close();
    await engine.close();
    await t.throwsAsync(engine.get(bytes('a')), { message: /closed/ });
    await t.throwsAsync(engine.getMany([bytes('a')]), { message: /closed/ });
    await t.throwsAsync(engine.write([{ kind: 'delete', key: bytes('a') }]), { message: /closed/ });
    t.throws(() => engine.iterator(), { message: /closed/ });
    await open.close();
  });
}
