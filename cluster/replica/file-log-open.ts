// Opening a FileLogStore's directory after a clean close or a crash: list the segment files,
// check they form one unbroken sequence of this partition's log, drop segments made obsolete by
// a reset, verify every block, and cut a damaged or torn tail off the last segment at its last
// good block. Damage anywhere else is refused (ERR_CORRUPTION): a hole in the middle of the log
// cannot be repaired here, and skipping it would replay a log with mutations missing. The replica
// must then be rebuilt (learning from its primary).
import { mkdir, open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LOG_SEGMENTS_MAX } from '../../common/limits.ts';
import type { Gpid } from '../replication/configuration.ts';
import { boundsAfterAppend, boundsAfterTruncation } from './log-checks.ts';
import type { BlockSummary, LogEntry, SegmentHeader } from './log-format.ts';
import { decodeSegmentHeader, NO_DECREE_MAX, NO_DECREE_MIN, SEGMENT_HEADER_BYTES } from './log-format.ts';
import { readBlocks } from './log-block-reader.ts';
import type { Segment } from './log-segment.ts';
import { indexBlock, newSegment, parseSegmentFileName } from './log-segment.ts';
import { syncDirectory } from '../io/sync-directory.ts';
import type { Decree, LogBounds } from './log-store.ts';
import { LogStoreError } from './log-store.ts';

export interface DroppedTail {
  /** Path of the segment file. */
  readonly file: string;
  /** Offset of the first damaged byte range kept out (the last good block ends here). */
  readonly offset: number;
  readonly bytesDropped: number;
  readonly reason: string;
}

/** What opening found and repaired. */
export interface LogOpenReport {
  readonly segments: number;
  readonly blocks: number;
  readonly records: number;
  /** The damaged or torn tail cut off the last segment, if any; it is never replayed. */
  readonly droppedTail: DroppedTail | undefined;
  /** Segments made obsolete by a reset (interrupted by a crash) and removed now. */
  readonly obsoleteSegmentsRemoved: number;
}

export interface RecoveredLog {
  /** Verified segments, oldest first; the last one is where appends continue. */
  readonly segments: Segment[];
  readonly bounds: LogBounds;
  /** Index and first decree for a new segment when `segments` is empty. */
  readonly next: { readonly index: number; readonly firstDecree: Decree };
  readonly report: LogOpenReport;
}

interface Listed {
  readonly name: string;
  readonly index: number;
  readonly firstDecree: Decree;
}

function corruption(message: string): LogStoreError {
  return new LogStoreError('ERR_CORRUPTION', message, false);
}

export async function recoverLog(directory: string, gpid: Gpid): Promise<RecoveredLog> {
  await mkdir(directory, { recursive: true });
  const listed = await listSegments(directory);
  let droppedTail: DroppedTail | undefined;
  let next = { index: (listed.at(-1)?.index ?? 0) + 1, firstDecree: listed.at(-1)?.firstDecree ?? 1n };

  const headers: SegmentHeader[] = [];
  for (const [position, file] of listed.entries()) {
    const path = join(directory, file.name);
    const header = await readHeader(path);
    const isLast = position === listed.length - 1;
    if (typeof header === 'string' && isLast) {
      // A segment whose creation was cut short holds no record: remove it.
      droppedTail = { file: path, offset: 0, bytesDropped: await fileSize(path), reason: header };
      await rm(path);
      await syncDirectory(directory);
      next = { index: file.index, firstDecree: file.firstDecree };
      break;
    }
    if (typeof header === 'string') throw corruption(`plog segment ${path}: ${header}; later segments exist, the log cannot be repaired`);
    if (header.gpid.appId !== gpid.appId || header.gpid.partitionIndex !== gpid.partitionIndex) {
      throw corruption(`plog segment ${path} belongs to partition ${header.gpid.appId}.${header.gpid.partitionIndex}, not ${gpid.appId}.${gpid.partitionIndex}`);
    }
    if (header.index !== file.index || header.firstDecree !== file.firstDecree) {
      throw corruption(`plog segment ${path}: header says index ${header.index} first decree ${header.firstDecree}`);
    }
    headers.push(header);
  }

  // A reset segment makes every earlier one obsolete; a crash may have left some behind.
  const resetAt = headers.findLastIndex((header) => header.reset);
  const obsolete = resetAt > 0 ? headers.splice(0, resetAt) : [];
  for (const header of obsolete) await rm(newSegment(directory, header, 0).path);
  if (obsolete.length > 0) await syncDirectory(directory);

  const segments: Segment[] = [];
  let bounds: LogBounds | undefined;
  let blocks = 0;
  let records = 0;
  for (const [position, header] of headers.entries()) {
    const segment = newSegment(directory, header, SEGMENT_HEADER_BYTES);
    bounds ??= { firstDecree: header.firstDecree, lastDecree: header.firstDecree - 1n };
    const handle = await open(segment.path, 'r+');
    try {
      const size = (await handle.stat()).size;
      for await (const event of readBlocks(handle, SEGMENT_HEADER_BYTES, size)) {
        if (event.kind === 'damage') {
          if (position !== headers.length - 1) {
            throw corruption(`plog segment ${segment.path}: ${event.reason} at offset ${event.offset}; later segments exist, the log cannot be repaired`);
          }
          droppedTail = { file: segment.path, offset: event.offset, bytesDropped: size - event.offset, reason: event.reason };
          await handle.truncate(event.offset);
          await handle.datasync();
          break;
        }
        indexBlock(segment, event.offset, summarize(event.offset, event.length, event.entries));
        segment.sizeBytes = event.offset + event.length;
        bounds = replay(bounds, event.entries);
        blocks += 1;
        records += event.entries.length;
      }
    } finally {
      await handle.close();
    }
    segments.push(segment);
  }
  return {
    segments,
    bounds: bounds ?? { firstDecree: next.firstDecree, lastDecree: next.firstDecree - 1n },
    next,
    report: { segments: segments.length, blocks, records, droppedTail, obsoleteSegmentsRemoved: obsolete.length },
  };
}

async function listSegments(directory: string): Promise<Listed[]> {
  const listed: Listed[] = [];
  for (const name of await readdir(directory)) {
    const parsed = parseSegmentFileName(name);
    if (parsed !== undefined) listed.push({ name, ...parsed });
  }
  if (listed.length > LOG_SEGMENTS_MAX) throw corruption(`plog ${directory} holds ${listed.length} segments, more than ${LOG_SEGMENTS_MAX}`);
  listed.sort((a, b) => a.index - b.index);
  for (let i = 1; i < listed.length; i++) {
    const previous = listed[i - 1];
    const current = listed[i];
    if (previous !== undefined && current !== undefined && current.index !== previous.index + 1) {
      throw corruption(`plog ${directory}: segment ${previous.index + 1} is missing between ${previous.name} and ${current.name}`);
    }
  }
  return listed;
}

async function readHeader(path: string): Promise<SegmentHeader | string> {
  const handle = await open(path, 'r');
  try {
    const bytes = Buffer.alloc(SEGMENT_HEADER_BYTES);
    const { bytesRead } = await handle.read(bytes, 0, SEGMENT_HEADER_BYTES, 0);
    return decodeSegmentHeader(bytes.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

async function fileSize(path: string): Promise<number> {
  const handle = await open(path, 'r');
  try {
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}

export function summarize(offset: number, length: number, entries: readonly LogEntry[]): BlockSummary {
  let minDecree = NO_DECREE_MIN;
  let maxDecree = NO_DECREE_MAX;
  let truncationMin: Decree | undefined;
  for (const entry of entries) {
    if (entry.kind === 'record') {
      if (entry.record.decree < minDecree) minDecree = entry.record.decree;
      if (entry.record.decree > maxDecree) maxDecree = entry.record.decree;
    } else if (truncationMin === undefined || entry.decree < truncationMin) {
      truncationMin = entry.decree;
    }
  }
  return { offset, length, minDecree, maxDecree, truncationMin };
}

/** Bounds after entries, in log order. */
export function replay(bounds: LogBounds, entries: readonly LogEntry[]): LogBounds {
  let now = bounds;
  for (const entry of entries) {
    now = entry.kind === 'record' ? boundsAfterAppend(now, [entry.record]) : boundsAfterTruncation(now, entry.decree);
  }
  return now;
}
