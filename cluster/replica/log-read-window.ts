// The bounded result of one range read, shared by every LogStore: records are offered in log
// order, a later record for a decree replaces the earlier one, a truncation drops what lies above
// it, and when the bounds are exceeded the highest decrees are let go and the range ends earlier.
import { assert } from '../../common/assert.ts';
import { LOG_READ_BYTES_MAX, LOG_READ_RECORDS_MAX } from '../../common/limits.ts';
import type { Decree, LogBounds, LogReadBatch, LogReadRange, LogRecord } from './log-store.ts';
import { LogStoreError } from './log-store.ts';

export class ReadWindow {
  private readonly records = new Map<Decree, LogRecord>();
  private bytes = 0;
  private cut = false;

  private constructor(
    readonly fromDecree: Decree,
    private toDecree: Decree,
    private readonly recordsMax: number,
    private readonly bytesMax: number,
  ) {}

  /** Checks the range against the log's bounds; the window covers it up to the last decree. */
  static open(range: LogReadRange, bounds: LogBounds): ReadWindow {
    const recordsMax = range.recordsMax ?? LOG_READ_RECORDS_MAX;
    const bytesMax = range.bytesMax ?? LOG_READ_BYTES_MAX;
    if (!Number.isInteger(recordsMax) || recordsMax < 1 || recordsMax > LOG_READ_RECORDS_MAX) {
      throw new LogStoreError('ERR_INVALID_PARAMETERS', `log read: recordsMax ${recordsMax} not in [1, ${LOG_READ_RECORDS_MAX}]`, false);
    }
    if (!Number.isInteger(bytesMax) || bytesMax < 1 || bytesMax > LOG_READ_BYTES_MAX) {
      throw new LogStoreError('ERR_INVALID_PARAMETERS', `log read: bytesMax ${bytesMax} not in [1, ${LOG_READ_BYTES_MAX}]`, false);
    }
    if (range.fromDecree < bounds.firstDecree) {
      throw new LogStoreError('ERR_OBJECT_NOT_FOUND', `log read from decree ${range.fromDecree}: the log starts at ${bounds.firstDecree}`, false);
    }
    const to = range.toDecree < bounds.lastDecree ? range.toDecree : bounds.lastDecree;
    return new ReadWindow(range.fromDecree, to, recordsMax, bytesMax);
  }

  get empty(): boolean {
    return this.toDecree < this.fromDecree;
  }

  /** Whether a span of decrees [min, max] can hold a record this window still wants. */
  wants(min: Decree, max: Decree): boolean {
    return max >= this.fromDecree && min <= this.toDecree;
  }

  /** Whether a truncation at this decree can drop something this window holds or will hold. */
  affectedBy(truncationDecree: Decree): boolean {
    return truncationDecree < this.toDecree;
  }

  offer(record: LogRecord): void {
    if (record.decree < this.fromDecree || record.decree > this.toDecree) return;
    const previous = this.records.get(record.decree);
    if (previous !== undefined) this.bytes -= previous.body.length;
    this.records.delete(record.decree);
    this.records.set(record.decree, record);
    this.bytes += record.body.length;
    this.shrink();
  }

  truncateAfter(decree: Decree): void {
    for (const [key, record] of this.records) {
      if (key > decree) {
        this.records.delete(key);
        this.bytes -= record.body.length;
      }
    }
  }

  result(): LogReadBatch {
    const records = [...this.records.values()].sort((a, b) => (a.decree < b.decree ? -1 : a.decree > b.decree ? 1 : 0));
    assert(records.length <= this.recordsMax, 'a read returns at most recordsMax records');
    return { records, nextDecree: this.cut ? this.toDecree + 1n : undefined };
  }

  private shrink(): void {
    while (this.records.size > this.recordsMax || (this.bytes > this.bytesMax && this.records.size > 1)) {
      let highest: Decree | undefined;
      for (const key of this.records.keys()) if (highest === undefined || key > highest) highest = key;
      assert(highest !== undefined, 'a window over its bounds holds records');
      const dropped = this.records.get(highest);
      assert(dropped !== undefined, 'the highest decree is held');
      this.records.delete(highest);
      this.bytes -= dropped.body.length;
      this.toDecree = highest - 1n;
      this.cut = true;
    }
  }
}
