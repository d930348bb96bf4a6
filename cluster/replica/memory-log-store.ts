// MemoryLogStore: the LogStore contract kept in memory, for tests and the simulator. It holds
// the live record of each decree (the one written last) and applies every call at once; a
// collection removes exactly the decrees at or below its bound (a file log removes whole
// segments, so it may keep more).
import { boundsAfterAppend, boundsAfterTruncation, checkAppend, checkDecree } from './log-checks.ts';
import { ReadWindow } from './log-read-window.ts';
import type {
  Decree, LogBounds, LogGcResult, LogReadBatch, LogReadRange, LogRecord, LogStats, LogStore,
} from './log-store.ts';
import { LogStoreError } from './log-store.ts';

export class MemoryLogStore implements LogStore {
  private readonly records = new Map<Decree, LogRecord>();
  private current: LogBounds = { firstDecree: 1n, lastDecree: 0n };
  private closed = false;
  private appends = 0;
  private bytesWritten = 0;
  private sizeBytes = 0;

  async append(records: readonly LogRecord[]): Promise<void> {
    this.checkOpen();
    checkAppend(records, this.current);
    for (const record of records) {
      this.remove(record.decree);
      this.records.set(record.decree, { ballot: record.ballot, decree: record.decree, body: record.body.slice() });
      this.sizeBytes += record.body.length;
      this.bytesWritten += record.body.length;
    }
    this.current = boundsAfterAppend(this.current, records);
    this.appends += 1;
  }

  async truncateAfter(decree: Decree): Promise<void> {
    this.checkOpen();
    checkDecree(decree, 'log truncation');
    for (const key of [...this.records.keys()]) if (key > decree) this.remove(key);
    this.current = boundsAfterTruncation(this.current, decree);
    this.appends += 1;
  }

  async read(range: LogReadRange): Promise<LogReadBatch> {
    this.checkOpen();
    const window = ReadWindow.open(range, this.current);
    if (window.empty) return window.result();
    const last = range.toDecree < this.current.lastDecree ? range.toDecree : this.current.lastDecree;
    for (let decree = range.fromDecree; decree <= last && window.wants(decree, decree); decree += 1n) {
      const record = this.records.get(decree);
      if (record !== undefined) window.offer({ ballot: record.ballot, decree, body: record.body.slice() });
    }
    return window.result();
  }

  bounds(): LogBounds {
    return this.current;
  }

  async gcThrough(decree: Decree): Promise<LogGcResult> {
    this.checkOpen();
    checkDecree(decree, 'log gc');
    const through = decree < this.current.lastDecree ? decree : this.current.lastDecree;
    let bytesRemoved = 0;
    for (const key of [...this.records.keys()]) {
      if (key <= through) bytesRemoved += this.remove(key);
    }
    if (through + 1n > this.current.firstDecree) this.current = { firstDecree: through + 1n, lastDecree: this.current.lastDecree };
    return { segmentsRemoved: 0, bytesRemoved, bounds: this.current };
  }

  async reset(decree: Decree): Promise<void> {
    this.checkOpen();
    checkDecree(decree, 'log reset');
    this.records.clear();
    this.sizeBytes = 0;
    this.current = { firstDecree: decree + 1n, lastDecree: decree };
  }

  stats(): LogStats {
    return { appends: this.appends, writes: this.appends, syncs: 0, bytesWritten: this.bytesWritten, segments: 1, sizeBytes: this.sizeBytes };
  }

  async close(): Promise<void> {
    this.checkOpen();
    this.closed = true;
  }

  private remove(decree: Decree): number {
    const record = this.records.get(decree);
    if (record === undefined) return 0;
    this.records.delete(decree);
    this.sizeBytes -= record.body.length;
    return record.body.length;
  }

  private checkOpen(): void {
    if (this.closed) throw new LogStoreError('ERR_INVALID_STATE', 'memory log is closed', false);
  }
}
