// Reads a checkpoint file front to back in bounded pieces (one block at a time), checking every
// checksum, count and ordering rule of checkpoint-format.ts as it goes. The caller receives the
// entries of each verified block; a fault anywhere throws a CheckpointError that names it.

import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { CHECKPOINT_BLOCK_BYTES_MAX } from '../../common/limits.ts';
import { APPLIED_DECREE_KEY, decodeDecree } from './bookkeeping.ts';
import {
  BLOCK_HEADER_BYTES, CHECKPOINT_END_MAGIC, CheckpointError, decodeHeader, ENTRY_HEADER_BYTES,
  FOOTER_BYTES, FOOTER_MARKER, HEADER_BYTES, hex32,
} from './checkpoint-format.ts';
import type { CheckpointHeader, CheckpointMetadata } from './checkpoint-format.ts';
import type { KvEntry } from './engine.ts';
import { DATA_VERSION } from './value-schema.ts';

/** Receives the entries of each verified block, in key order; awaited before reading on. */
export type BlockConsumer = (entries: readonly KvEntry[]) => Promise<void>;

/** Reads and verifies the whole file; entries go to `consume` block by block when given. */
export async function readCheckpointFile(path: string, consume?: BlockConsumer): Promise<CheckpointMetadata> {
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (cause) {
    throw new CheckpointError('io', `cannot open checkpoint file ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    return await new CheckpointFileReader(file, path, (await file.stat()).size).read(consume);
  } finally {
    await file.close();
  }
}

class CheckpointFileReader {
  private position = 0;
  private fileCrc = 0;
  private readonly sha256 = createHash('sha256');
  private previousKey: Buffer | undefined;
  private appliedDecree: bigint | undefined;
  private entryCount = 0;
  private dataBytes = 0;
  private blockCount = 0;

  constructor(
    private readonly file: FileHandle,
    private readonly path: string,
    private readonly fileBytes: number,
  ) {}

  async read(consume: BlockConsumer | undefined): Promise<CheckpointMetadata> {
    const header = decodeHeader(await this.readExact(HEADER_BYTES, 'the header'), `checkpoint file ${this.path}`, crc32);
    if (header.dataVersion > DATA_VERSION) {
      throw this.fault('unsupported_data_version', `data version ${header.dataVersion} is newer than this build's ${DATA_VERSION}`);
    }
    for (;;) {
      const blockStart = this.position;
      const head = await this.readExact(BLOCK_HEADER_BYTES, `block ${this.blockCount} or the footer`);
      if (head.readUInt32BE(0) === FOOTER_MARKER) return this.readFooter(head, header);
      const entries = await this.readBlock(head, blockStart);
      if (consume !== undefined) await consume(entries);
    }
  }

  private async readBlock(head: Buffer, blockStart: number): Promise<KvEntry[]> {
    const payloadBytes = head.readUInt32BE(0);
    const entryCount = head.readUInt32BE(4);
    const block = `block ${this.blockCount} at byte ${blockStart}`;
    if (payloadBytes === 0 || entryCount === 0) {
      throw this.fault('malformed_block', `${block} declares ${payloadBytes} payload bytes and ${entryCount} entries`);
    }
    if (payloadBytes > CHECKPOINT_BLOCK_BYTES_MAX) {
      throw this.fault('block_too_large', `${block} declares ${payloadBytes} payload bytes, more than the ${CHECKPOINT_BLOCK_BYTES_MAX} allowed`);
    }
    const payload = await this.readExact(payloadBytes, block);
    const stored = head.readUInt32BE(8);
    const computed = crc32(payload, crc32(head.subarray(0, 8)));
    if (stored !== computed) {
      throw this.fault('block_checksum', `${block}: checksum mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`);
    }
    const entries = this.parseEntries(payload, entryCount, block);
    this.blockCount++;
    return entries;
  }

  private parseEntries(payload: Buffer, entryCount: number, block: string): KvEntry[] {
    const entries: KvEntry[] = [];
    let offset = 0;
    while (offset < payload.length) {
      if (offset + ENTRY_HEADER_BYTES > payload.length) throw this.fault('malformed_block', `${block}: entry ${entries.length} header runs past the payload`);
      const keyLength = payload.readUInt32BE(offset);
      const valueLength = payload.readUInt32BE(offset + 4);
      const keyStart = offset + ENTRY_HEADER_BYTES;
      const end = keyStart + keyLength + valueLength;
      if (keyLength === 0 || end > payload.length) {
        throw this.fault('malformed_block', `${block}: entry ${entries.length} (key ${keyLength} bytes, value ${valueLength} bytes) does not fit the payload`);
      }
      const key = payload.subarray(keyStart, keyStart + keyLength);
      const value = payload.subarray(keyStart + keyLength, end);
      if (this.previousKey !== undefined && Buffer.compare(this.previousKey, key) >= 0) {
        throw this.fault('unsorted_keys', `${block}: key ${key.toString('hex')} does not follow ${this.previousKey.toString('hex')}`);
      }
      if (key.equals(APPLIED_DECREE_KEY)) this.appliedDecree = this.decodeDecreeEntry(value);
      this.previousKey = key;
      entries.push({ key, value });
      this.dataBytes += keyLength + valueLength;
      offset = end;
    }
    if (entries.length !== entryCount) {
      throw this.fault('malformed_block', `${block} declares ${entryCount} entries but holds ${entries.length}`);
    }
    this.entryCount += entries.length;
    return entries;
  }

  private async readFooter(head: Buffer, header: CheckpointHeader): Promise<CheckpointMetadata> {
    const rest = await this.readExact(FOOTER_BYTES - BLOCK_HEADER_BYTES, 'the footer', false);
    const footer = Buffer.concat([head, rest]);
    this.fileCrc = crc32(rest.subarray(0, 24 - BLOCK_HEADER_BYTES), this.fileCrc);
    this.sha256.update(rest);
    if (!footer.subarray(28, 36).equals(CHECKPOINT_END_MAGIC)) {
      throw this.fault('bad_footer', `footer at byte ${this.position - FOOTER_BYTES} lacks the end magic "PGTS-END"`);
    }
    const entryCount = Number(footer.readBigUInt64BE(4));
    const dataBytes = Number(footer.readBigUInt64BE(12));
    const blockCount = footer.readUInt32BE(20);
    if (entryCount !== this.entryCount || dataBytes !== this.dataBytes || blockCount !== this.blockCount) {
      throw this.fault('footer_mismatch', `footer declares ${entryCount} entries, ${dataBytes} data bytes in ${blockCount} blocks; ` +
        `the file holds ${this.entryCount} entries, ${this.dataBytes} data bytes in ${this.blockCount} blocks`);
    }
    const stored = footer.readUInt32BE(24);
    if (stored !== this.fileCrc) {
      throw this.fault('file_checksum', `whole-file checksum mismatch (stored ${hex32(stored)}, computed ${hex32(this.fileCrc)})`);
    }
    if (this.position !== this.fileBytes) {
      throw this.fault('trailing_bytes', `${this.fileBytes - this.position} bytes follow the footer`);
    }
    const decreeInFile = this.appliedDecree ?? 0n;
    if (decreeInFile !== header.decree) {
      throw this.fault('decree_mismatch', `header decree ${header.decree} differs from the applied decree ${decreeInFile} stored in the file`);
    }
    return {
      formatVersion: header.formatVersion, dataVersion: header.dataVersion, decree: header.decree,
      entryCount, dataBytes, blockCount, fileBytes: this.fileBytes, fileCrc32: stored, sha256: this.sha256.digest('hex'),
    };
  }

  private decodeDecreeEntry(value: Buffer): bigint {
    try {
      return decodeDecree(value);
    } catch (cause) {
      throw this.fault('malformed_block', `applied decree entry: ${(cause as Error).message}`);
    }
  }

  /** Reads exactly `length` bytes at the current position, feeding both file checksums. */
  private async readExact(length: number, what: string, intoCrc = true): Promise<Buffer> {
    const remaining = this.fileBytes - this.position;
    if (length > remaining) {
      throw this.fault('truncated', `file ends at byte ${this.fileBytes} in ${what} (needs ${length} bytes at byte ${this.position})`);
    }
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.file.read(buffer, filled, length - filled, this.position + filled);
      if (bytesRead === 0) throw this.fault('truncated', `file shrank while reading ${what} at byte ${this.position + filled}`);
      filled += bytesRead;
    }
    this.position += length;
    if (intoCrc) {
      this.fileCrc = crc32(buffer, this.fileCrc);
      this.sha256.update(buffer);
    }
    return buffer;
  }

  private fault(fault: ConstructorParameters<typeof CheckpointError>[0], detail: string): CheckpointError {
    return new CheckpointError(fault, `checkpoint file ${this.path}: ${detail}`);
  }
}
