// The server-side scan contexts of one partition: an open engine iterator (its snapshot) plus the
// scan's settings, kept between batches under a context id. Every batch takes its context out and
// puts it back under a NEW id, so an id is good for one batch. Contexts idle longer than the idle
// limit expire, and beyond the count limit the least recently used is evicted; both are decided
// against the injected Clock when the table is touched (no timers). Removed contexts are handed
// back to the caller, who closes their iterators.

import { assert } from '../../common/assert.ts';
import type { Clock } from '../../common/clock.ts';
import type { EntryReader } from './entry-reader.ts';

export interface ScanSettings {
  readonly hashKeyFilterType: number;
  readonly hashKeyFilterPattern: Uint8Array;
  readonly sortKeyFilterType: number;
  readonly sortKeyFilterPattern: Uint8Array;
  /** Records returned per batch, already capped by SCAN_BATCH_COUNT_MAX. */
  readonly batchCount: number;
  readonly noValue: boolean;
  readonly validatePartitionHash: boolean;
  readonly returnExpireTs: boolean;
  readonly onlyReturnCount: boolean;
}

export interface ScanContext {
  /** Over the engine iterator (its snapshot), which must be closed when the context goes. */
  readonly reader: EntryReader;
  readonly settings: ScanSettings;
}

export interface ScanContextLimits {
  readonly contextsMax: number;
  readonly idleMs: number;
}

export class ScanContextTable {
  /** In least-recently-used-first order: a context is re-inserted whenever it is put back. */
  private readonly contexts = new Map<bigint, { readonly context: ScanContext; readonly usedAtMs: number }>();
  /** Taken after their idle limit: removed, waiting for the next sweep to be closed. */
  private readonly expired: ScanContext[] = [];
  /**
   * Ids start at the opening wall-clock millisecond times 1000, so the ids of tables opened at
   * different times (another replica after a failover, this one after a restart) do not overlap
   * unless a table hands out over a thousand ids per millisecond; a client presenting a stale id
   * then finds nothing rather than someone else's scan.
   */
  private nextId: bigint;

  constructor(private readonly clock: Clock, private readonly limits: ScanContextLimits) {
    assert(limits.contextsMax >= 1, 'at least one scan context must fit');
    this.nextId = BigInt(Math.max(0, Math.floor(clock.nowMs()))) * 1000n;
  }

  get size(): number {
    return this.contexts.size;
  }

  /** Stores a context under a fresh id; returns the id and the contexts evicted to make room. */
  put(context: ScanContext): { id: bigint; evicted: ScanContext[] } {
    const evicted = this.sweep();
    while (this.contexts.size >= this.limits.contextsMax) {
      const [oldestId, oldest] = this.contexts.entries().next().value!;
      this.contexts.delete(oldestId);
      evicted.push(oldest.context);
    }
    const id = this.nextId++;
    this.contexts.set(id, { context, usedAtMs: this.clock.monotonicMs() });
    return { id, evicted };
  }

  /** Removes and returns the context of `id`, or undefined when it is unknown or expired. */
  take(id: bigint): ScanContext | undefined {
    const entry = this.contexts.get(id);
    if (entry === undefined) return undefined;
    this.contexts.delete(id);
    if (this.isIdleTooLong(entry.usedAtMs)) {
      this.expired.push(entry.context);
      return undefined;
    }
    return entry.context;
  }

  /** Removes the contexts idle too long, plus any found expired by take(). */
  sweep(): ScanContext[] {
    const removed = this.expired.splice(0);
    for (const [id, entry] of this.contexts) {
      if (!this.isIdleTooLong(entry.usedAtMs)) break;
      this.contexts.delete(id);
      removed.push(entry.context);
    }
    return removed;
  }

  removeAll(): ScanContext[] {
    const removed = [...this.expired.splice(0), ...[...this.contexts.values()].map((entry) => entry.context)];
    this.contexts.clear();
    return removed;
  }

  private isIdleTooLong(usedAtMs: number): boolean {
    return this.clock.monotonicMs() - usedAtMs >= this.limits.idleMs;
  }
}
