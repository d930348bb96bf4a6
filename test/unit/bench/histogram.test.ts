import test from 'ava';
import { Histogram } from '../../../bench/lib/histogram.ts';
import { ScrambledZipfian, Zipfian, fnvHash, recordKey } from '../../../bench/lib/ycsb.ts';
import { SeededRandom } from '../../../common/random.ts';

test('percentiles of 1..100000 µs are within the bucket precision (1.6%)', (t) => {
  const histogram = new Histogram();
  for (let value = 1; value <= 100_000; value++) histogram.record(value);
  for (const [percentile, exact] of [[50, 50_000], [99, 99_000], [99.9, 99_900], [100, 100_000]] as const) {
    const measured = histogram.percentile(percentile);
    t.true(measured >= exact && measured <= exact * 1.016, `p${percentile}: ${measured} for ${exact}`);
  }
  t.is(histogram.count, 100_000);
  t.is(histogram.maxMicros, 100_000);
  t.is(histogram.meanMicros, 50_000.5);
});

test('values below 128 µs are exact; fractions round; negatives count as zero', (t) => {
  const histogram = new Histogram();
  for (const value of [3, 3, 7, 126.6, -5]) histogram.record(value);
  t.is(histogram.percentile(20), 0);
  t.is(histogram.percentile(40), 3);
  t.is(histogram.percentile(60), 3);
  t.is(histogram.percentile(80), 7);
  t.is(histogram.percentile(100), 127);
});

test('a long tail shows in p99.9 and max, not in p50', (t) => {
  const histogram = new Histogram();
  for (let i = 0; i < 9_990; i++) histogram.record(200);
  for (let i = 0; i < 10; i++) histogram.record(2_000_000);
  t.true(histogram.percentile(50) < 205);
  t.true(histogram.percentile(99.9) < 205);
  t.true(histogram.percentile(99.91) >= 2_000_000);
  t.is(histogram.maxMicros, 2_000_000);
});

test('add merges counts, max and mean; an empty histogram answers 0', (t) => {
  const a = new Histogram();
  const b = new Histogram();
  t.is(a.percentile(99), 0);
  a.record(10);
  b.record(1_000);
  a.add(b);
  t.is(a.count, 2);
  t.is(a.maxMicros, 1_000);
  t.is(a.meanMicros, 505);
  t.true(a.percentile(100) >= 1_000 && a.percentile(100) <= 1_016);
});

test('zipfian: item 0 is the most popular and every draw is in range', (t) => {
  const items = 1000;
  const zipfian = new Zipfian(items, new SeededRandom(3));
  const counts = new Array<number>(items).fill(0);
  const outOfRange: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const item = zipfian.next();
    if (Number.isInteger(item) && item >= 0 && item < items) counts[item]! += 1;
    else outOfRange.push(item);
  }
  t.deepEqual(outOfRange, []);
  // theta 0.99 over 1000 items: item 0 takes about 1/zeta(1000) = 13% of draws, item 1 half that.
  t.true(counts[0]! > 10_000 && counts[0]! < 16_000, `item 0: ${counts[0]}`);
  t.true(counts[0]! > 1.6 * counts[1]!);
  t.true(counts[500]! < 200);
});

test('scrambled zipfian spreads the popular records; keys are YCSB-like and stable', (t) => {
  const scrambled = new ScrambledZipfian(1000, new SeededRandom(3));
  const seen = new Map<number, number>();
  for (let i = 0; i < 10_000; i++) {
    const item = scrambled.next();
    seen.set(item, (seen.get(item) ?? 0) + 1);
  }
  const hottest = [...seen].sort((a, b) => b[1] - a[1])[0]!;
  t.is(hottest[0], fnvHash(0) % 1000);
  t.is(recordKey(1), `user${fnvHash(1)}`);
  t.not(fnvHash(1), fnvHash(2));
});
