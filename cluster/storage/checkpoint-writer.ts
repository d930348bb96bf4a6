// Encodes a checkpoint (checkpoint-format.ts) from entries given in key order: it packs them into
// blocks of about CHECKPOINT_BLOCK_BYTES_TARGET bytes and keeps the running whole-file crc32 and
// SHA-256 of every byte it emits. Memory: one block's worth of entry references.

import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { assert } from '../../common/assert.ts';
import { CHECKPOINT_BLOCK_BYTES_TARGET, CHECKPOINT_ENTRY_BYTES_MAX } from '../../common/limits.ts';
import {
  BLOCK_HEADER_BYTES, CheckpointError, encodeFooter, encodeHeader, ENTRY_HEADER_BYTES,
} from './checkpoint-format.ts';
import type { CheckpointHeader, CheckpointMetadata } from './checkpoint-format.ts';

export class CheckpointEncoder {
  private fileBytes = 0;
  private fileCrc = 0;
  private readonly sha256 = createHash('sha256');
  private pieces: Uint8Array[] = [];
  private blockPayloadBytes = 0;
  private blockEntryCount = 0;
  private entryCount = 0;
  private dataBytes = 0;
  private blockCount = 0;
  private previousKey: Uint8Array | undefined;
  private finished: CheckpointMetadata | undefined;

  constructor(private readonly header: CheckpointHeader) {}

  /** The first chunk of the file. */
  start(): Buffer {
    assert(this.fileBytes === 0, 'checkpoint header emitted twice');
    return this.emit(encodeHeader(this.header, crc32));
  }

  /** Adds one entry; returns a finished block when this entry filled one. */
  add(key: Uint8Array, value: Uint8Array): Buffer | undefined {
    assert(this.fileBytes > 0 && this.finished === undefined, 'entries go between start() and finish()');
    assert(key.length > 0, 'checkpoint keys are never empty');
    assert(this.previousKey === undefined || Buffer.compare(this.previousKey, key) < 0, 'checkpoint entries must come in strictly ascending key order');
    const entryBytes = ENTRY_HEADER_BYTES + key.length + value.length;
    if (entryBytes > CHECKPOINT_ENTRY_BYTES_MAX) {
      throw new CheckpointError('entry_too_large', `entry with key ${Buffer.from(key).toString('hex')} is ${entryBytes} bytes; a checkpoint entry holds at most ${CHECKPOINT_ENTRY_BYTES_MAX}`);
    }
    const lengths = Buffer.allocUnsafe(ENTRY_HEADER_BYTES);
    lengths.writeUInt32BE(key.length, 0);
    lengths.writeUInt32BE(value.length, 4);
    this.pieces.push(lengths, key, value);
    this.blockPayloadBytes += entryBytes;
    this.blockEntryCount++;
    this.entryCount++;
    this.dataBytes += key.length + value.length;
    this.previousKey = key;
    return this.blockPayloadBytes >= CHECKPOINT_BLOCK_BYTES_TARGET ? this.flushBlock() : undefined;
  }

  /** The last chunks of the file: the open block if any, then the footer. */
  finish(): Buffer[] {
    assert(this.finished === undefined, 'checkpoint finished twice');
    const chunks: Buffer[] = [];
    if (this.blockEntryCount > 0) chunks.push(this.flushBlock());
    const footer = encodeFooter(
      { entryCount: this.entryCount, dataBytes: this.dataBytes, blockCount: this.blockCount },
      (bytes) => crc32(bytes, this.fileCrc),
    );
    const fileCrc32 = footer.readUInt32BE(24);
    chunks.push(this.emit(footer));
    this.finished = {
      formatVersion: this.header.formatVersion, dataVersion: this.header.dataVersion, decree: this.header.decree,
      entryCount: this.entryCount, dataBytes: this.dataBytes, blockCount: this.blockCount,
      fileBytes: this.fileBytes, fileCrc32, sha256: this.sha256.digest('hex'),
    };
    return chunks;
  }

  metadata(): CheckpointMetadata {
    assert(this.finished !== undefined, 'checkpoint metadata exists once finished');
    return this.finished;
  }

  private flushBlock(): Buffer {
    const head = Buffer.allocUnsafe(BLOCK_HEADER_BYTES);
    head.writeUInt32BE(this.blockPayloadBytes, 0);
    head.writeUInt32BE(this.blockEntryCount, 4);
    let crc = crc32(head.subarray(0, 8));
    for (const piece of this.pieces) crc = crc32(piece, crc);
    head.writeUInt32BE(crc, 8);
    const block = Buffer.concat([head, ...this.pieces], BLOCK_HEADER_BYTES + this.blockPayloadBytes);
    this.pieces = [];
    this.blockPayloadBytes = 0;
    this.blockEntryCount = 0;
    this.blockCount++;
    return this.emit(block);
  }

  /** Every byte of the file passes here (the footer's crc was computed before it is emitted). */
  private emit(chunk: Buffer): Buffer {
    this.fileCrc = crc32(chunk, this.fileCrc);
    this.sha256.update(chunk);
    this.fileBytes += chunk.length;
    return chunk;
  }
}
