// Convenience draws over a seeded Random, and forking into independent streams so that adding a
// draw in one part of the world (say the network) does not shift every other part's choices.
import type { Random } from '../../common/random.ts';
import { SeededRandom } from '../../common/random.ts';
import { assert } from '../../common/assert.ts';

export class RandomStream {
  constructor(private readonly random: Random) {}

  static fromSeed(seed: number): RandomStream {
    return new RandomStream(new SeededRandom(seed));
  }

  /** A new stream seeded from this one; its draws never interleave with this one's. */
  fork(): RandomStream {
    return RandomStream.fromSeed(this.random.int(0x1_0000_0000));
  }

  next(): number {
    return this.random.next();
  }

  /** An integer in [0, bound). */
  int(bound: number): number {
    assert(bound > 0 && Number.isInteger(bound), `int bound must be a positive integer, got ${bound}`);
    return this.random.int(bound);
  }

  /** An integer in [min, max], both included. */
  range(min: number, max: number): number {
    assert(min <= max, `range ${min}..${max} is empty`);
    return min + this.int(max - min + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.random.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  /** Swarm testing: a probability that is zero with chance `offChance`, else uniform in [0, max]. */
  swarmProbability(max: number, offChance = 0.3): number {
    return this.chance(offChance) ? 0 : this.next() * max;
  }
}
