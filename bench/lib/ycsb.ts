// YCSB's core workload pieces: record keys "user<hash>" and the scrambled zipfian request
// distribution (theta 0.99, popular items spread over the key space by a hash), as in YCSB's
// CoreWorkload with its defaults.

import type { Random } from '../../common/random.ts';

export const ZIPFIAN_THETA = 0.99;

/** FNV-1a of the record number's 4 bytes: YCSB hashes record numbers so keys do not sort in insert order. */
export function fnvHash(n: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < 4; i++) {
    hash ^= (n >>> (i * 8)) & 0xff;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function recordKey(record: number): string {
  return `user${fnvHash(record)}`;
}

/** Gray et al.'s zipfian generator over [0, items), the one YCSB uses. */
export class Zipfian {
  readonly #items: number;
  readonly #random: Random;
  readonly #zetaN: number;
  readonly #alpha: number;
  readonly #eta: number;
  readonly #theta: number;

  constructor(items: number, random: Random, theta = ZIPFIAN_THETA) {
    this.#items = items;
    this.#random = random;
    this.#theta = theta;
    let zetaN = 0;
    for (let i = 1; i <= items; i++) zetaN += 1 / i ** theta;
    const zeta2 = 1 + 1 / 2 ** theta;
    this.#zetaN = zetaN;
    this.#alpha = 1 / (1 - theta);
    this.#eta = (1 - (2 / items) ** (1 - theta)) / (1 - zeta2 / zetaN);
  }

  next(): number {
    const u = this.#random.next();
    const uz = u * this.#zetaN;
    if (uz < 1) return 0;
    if (uz < 1 + 0.5 ** this.#theta) return 1;
    return Math.min(this.#items - 1, Math.floor(this.#items * (this.#eta * u - this.#eta + 1) ** this.#alpha));
  }
}

/** YCSB's ScrambledZipfianGenerator: zipfian popularity, the popular records scattered by a hash. */
export class ScrambledZipfian {
  readonly #zipfian: Zipfian;
  readonly #items: number;

  constructor(items: number, random: Random) {
    this.#zipfian = new Zipfian(items, random);
    this.#items = items;
  }

  next(): number {
    return fnvHash(this.#zipfian.next()) % this.#items;
  }
}
