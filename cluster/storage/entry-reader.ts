// Reads an engine iterator in batches while handing out one entry at a time, so per-entry promise
// overhead stays out of range reads. The caller says how many entries it still expects to need;
// a batch never exceeds that (plus one, to learn whether more remain) nor ENTRY_READ_BATCH_MAX,
// so a small request never pulls a large run of big values into memory.

import type { KvEntry, KvIterator } from './engine.ts';

export const ENTRY_READ_BATCH_MAX = 256;

export class EntryReader {
  private buffer: KvEntry[] = [];
  private position = 0;
  private exhausted = false;

  constructor(readonly iterator: KvIterator) {}

  /** The next entry, or undefined at the end. `expected`: entries the caller may still want. */
  async next(expected: number): Promise<KvEntry | undefined> {
    if (this.position === this.buffer.length) {
      if (this.exhausted) return undefined;
      const want = Math.max(1, Math.min(expected + 1, ENTRY_READ_BATCH_MAX));
      this.buffer = await this.iterator.nextBatch(want);
      this.position = 0;
      if (this.buffer.length < want) this.exhausted = true;
      if (this.buffer.length === 0) return undefined;
    }
    return this.buffer[this.position++];
  }

  /** Whether an entry remains, without consuming it. */
  async hasMore(): Promise<boolean> {
    if (this.position < this.buffer.length) return true;
    if (this.exhausted) return false;
    const entry = await this.next(0);
    if (entry === undefined) return false;
    this.position--;
    return true;
  }
}
