// A latency histogram in the manner of HdrHistogram: integer microseconds, exact below 128 µs,
// then 64 linear sub-buckets per power of two (under 1.6% relative error), fixed size, O(1) record.
// Percentiles report the highest value of the bucket they fall in, as HdrHistogram does.

const EXACT = 128;
const SUB_BUCKETS = 64;
/** Up to 2^40 µs (12 days): anything a benchmark can measure. */
const MAGNITUDES = 34;

export class Histogram {
  readonly #counts = new Float64Array(EXACT + MAGNITUDES * SUB_BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one latency in microseconds (rounded; negatives count as 0). */
  record(micros: number): void {
    const value = Math.max(0, Math.round(micros));
    this.#counts[indexOf(value)]! += 1;
    this.#count++;
    this.#sum += value;
    if (value > this.#max) this.#max = value;
  }

  /** Adds every value recorded in `other`. */
  add(other: Histogram): void {
    for (let i = 0; i < this.#counts.length; i++) this.#counts[i]! += other.#counts[i]!;
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#max = Math.max(this.#max, other.#max);
  }

  get count(): number {
    return this.#count;
  }

  get meanMicros(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  get maxMicros(): number {
    return this.#max;
  }

  /** The value at `percentile` (0 to 100) in microseconds; 0 when empty. */
  percentile(percentile: number): number {
    if (this.#count === 0) return 0;
    // The epsilon keeps 99.9% of 10,000 at rank 9,990 (the product is 9,990.000000000002 in binary).
    const rank = Math.max(1, Math.ceil((percentile / 100) * this.#count - 1e-9));
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(highestOf(i), this.#max);
    }
    return this.#max;
  }
}

function indexOf(value: number): number {
  if (value < EXACT) return value;
  // shift: how many low bits a bucket of this magnitude ignores (1 for 128..255, 2 for 256..511, ...).
  const shift = Math.min(31 - Math.clz32(Math.min(value, 2 ** 31 - 1)) - 6, MAGNITUDES);
  const sub = Math.min(Math.floor(value / 2 ** shift) - SUB_BUCKETS, SUB_BUCKETS - 1);
  return EXACT + (shift - 1) * SUB_BUCKETS + sub;
}

function highestOf(index: number): number {
  if (index < EXACT) return index;
  const shift = Math.floor((index - EXACT) / SUB_BUCKETS) + 1;
  const sub = (index - EXACT) % SUB_BUCKETS;
  return (sub + SUB_BUCKETS + 1) * 2 ** shift - 1;
}
