// LogStore: one replica's private log (plog), the only write-ahead log of the replica. It keeps
// records (ballot, decree, opaque body) in the order they were appended; for each decree the
// record written last is the one that counts. Implementations: FileLogStore (segment files) and
// MemoryLogStore (tests, simulator); test/conformance/log-store.test.ts holds them to one contract.

import { PegasusError } from '../../common/errors.ts';

import type { Ballot, Decree } from '../replication/types.ts';

export type { Ballot, Decree };

/** One logged mutation: the body is opaque to the log (the replica shell encodes mutations). */
export interface LogRecord {
  readonly ballot: Ballot;
  readonly decree: Decree;
  readonly body: Uint8Array;
}

/** `always`: an append resolves after fsync (group commit); `never`: after the write (Pegasus's default). */
export type FsyncPolicy = 'always' | 'never';

export interface LogReadRange {
  /** First decree wanted; must be at least `bounds().firstDecree`. */
  readonly fromDecree: Decree;
  /** Last decree wanted, inclusive; decrees past the log's last decree are simply absent. */
  readonly toDecree: Decree;
  /** Records per call (capped by LOG_READ_RECORDS_MAX). */
  readonly recordsMax?: number;
  /** Body bytes per call, roughly (capped by LOG_READ_BYTES_MAX); the first record always fits. */
  readonly bytesMax?: number;
}

export interface LogReadBatch {
  /** Ascending decree, one record per decree present: the one written last. */
  readonly records: readonly LogRecord[];
  /** Set when the range was cut by the bounds: call again from here for the rest. */
  readonly nextDecree: Decree | undefined;
}

export interface LogBounds {
  /** Lowest decree the log can answer for; decrees below were garbage-collected or precede a reset. */
  readonly firstDecree: Decree;
  /** Highest decree present; firstDecree - 1 when the log holds nothing. */
  readonly lastDecree: Decree;
}

export interface LogGcResult {
  /** Segments deleted (whole segments only). */
  readonly segmentsRemoved: number;
  readonly bytesRemoved: number;
  /** Bounds after the collection. */
  readonly bounds: LogBounds;
}

export interface LogStats {
  /** Calls to append and truncateAfter accepted so far. */
  readonly appends: number;
  /** Write system calls issued for record blocks (one per group commit). */
  readonly writes: number;
  /** fsync/fdatasync calls issued (group commits under `always`, rollovers, resets). */
  readonly syncs: number;
  readonly bytesWritten: number;
  readonly segments: number;
  /** Bytes the log occupies now. */
  readonly sizeBytes: number;
}

export interface LogStore {
  /**
   * Appends records in order after everything appended before (across calls). Resolves when they
   * are durable per the fsync policy; concurrent calls are written and synced together.
   */
  append(records: readonly LogRecord[]): Promise<void>;
  /**
   * Makes every record appended so far with a decree above `decree` obsolete (replay and reads no
   * longer return them); ordered and durable like an append.
   */
  truncateAfter(decree: Decree): Promise<void>;
  /** Reads one bounded batch of the range; durable records only (appends not yet resolved may be absent). */
  read(range: LogReadRange): Promise<LogReadBatch>;
  bounds(): LogBounds;
  /**
   * Deletes whole segments, oldest first, while every record in them has a decree at or below
   * `decree`. The segment being written is kept, and so is a segment a read is using (and all
   * after it; a later call collects them). Ordered after earlier appends.
   */
  gcThrough(decree: Decree): Promise<LogGcResult>;
  /** Empties the log; it starts again after `decree` (a learner imported a checkpoint at it, or discarded its state). */
  reset(decree: Decree): Promise<void>;
  stats(): LogStats;
  /** Waits for queued work, then releases files. Every later call fails with ERR_INVALID_STATE. */
  close(): Promise<void>;
}

/** Pegasus error names for what can go wrong with a log. */
export type LogErrorCode =
  | 'ERR_INVALID_PARAMETERS'
  | 'ERR_INVALID_STATE'
  | 'ERR_OBJECT_NOT_FOUND'
  | 'ERR_CAPACITY_EXCEEDED'
  | 'ERR_CORRUPTION'
  | 'ERR_FILE_OPERATION_FAILED';

export class LogStoreError extends PegasusError<LogErrorCode> {
  override readonly name = 'LogStoreError';
}
