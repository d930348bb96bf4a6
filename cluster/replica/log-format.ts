// Byte layout of plog segment files. A segment starts with a header; then come blocks, each a
// header (magic, body length, record count, crc32 of those fields and the body) followed by
// records (kind, ballot, decree, body length, body). All integers big-endian.
//
//   segment header (32 bytes): magic u32 'PLOG' | version u16 | flags u16 | app id u32 |
//     partition index u32 | segment index u32 | first decree u64 | crc32 of the 28 bytes before
//   block header (16 bytes): magic u32 'BLOK' | body length u32 | record count u32 | crc32
//   record header (21 bytes): kind u8 | ballot u64 | decree u64 | body length u32
//
// A record of kind `truncate` carries no body: records logged before it with a larger decree are
// obsolete. A segment with the `reset` flag makes every earlier segment obsolete.
import { crc32 } from 'node:zlib';
import { assert } from '../../common/assert.ts';
import { LOG_BLOCK_BYTES_MAX, LOG_RECORD_BODY_BYTES_MAX } from '../../common/limits.ts';
import type { Gpid } from '../replication/configuration.ts';
import type { Decree, LogRecord } from './log-store.ts';

export const SEGMENT_MAGIC = 0x504c4f47;
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 32;
export const SEGMENT_FLAG_RESET = 1;
export const BLOCK_MAGIC = 0x424c4f4b;
export const BLOCK_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 21;
const RECORD_KIND_MUTATION = 1;
const RECORD_KIND_TRUNCATE = 2;

export type LogEntry =
  | { readonly kind: 'record'; readonly record: LogRecord }
  | { readonly kind: 'truncate'; readonly decree: Decree };

export function entryBytes(entry: LogEntry): number {
  return RECORD_HEADER_BYTES + (entry.kind === 'record' ? entry.record.body.length : 0);
}

// --- segment header ---

export interface SegmentHeader {
  readonly gpid: Gpid;
  readonly index: number;
  /** Every live decree at or above this was logged in this segment or a later one. */
  readonly firstDecree: Decree;
  /** The log was emptied here: earlier segments are obsolete. */
  readonly reset: boolean;
}

export function encodeSegmentHeader(header: SegmentHeader): Buffer {
  const bytes = Buffer.alloc(SEGMENT_HEADER_BYTES);
  bytes.writeUInt32BE(SEGMENT_MAGIC, 0);
  bytes.writeUInt16BE(SEGMENT_VERSION, 4);
  bytes.writeUInt16BE(header.reset ? SEGMENT_FLAG_RESET : 0, 6);
  bytes.writeUInt32BE(header.gpid.appId, 8);
  bytes.writeUInt32BE(header.gpid.partitionIndex, 12);
  bytes.writeUInt32BE(header.index, 16);
  bytes.writeBigUInt64BE(header.firstDecree, 20);
  bytes.writeUInt32BE(crc32(bytes.subarray(0, 28)), 28);
  return bytes;
}

/** The header, or why these bytes are not one. */
export function decodeSegmentHeader(bytes: Buffer): SegmentHeader | string {
  if (bytes.length < SEGMENT_HEADER_BYTES) return `segment header cut short at ${bytes.length} bytes`;
  if (bytes.readUInt32BE(0) !== SEGMENT_MAGIC) return 'bad segment magic';
  if (bytes.readUInt32BE(28) !== crc32(bytes.subarray(0, 28))) return 'segment header checksum mismatch';
  const version = bytes.readUInt16BE(4);
  if (version !== SEGMENT_VERSION) return `unknown segment version ${version}`;
  const flags = bytes.readUInt16BE(6);
  if ((flags & ~SEGMENT_FLAG_RESET) !== 0) return `unknown segment flags ${flags}`;
  return {
    gpid: { appId: bytes.readUInt32BE(8), partitionIndex: bytes.readUInt32BE(12) },
    index: bytes.readUInt32BE(16),
    firstDecree: bytes.readBigUInt64BE(20),
    reset: (flags & SEGMENT_FLAG_RESET) !== 0,
  };
}

// --- blocks ---

/** Where one block lies (relative to the start of the encoded bytes) and what it holds. */
export interface BlockSummary {
  readonly offset: number;
  readonly length: number;
  /** Lowest and highest record decree; min > max when the block holds only truncations. */
  readonly minDecree: Decree;
  readonly maxDecree: Decree;
  /** Lowest truncation decree in the block, if any. */
  readonly truncationMin: Decree | undefined;
}

export const NO_DECREE_MIN = (1n << 64n) - 1n;
export const NO_DECREE_MAX = -1n;

/**
 * Packs entries, in order, into blocks of about `blockBytesTarget` body bytes (a larger record gets
 * a block of its own) and returns one buffer holding them all.
 */
export function encodeBlocks(entries: readonly LogEntry[], blockBytesTarget: number): { bytes: Buffer; blocks: BlockSummary[] } {
  const bodies: { start: number; end: number; size: number }[] = [];
  let start = 0;
  let size = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    assert(entry !== undefined, 'entry in range');
    size += entryBytes(entry);
    if (size >= blockBytesTarget || i === entries.length - 1) {
      bodies.push({ start, end: i + 1, size });
      start = i + 1;
      size = 0;
    }
  }
  const total = bodies.reduce((sum, body) => sum + BLOCK_HEADER_BYTES + body.size, 0);
  const bytes = Buffer.allocUnsafe(total);
  const blocks: BlockSummary[] = [];
  let offset = 0;
  for (const body of bodies) {
    assert(body.size <= LOG_BLOCK_BYTES_MAX, 'a block body stays within what readers accept');
    let at = offset + BLOCK_HEADER_BYTES;
    let minDecree = NO_DECREE_MIN;
    let maxDecree = NO_DECREE_MAX;
    let truncationMin: Decree | undefined;
    for (let i = body.start; i < body.end; i++) {
      const entry = entries[i];
      assert(entry !== undefined, 'entry in range');
      if (entry.kind === 'record') {
        const { ballot, decree, body: recordBody } = entry.record;
        at = writeRecordHeader(bytes, at, RECORD_KIND_MUTATION, ballot, decree, recordBody.length);
        bytes.set(recordBody, at);
        at += recordBody.length;
        if (decree < minDecree) minDecree = decree;
        if (decree > maxDecree) maxDecree = decree;
      } else {
        at = writeRecordHeader(bytes, at, RECORD_KIND_TRUNCATE, 0n, entry.decree, 0);
        if (truncationMin === undefined || entry.decree < truncationMin) truncationMin = entry.decree;
      }
    }
    const bodyEnd = offset + BLOCK_HEADER_BYTES + body.size;
    assert(at === bodyEnd, 'block body size as computed');
    bytes.writeUInt32BE(BLOCK_MAGIC, offset);
    bytes.writeUInt32BE(body.size, offset + 4);
    bytes.writeUInt32BE(body.end - body.start, offset + 8);
    bytes.writeUInt32BE(blockChecksum(bytes, offset, bodyEnd), offset + 12);
    blocks.push({ offset, length: bodyEnd - offset, minDecree, maxDecree, truncationMin });
    offset = bodyEnd;
  }
  return { bytes, blocks };
}

function writeRecordHeader(bytes: Buffer, at: number, kind: number, ballot: bigint, decree: bigint, bodyLength: number): number {
  bytes.writeUInt8(kind, at);
  bytes.writeBigUInt64BE(ballot, at + 1);
  bytes.writeBigUInt64BE(decree, at + 9);
  bytes.writeUInt32BE(bodyLength, at + 17);
  return at + RECORD_HEADER_BYTES;
}

/** crc32 over the block header's length and count fields, then the body. */
function blockChecksum(bytes: Buffer, blockStart: number, bodyEnd: number): number {
  const fields = crc32(bytes.subarray(blockStart + 4, blockStart + 12));
  return crc32(bytes.subarray(blockStart + BLOCK_HEADER_BYTES, bodyEnd), fields);
}

export interface BlockHeader {
  readonly bodyLength: number;
  readonly recordCount: number;
}

/** Reads a block header at `offset` (16 bytes must be there), or says why it is not one. */
export function decodeBlockHeader(bytes: Buffer, offset: number): BlockHeader | string {
  if (bytes.readUInt32BE(offset) !== BLOCK_MAGIC) return 'bad block magic';
  const bodyLength = bytes.readUInt32BE(offset + 4);
  const recordCount = bytes.readUInt32BE(offset + 8);
  if (bodyLength > LOG_BLOCK_BYTES_MAX) return `block body length ${bodyLength} exceeds ${LOG_BLOCK_BYTES_MAX}`;
  if (recordCount === 0 || recordCount * RECORD_HEADER_BYTES > bodyLength) return `block record count ${recordCount} does not fit its body`;
  return { bodyLength, recordCount };
}

/** Verifies the checksum of a whole block at `offset` and decodes its entries, or says what is wrong. */
export function decodeBlock(bytes: Buffer, offset: number, header: BlockHeader): LogEntry[] | string {
  const bodyStart = offset + BLOCK_HEADER_BYTES;
  const bodyEnd = bodyStart + header.bodyLength;
  if (blockChecksum(bytes, offset, bodyEnd) !== bytes.readUInt32BE(offset + 12)) return 'block checksum mismatch';
  const entries: LogEntry[] = [];
  let at = bodyStart;
  for (let i = 0; i < header.recordCount; i++) {
    if (at + RECORD_HEADER_BYTES > bodyEnd) return 'record header past the block end';
    const kind = bytes.readUInt8(at);
    const ballot = bytes.readBigUInt64BE(at + 1);
    const decree = bytes.readBigUInt64BE(at + 9);
    const length = bytes.readUInt32BE(at + 17);
    at += RECORD_HEADER_BYTES;
    if (length > LOG_RECORD_BODY_BYTES_MAX || at + length > bodyEnd) return `record body of ${length} bytes past the block end`;
    if (kind === RECORD_KIND_MUTATION) {
      entries.push({ kind: 'record', record: { ballot, decree, body: new Uint8Array(bytes.subarray(at, at + length)) } });
    } else if (kind === RECORD_KIND_TRUNCATE && length === 0) {
      entries.push({ kind: 'truncate', decree });
    } else {
      return `unknown record kind ${kind}`;
    }
    at += length;
  }
  if (at !== bodyEnd) return 'block body longer than its records';
  return entries;
}
