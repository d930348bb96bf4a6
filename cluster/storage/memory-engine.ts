// An in-memory sorted KvEngine for the simulator and unit tests. Entries live in one sorted
// array; an iterator shares it and the next write copies it first (copy-on-write), so every
// iterator sees the snapshot of its creation.

import { assert } from '../../common/assert.ts';
import { ENGINE_ITERATOR_BATCH_COUNT_MAX } from '../../common/limits.ts';
import { isOutsideRange } from './key-range.ts';
import { compareBytes } from './key-schema.ts';
import type { IteratorOptions, KvEngine, KvEntry, KvIterator, WriteOp } from './engine.ts';

export class MemoryEngine implements KvEngine {
  private entries: KvEntry[] = [];
  private shared = false;
  private closed = false;

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    this.checkOpen();
    return this.lookup(key);
  }

  async getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    this.checkOpen();
    return keys.map((key) => this.lookup(key));
  }

  async write(ops: readonly WriteOp[]): Promise<void> {
    this.checkOpen();
    if (this.shared) {
      this.entries = this.entries.slice();
      this.shared = false;
    }
    for (const op of ops) {
      const index = lowerBound(this.entries, op.key);
      const found = index < this.entries.length && compareBytes(this.entries[index]!.key, op.key) === 0;
      if (op.kind === 'put') {
        const entry = { key: op.key.slice(), value: op.value.slice() };
        if (found) this.entries[index] = entry;
        else this.entries.splice(index, 0, entry);
      } else if (found) {
        this.entries.splice(index, 1);
      }
    }
  }

  iterator(options: IteratorOptions = {}): KvIterator {
    this.checkOpen();
    this.shared = true;
    return new MemoryIterator(this.entries, options);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private lookup(key: Uint8Array): Uint8Array | undefined {
    const index = lowerBound(this.entries, key);
    const entry = this.entries[index];
    return entry !== undefined && compareBytes(entry.key, key) === 0 ? entry.value : undefined;
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('storage engine is closed');
  }
}

class MemoryIterator implements KvIterator {
  private position: number;
  private readonly end: number;
  private readonly step: 1 | -1;
  private closed = false;

  constructor(
    private readonly entries: readonly KvEntry[],
    private readonly options: IteratorOptions,
  ) {
    const low = options.gte !== undefined ? lowerBound(entries, options.gte)
      : options.gt !== undefined ? upperBound(entries, options.gt) : 0;
    const upper = options.lte !== undefined ? upperBound(entries, options.lte)
      : options.lt !== undefined ? lowerBound(entries, options.lt) : entries.length;
    const high = Math.max(low, upper);
    this.step = options.reverse === true ? -1 : 1;
    this.position = this.step === 1 ? low : high - 1;
    this.end = this.step === 1 ? high : low - 1;
  }

  async next(): Promise<KvEntry | undefined> {
    if (this.position === this.end) return undefined;
    const entry = this.entries[this.position]!;
    this.position += this.step;
    return this.options.keysOnly === true ? { key: entry.key, value: EMPTY } : entry;
  }

  async nextBatch(max: number): Promise<KvEntry[]> {
    assert(Number.isInteger(max) && max > 0 && max <= ENGINE_ITERATOR_BATCH_COUNT_MAX, `nextBatch max ${max} out of range`);
    const batch: KvEntry[] = [];
    while (batch.length < max) {
      const entry = await this.next();
      if (entry === undefined) break;
      batch.push(entry);
    }
    return batch;
  }

  seek(target: Uint8Array): void {
    if (this.closed) return;
    if (isOutsideRange(target, this.options)) {
      this.position = this.end;
    } else if (this.step === 1) {
      this.position = Math.min(lowerBound(this.entries, target), this.end);
    } else {
      this.position = Math.max(upperBound(this.entries, target) - 1, this.end);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.position = this.end;
  }
}


function lowerBound(entries: readonly KvEntry[], key: Uint8Array): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareBytes(entries[mid]!.key, key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function upperBound(entries: readonly KvEntry[], key: Uint8Array): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareBytes(entries[mid]!.key, key) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

const EMPTY = new Uint8Array(0);
