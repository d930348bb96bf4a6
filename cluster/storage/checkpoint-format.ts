// The logical checkpoint file: a consistent snapshot of one engine, every entry in key order
// (user records, then the FF FF bookkeeping keys), checksummed block by block and as a whole.
// All integers are big-endian.
//
//   header (32 bytes)  magic "PGTS-CKP" | u32 format version | u32 data version | i64 decree
//                      | u32 reserved (0) | u32 crc32 of the 28 bytes before it
//   block (repeated)   u32 payload bytes (> 0) | u32 entry count (> 0) | u32 crc32 of the two
//                      fields before it and the payload | payload: entries, each
//                      u32 key length | u32 value length | key | value
//   footer (36 bytes)  u32 FFFFFFFF | u64 entry count | u64 data bytes (sum of key and value
//                      lengths) | u32 block count | u32 crc32 of every byte of the file before
//                      this field | end magic "PGTS-END"
//
// The decree in the header is the applied decree read from the same snapshot, and the file's own
// applied-decree entry must agree with it.

import { StorageStatus } from './status.ts';

export const CHECKPOINT_MAGIC = Buffer.from('PGTS-CKP', 'latin1');
export const CHECKPOINT_END_MAGIC = Buffer.from('PGTS-END', 'latin1');
export const CHECKPOINT_FORMAT_VERSION = 1;
export const HEADER_BYTES = 32;
export const BLOCK_HEADER_BYTES = 12;
export const FOOTER_BYTES = 36;
export const FOOTER_MARKER = 0xffff_ffff;
export const ENTRY_HEADER_BYTES = 8;

/** What a checkpoint file holds; backup stores it beside the uploaded file. */
export interface CheckpointMetadata {
  readonly formatVersion: number;
  readonly dataVersion: number;
  /** The applied decree of the snapshot. */
  readonly decree: bigint;
  readonly entryCount: number;
  /** Sum of key and value lengths of all entries. */
  readonly dataBytes: number;
  readonly blockCount: number;
  readonly fileBytes: number;
  /** The footer's crc32 of the file (every byte before the checksum field). */
  readonly fileCrc32: number;
  /** SHA-256 of the whole file, hex; for block stores that verify uploads. */
  readonly sha256: string;
}

export interface CheckpointHeader {
  readonly formatVersion: number;
  readonly dataVersion: number;
  readonly decree: bigint;
}

export interface CheckpointFooter {
  readonly entryCount: number;
  readonly dataBytes: number;
  readonly blockCount: number;
  readonly fileCrc32: number;
}

export type CheckpointFault =
  | 'bad_magic' | 'unsupported_version' | 'unsupported_data_version' | 'header_checksum'
  | 'truncated' | 'block_too_large' | 'malformed_block' | 'block_checksum' | 'unsorted_keys'
  | 'footer_mismatch' | 'file_checksum' | 'bad_footer' | 'trailing_bytes' | 'decree_mismatch'
  | 'entry_too_large' | 'target_not_empty' | 'engine_without_seek' | 'bad_metadata' | 'io';

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly status: Exclude<StorageStatus, 0>;
  constructor(
    readonly fault: CheckpointFault,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.status = fault === 'target_not_empty' || fault === 'engine_without_seek' || fault === 'bad_metadata' ? StorageStatus.invalidArgument
      : fault === 'io' ? StorageStatus.ioError
        : StorageStatus.corruption;
  }
}

export function encodeHeader(header: CheckpointHeader, crc32: (bytes: Buffer) => number): Buffer {
  const out = Buffer.alloc(HEADER_BYTES);
  CHECKPOINT_MAGIC.copy(out, 0);
  out.writeUInt32BE(header.formatVersion, 8);
  out.writeUInt32BE(header.dataVersion, 12);
  out.writeBigInt64BE(header.decree, 16);
  out.writeUInt32BE(0, 24);
  out.writeUInt32BE(crc32(out.subarray(0, 28)), 28);
  return out;
}

/** Decodes and checks a header; `where` names the file in error messages. */
export function decodeHeader(bytes: Buffer, where: string, crc32: (bytes: Buffer) => number): CheckpointHeader {
  if (bytes.length < HEADER_BYTES) {
    throw new CheckpointError('truncated', `${where}: file is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte checkpoint header`);
  }
  if (!bytes.subarray(0, 8).equals(CHECKPOINT_MAGIC)) {
    throw new CheckpointError('bad_magic', `${where}: not a checkpoint file (magic is ${bytes.subarray(0, 8).toString('hex')}, expected ${CHECKPOINT_MAGIC.toString('hex')} "PGTS-CKP")`);
  }
  const stored = bytes.readUInt32BE(28);
  const computed = crc32(bytes.subarray(0, 28));
  if (stored !== computed) {
    throw new CheckpointError('header_checksum', `${where}: header checksum mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`);
  }
  const formatVersion = bytes.readUInt32BE(8);
  if (formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError('unsupported_version', `${where}: checkpoint format version ${formatVersion} is not supported (this build reads version ${CHECKPOINT_FORMAT_VERSION})`);
  }
  return { formatVersion, dataVersion: bytes.readUInt32BE(12), decree: bytes.readBigInt64BE(16) };
}

export function encodeBlockHeader(payload: Buffer, entryCount: number, crc32: (bytes: Buffer, previous?: number) => number): Buffer {
  const out = Buffer.alloc(BLOCK_HEADER_BYTES);
  out.writeUInt32BE(payload.length, 0);
  out.writeUInt32BE(entryCount, 4);
  out.writeUInt32BE(crc32(payload, crc32(out.subarray(0, 8))), 8);
  return out;
}

export function encodeFooter(footer: Omit<CheckpointFooter, 'fileCrc32'>, fileCrcBefore: (bytes: Buffer) => number): Buffer {
  const out = Buffer.alloc(FOOTER_BYTES);
  out.writeUInt32BE(FOOTER_MARKER, 0);
  out.writeBigUInt64BE(BigInt(footer.entryCount), 4);
  out.writeBigUInt64BE(BigInt(footer.dataBytes), 12);
  out.writeUInt32BE(footer.blockCount, 20);
  out.writeUInt32BE(fileCrcBefore(out.subarray(0, 24)), 24);
  CHECKPOINT_END_MAGIC.copy(out, 28);
  return out;
}

export function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

/** The metadata as JSON (the decree as a decimal string), as backup stores it beside the file. */
export function checkpointMetadataToJson(metadata: CheckpointMetadata): string {
  return JSON.stringify({ ...metadata, decree: metadata.decree.toString() });
}

/** Parses checkpointMetadataToJson's output; a missing or mistyped field is a CheckpointError. */
export function checkpointMetadataFromJson(json: string): CheckpointMetadata {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new CheckpointError('bad_metadata', `checkpoint metadata is not JSON: ${(cause as Error).message}`, { cause });
  }
  const record = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const integer = (name: string): number => {
    const value = record[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new CheckpointError('bad_metadata', `checkpoint metadata field ${name} is ${JSON.stringify(value)}, expected a non-negative integer`);
    }
    return value;
  };
  const decree = record['decree'];
  if (typeof decree !== 'string' || !/^-?\d+$/.test(decree)) {
    throw new CheckpointError('bad_metadata', `checkpoint metadata field decree is ${JSON.stringify(decree)}, expected a decimal string`);
  }
  const sha256 = record['sha256'];
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new CheckpointError('bad_metadata', `checkpoint metadata field sha256 is ${JSON.stringify(sha256)}, expected 64 hex digits`);
  }
  return {
    formatVersion: integer('formatVersion'), dataVersion: integer('dataVersion'), decree: BigInt(decree),
    entryCount: integer('entryCount'), dataBytes: integer('dataBytes'), blockCount: integer('blockCount'),
    fileBytes: integer('fileBytes'), fileCrc32: integer('fileCrc32'), sha256,
  };
}
