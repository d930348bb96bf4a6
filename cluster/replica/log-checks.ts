// Argument checks shared by every LogStore: bad input is refused with a precise reason and
// changes nothing.
import { LOG_APPEND_RECORDS_MAX, LOG_RECORD_BODY_BYTES_MAX } from '../../common/limits.ts';
import type { Decree, LogBounds, LogRecord } from './log-store.ts';
import { LogStoreError } from './log-store.ts';

const INT64_MAX = (1n << 63n) - 1n;

function invalid(message: string): LogStoreError {
  return new LogStoreError('ERR_INVALID_PARAMETERS', message, false);
}

export function checkAppend(records: readonly LogRecord[], bounds: LogBounds): void {
  if (records.length > LOG_APPEND_RECORDS_MAX) {
    throw invalid(`log append of ${records.length} records exceeds ${LOG_APPEND_RECORDS_MAX}`);
  }
  for (const record of records) {
    if (record.ballot < 0n || record.ballot > INT64_MAX) throw invalid(`log record ballot ${record.ballot} out of range`);
    if (record.decree < bounds.firstDecree || record.decree > INT64_MAX) {
      throw invalid(`log record decree ${record.decree} below the log's first decree ${bounds.firstDecree} or out of range`);
    }
    if (!(record.body instanceof Uint8Array)) throw invalid(`log record ${record.decree}: body is not bytes`);
    if (record.body.length > LOG_RECORD_BODY_BYTES_MAX) {
      throw invalid(`log record ${record.decree}: body of ${record.body.length} bytes exceeds ${LOG_RECORD_BODY_BYTES_MAX}`);
    }
  }
}

export function checkDecree(decree: Decree, what: string): void {
  if (decree < 0n || decree >= INT64_MAX) throw invalid(`${what}: decree ${decree} out of range`);
}

/** Bounds after appending these records in order. */
export function boundsAfterAppend(bounds: LogBounds, records: readonly LogRecord[]): LogBounds {
  let last = bounds.lastDecree;
  for (const record of records) if (record.decree > last) last = record.decree;
  return { firstDecree: bounds.firstDecree, lastDecree: last };
}

/** Bounds after a truncation: nothing above `decree` is left, and nothing below the first decree returns. */
export function boundsAfterTruncation(bounds: LogBounds, decree: Decree): LogBounds {
  const floor = bounds.firstDecree - 1n;
  const last = decree < bounds.lastDecree ? decree : bounds.lastDecree;
  return { firstDecree: bounds.firstDecree, lastDecree: last < floor ? floor : last };
}
