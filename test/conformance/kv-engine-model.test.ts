// Proves each KvEngine agrees with a plain sorted-map model under random sequences of atomic
// batches, point reads and interleaved snapshot iterators (opened, read piecemeal while writes go
// on, sometimes repositioned with seek): fast-check generates the steps and every answer is
// compared with the model's.
import test from 'ava';
import fc from 'fast-check';
import type { IteratorOptions, KvEngine, KvIterator, WriteOp } from '../../cluster/storage/engine.ts';
import { compareBytes } from '../../cluster/storage/key-schema.ts';
import { engineFactories } from '../support/engines.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const keyArbitrary = fc.uint8Array({ minLength: 1, maxLength: 3 }).map((k) => k.map((b) => [0x00, 0x01, 0x7f, 0x80, 0xff][b % 5]!));
const rangeArbitrary: fc.Arbitrary<RangeChoice> = fc.record({
  reverse: fc.boolean(),
  lower: fc.option(fc.record({ key: keyArbitrary, inclusive: fc.boolean() }), { nil: undefined }),
  upper: fc.option(fc.record({ key: keyArbitrary, inclusive: fc.boolean() }), { nil: undefined }),
  keysOnly: fc.boolean(),
});

interface Bound { key: Uint8Array; inclusive: boolean }
interface RangeChoice { reverse: boolean; lower: Bound | undefined; upper: Bound | undefined; keysOnly: boolean }

type Step =
  | { kind: 'write'; ops: { put: boolean; key: Uint8Array; value: Uint8Array }[] }
  | { kind: 'get'; keys: Uint8Array[] }
  | { kind: 'open'; range: RangeChoice }
  | { kind: 'read'; which: number; count: number }
  | { kind: 'seek'; which: number; target: Uint8Array };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), ops: fc.array(fc.record({ put: fc.boolean(), key: keyArbitrary, value: fc.uint8Array({ maxLength: 4 }) }), { minLength: 1, maxLength: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), keys: fc.array(keyArbitrary, { minLength: 1, maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open' as const), range: rangeArbitrary }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), which: fc.nat(), count: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('seek' as const), which: fc.nat(), target: keyArbitrary }) },
);

interface OpenIterator {
  readonly iterator: KvIterator;
  readonly options: IteratorOptions;
  /** The model's view of the iterator's snapshot, in iteration order. */
  readonly expected: { key: Uint8Array; value: Uint8Array }[];
  position: number;
}

function inRange(key: Uint8Array, o: IteratorOptions): boolean {
  return (o.gte === undefined || compareBytes(key, o.gte) >= 0) && (o.gt === undefined || compareBytes(key, o.gt) > 0)
    && (o.lte === undefined || compareBytes(key, o.lte) <= 0) && (o.lt === undefined || compareBytes(key, o.lt) < 0);
}

async function run(engine: KvEngine, steps: readonly Step[]): Promise<void> {
  const model = new Map<string, { key: Uint8Array; value: Uint8Array }>();
  const open: OpenIterator[] = [];
  const fail = (what: string, actual: unknown, expected: unknown) => {
    throw new Error(`${what}: engine ${JSON.stringify(actual)}, model ${JSON.stringify(expected)}`);
  };
  try {
    for (const step of steps) {
      switch (step.kind) {
        case 'write': {
          const ops: WriteOp[] = step.ops.map((o) => (o.put ? { kind: 'put', key: o.key, value: o.value } : { kind: 'delete', key: o.key }));
          await engine.write(ops);
          for (const o of step.ops) {
            if (o.put) model.set(hex(o.key), { key: o.key, value: o.value.slice() });
            else model.delete(hex(o.key));
          }
          break;
        }
        case 'get': {
          const actual = (await engine.getMany(step.keys)).map((v) => v && hex(v));
          const expected = step.keys.map((k) => model.get(hex(k))?.value).map((v) => v && hex(v));
          if (JSON.stringify(actual) !== JSON.stringify(expected)) fail('getMany', actual, expected);
          const single = await engine.get(step.keys[0]!);
          if ((single && hex(single)) !== expected[0]) fail('get', single && hex(single), expected[0]);
          break;
        }
        case 'open': {
          const r = step.range;
          const options: IteratorOptions = {
            reverse: r.reverse, keysOnly: r.keysOnly,
            ...(r.lower === undefined ? {} : r.lower.inclusive ? { gte: r.lower.key } : { gt: r.lower.key }),
            ...(r.upper === undefined ? {} : r.upper.inclusive ? { lte: r.upper.key } : { lt: r.upper.key }),
          };
          const expected = [...model.values()].filter((e) => inRange(e.key, options)).sort((a, b) => compareBytes(a.key, b.key));
          if (r.reverse) expected.reverse();
          open.push({ iterator: engine.iterator(options), options, expected, position: 0 });
          break;
        }
        case 'read': {
          const it = open[step.which % Math.max(1, open.length)];
          if (it === undefined) break;
          const actual = (await it.iterator.nextBatch(step.count)).map((e) => `${hex(e.key)}=${hex(e.value)}`);
          const expected = it.expected.slice(it.position, it.position + step.count)
            .map((e) => `${hex(e.key)}=${it.options.keysOnly === true ? '' : hex(e.value)}`);
          it.position += expected.length;
          if (JSON.stringify(actual) !== JSON.stringify(expected)) fail(`iterator ${JSON.stringify(it.options, (_, v: unknown) => (v instanceof Uint8Array ? hex(v) : v))} read`, actual, expected);
          break;
        }
        case 'seek': {
          const it = open[step.which % Math.max(1, open.length)];
          if (it === undefined) break;
          it.iterator.seek!(step.target);
          const reverse = it.options.reverse === true;
          const index = !inRange(step.target, it.options) ? it.expected.length
            : it.expected.findIndex((e) => (reverse ? compareBytes(e.key, step.target) <= 0 : compareBytes(e.key, step.target) >= 0));
          it.position = index === -1 ? it.expected.length : index;
          break;
        }
      }
    }
  } finally {
    for (const it of open) await it.iterator.close();
  }
}

for (const factory of engineFactories) {
  test(`${factory.name}: random batches, reads and snapshot iterators agree with a sorted-map model`, async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArbitrary, { minLength: 1, maxLength: 40 }), async (steps) => {
        const { engine, cleanup } = await factory.open();
        try {
          await run(engine, steps);
        } finally {
          await cleanup();
        }
      }),
      { numRuns: factory.name === 'memory' ? 300 : 60, seed: 20261122 },
    );
    t.pass();
  });
}
