// The expiry sweep physically deletes user records whose value header says they have expired
// (expire_ts > 0 and <= now). Reads already hide them, so deleting them changes no visible state
// and needs no decree; the bookkeeping keys (FF FF ...) are outside the swept range.
//
// It walks the user key space in bounded steps (at most EXPIRY_SWEEP_BATCH_RECORDS_MAX records or
// EXPIRY_SWEEP_BATCH_BYTES_MAX value bytes), remembering the last key examined, so a sweep can be
// paused, resumed and restarted from a saved position; reaching the end completes a pass and the
// next step starts over.
//
// Safety against rewrites: a step first scans without holding anything, then, inside the engine's
// exclusive write turn (the WriteLane the partition's apply path also writes through), re-reads
// the candidates and deletes only those still expired. A record rewritten after the scan carries
// its new header by then and is skipped. This holds only if every write to the engine goes through
// the same ExclusiveWriter. Time comes from the injected Clock; were the wall clock to step back,
// a record deleted as expired could have been visible again for that while, as with Pegasus's
// compaction filter.

import { assert } from '../../common/assert.ts';
import type { Clock } from '../../common/clock.ts';
import { EXPIRY_SWEEP_BATCH_BYTES_MAX, EXPIRY_SWEEP_BATCH_RECORDS_MAX } from '../../common/limits.ts';
import type { KvEngine, WriteOp } from './engine.ts';
import { RESERVED_KEY_PREFIX } from './key-schema.ts';
import { epoch2016SecondsFromUnixMs, expireTsOf, isExpired, VALUE_HEADER_BYTES } from './value-schema.ts';
import type { ExclusiveWriter } from './write-lane.ts';

export interface ExpirySweepOptions {
  readonly engine: KvEngine;
  readonly clock: Clock;
  /** The engine's exclusive write turn, shared with every other writer of the engine. */
  readonly writer: ExclusiveWriter;
  /** Records examined per step (default and maximum EXPIRY_SWEEP_BATCH_RECORDS_MAX). */
  readonly batchRecords?: number;
  /** Resume after this key (a position saved from an earlier sweep); from the start when absent. */
  readonly resumeAfter?: Uint8Array;
}

export interface ExpirySweepStep {
  readonly examined: number;
  /** Records found expired by the scan. */
  readonly candidates: number;
  readonly deleted: number;
  /** Candidates no longer expired (rewritten, or removed) by the time of the delete; left alone. */
  readonly skipped: number;
  /** True when this step reached the end of the user key space (a pass is complete). */
  readonly passComplete: boolean;
}

export interface ExpirySweepTotals {
  examined: number;
  deleted: number;
  skipped: number;
  passesCompleted: number;
}

const READ_CHUNK_RECORDS = 100;

export class ExpirySweep {
  private cursor: Uint8Array | undefined;
  private readonly batchRecords: number;
  private running = false;
  readonly totals: ExpirySweepTotals = { examined: 0, deleted: 0, skipped: 0, passesCompleted: 0 };

  constructor(private readonly options: ExpirySweepOptions) {
    this.batchRecords = options.batchRecords ?? EXPIRY_SWEEP_BATCH_RECORDS_MAX;
    assert(Number.isInteger(this.batchRecords) && this.batchRecords > 0 && this.batchRecords <= EXPIRY_SWEEP_BATCH_RECORDS_MAX,
      `expiry sweep batch of ${this.batchRecords} records is out of range`);
    this.cursor = options.resumeAfter?.slice();
  }

  /** The last key examined; save it to resume a later sweep where this one stopped. */
  get position(): Uint8Array | undefined {
    return this.cursor;
  }

  /** Examines one bounded batch and deletes what is still expired. One step at a time. */
  async step(): Promise<ExpirySweepStep> {
    assert(!this.running, 'one expiry sweep step at a time');
    this.running = true;
    try {
      const now = epoch2016SecondsFromUnixMs(this.options.clock.nowMs());
      const scan = await this.scan(now);
      const { deleted, skipped } = scan.candidates.length === 0 ? { deleted: 0, skipped: 0 }
        : await this.options.writer.exclusive(() => this.deleteStillExpired(scan.candidates, now));
      this.cursor = scan.passComplete ? undefined : scan.lastKey;
      this.totals.examined += scan.examined;
      this.totals.deleted += deleted;
      this.totals.skipped += skipped;
      if (scan.passComplete) this.totals.passesCompleted++;
      return { examined: scan.examined, candidates: scan.candidates.length, deleted, skipped, passComplete: scan.passComplete };
    } finally {
      this.running = false;
    }
  }

  /** Steps until a pass completes; `between` runs after each step (to pace or to stop early). */
  async runPass(between?: () => Promise<boolean | void>): Promise<void> {
    for (;;) {
      const step = await this.step();
      if (step.passComplete) return;
      if ((await between?.()) === false) return;
    }
  }

  private async scan(now: number): Promise<{ examined: number; candidates: Uint8Array[]; lastKey: Uint8Array | undefined; passComplete: boolean }> {
    const iterator = this.options.engine.iterator({
      ...(this.cursor !== undefined ? { gt: this.cursor } : {}),
      lt: RESERVED_KEY_PREFIX,
    });
    const candidates: Uint8Array[] = [];
    let examined = 0;
    let bytes = 0;
    let lastKey: Uint8Array | undefined;
    try {
      while (examined < this.batchRecords && bytes < EXPIRY_SWEEP_BATCH_BYTES_MAX) {
        const want = Math.min(READ_CHUNK_RECORDS, this.batchRecords - examined);
        const entries = await iterator.nextBatch(want);
        for (const { key, value } of entries) {
          examined++;
          bytes += value.length;
          lastKey = key;
          if (value.length >= VALUE_HEADER_BYTES && isExpired(expireTsOf(value), now)) candidates.push(key);
        }
        if (entries.length < want) return { examined, candidates, lastKey, passComplete: true };
      }
      return { examined, candidates, lastKey, passComplete: false };
    } finally {
      await iterator.close();
    }
  }

  /** Runs inside the exclusive write turn: nothing else writes between this read and the delete. */
  private async deleteStillExpired(candidates: readonly Uint8Array[], now: number): Promise<{ deleted: number; skipped: number }> {
    const current = await this.options.engine.getMany(candidates);
    const deletes: WriteOp[] = [];
    candidates.forEach((key, i) => {
      const value = current[i];
      if (value !== undefined && value.length >= VALUE_HEADER_BYTES && isExpired(expireTsOf(value), now)) {
        deletes.push({ kind: 'delete', key });
      }
    });
    if (deletes.length > 0) await this.options.engine.write(deletes);
    return { deleted: deletes.length, skipped: candidates.length - deletes.length };
  }
}
