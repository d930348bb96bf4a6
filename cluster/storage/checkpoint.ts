// Logical checkpoints: export a consistent snapshot of an engine into a checkpoint file
// (checkpoint-format.ts), verify a file, and import one into an empty engine. Learning (LT_APP),
// cold backup and restore all use these.
//
// Export reads ONE iterator: it first seeks to the FF FF bookkeeping keys to learn the applied
// decree and data version for the header, then seeks back to the first key and streams every
// entry, bookkeeping included, from that same snapshot. Memory stays bounded: reads are sized to
// about CHECKPOINT_EXPORT_READ_BYTES, one block is buffered, and every chunk is awaited by the
// sink before the next is produced.
//
// Import refuses a non-empty engine, verifies the whole file (every checksum, count and the key
// order) before writing anything, then writes it in bounded batches. The bookkeeping keys are held
// back and written last, in the final batch, after the file was read a second time without fault:
// an engine whose import was interrupted has no applied decree and must be discarded. If the
// second read finds a fault (the file changed in between), what was written is removed again.

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { assert } from '../../common/assert.ts';
import {
  CHECKPOINT_EXPORT_READ_BYTES, CHECKPOINT_EXPORT_READ_COUNT, CHECKPOINT_IMPORT_BATCH_BYTES_MAX,
} from '../../common/limits.ts';
import { APPLIED_DECREE_KEY, DATA_VERSION_KEY, decodeDecree, isReservedKey } from './bookkeeping.ts';
import { CHECKPOINT_FORMAT_VERSION, CheckpointError } from './checkpoint-format.ts';
import type { CheckpointMetadata } from './checkpoint-format.ts';
import { readCheckpointFile } from './checkpoint-reader.ts';
import { CheckpointEncoder } from './checkpoint-writer.ts';
import type { KvEngine, KvEntry, KvIterator, WriteOp } from './engine.ts';
import { RESERVED_KEY_PREFIX } from './key-schema.ts';
import { DATA_VERSION } from './value-schema.ts';
import { replaceFile } from '../io/replace-file.ts';

/** Bookkeeping keys a snapshot may hold; more means the engine is not a partition's. */
const BOOKKEEPING_ENTRIES_MAX = 1000;
const FIRST_KEY = Uint8Array.of(0x00);

/** Receives each chunk of the file in order; the next chunk is produced once it resolves. */
export type CheckpointSink = (chunk: Buffer) => Promise<void>;

/** Streams a consistent snapshot of `engine` into `sink`; returns the file's metadata. */
export async function exportCheckpoint(engine: KvEngine, sink: CheckpointSink): Promise<CheckpointMetadata> {
  const iterator = engine.iterator();
  try {
    if (iterator.seek === undefined) {
      throw new CheckpointError('engine_without_seek', 'checkpoint export needs an engine whose iterators can seek');
    }
    iterator.seek(RESERVED_KEY_PREFIX);
    const bookkeeping = await iterator.nextBatch(BOOKKEEPING_ENTRIES_MAX + 1);
    assert(bookkeeping.length <= BOOKKEEPING_ENTRIES_MAX, `more than ${BOOKKEEPING_ENTRIES_MAX} bookkeeping entries`);
    const encoder = new CheckpointEncoder({
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      dataVersion: dataVersionOf(bookkeeping),
      decree: decodeDecree(bookkeeping.find((e) => Buffer.from(e.key).equals(APPLIED_DECREE_KEY))?.value),
    });
    iterator.seek(FIRST_KEY);
    await sink(encoder.start());
    await streamEntries(iterator, encoder, sink);
    for (const chunk of encoder.finish()) await sink(chunk);
    return encoder.metadata();
  } finally {
    await iterator.close();
  }
}

async function streamEntries(iterator: KvIterator, encoder: CheckpointEncoder, sink: CheckpointSink): Promise<void> {
  let readCount = 16;
  for (;;) {
    const batch = await iterator.nextBatch(readCount);
    let bytes = 0;
    for (const entry of batch) {
      bytes += entry.key.length + entry.value.length;
      const block = encoder.add(entry.key, entry.value);
      if (block !== undefined) await sink(block);
    }
    if (batch.length < readCount) return;
    const averageBytes = Math.max(1, bytes / batch.length);
    readCount = Math.max(1, Math.min(CHECKPOINT_EXPORT_READ_COUNT, Math.floor(CHECKPOINT_EXPORT_READ_BYTES / averageBytes)));
  }
}

/** The data version stored in the bookkeeping (a big-endian unsigned integer), or DATA_VERSION. */
function dataVersionOf(bookkeeping: readonly KvEntry[]): number {
  const value = bookkeeping.find((e) => Buffer.from(e.key).equals(DATA_VERSION_KEY))?.value;
  if (value === undefined) return DATA_VERSION;
  assert(value.length >= 1 && value.length <= 4 || (value.length === 8 && value[0] === 0 && value[1] === 0 && value[2] === 0 && value[3] === 0),
    `data version bookkeeping value of ${value.length} bytes is not an integer this build reads`);
  return value.reduce((acc, byte) => acc * 256 + byte, 0);
}

/**
 * Writes a checkpoint of `engine` to `path` atomically: into `path.partial`, fsynced, then
 * renamed over `path` (and the directory fsynced). Returns the file's metadata.
 */
export async function writeCheckpoint(engine: KvEngine, path: string): Promise<CheckpointMetadata> {
  return replaceFile(path, (file) => exportCheckpoint(engine, (chunk) => writeFully(file, chunk)), {
    temporary: `${path}.partial`,
    openTemporary: (partial) => openForCheckpoint(partial, 'w'),
  });
}

/** Reads the whole file and checks every checksum, count and rule; returns its metadata. */
export function verifyCheckpoint(path: string): Promise<CheckpointMetadata> {
  return readCheckpointFile(path);
}

/** Imports a checkpoint file into an empty engine (see the file comment); returns its metadata. */
export async function importCheckpoint(engine: KvEngine, path: string): Promise<CheckpointMetadata> {
  await ensureEmpty(engine, path);
  const verified = await readCheckpointFile(path);
  let batch: WriteOp[] = [];
  let batchBytes = 0;
  const bookkeeping: WriteOp[] = [];
  try {
    const imported = await readCheckpointFile(path, async (entries) => {
      for (const { key, value } of entries) {
        if (isReservedKey(key)) {
          assert(bookkeeping.length < BOOKKEEPING_ENTRIES_MAX, `more than ${BOOKKEEPING_ENTRIES_MAX} bookkeeping entries`);
          bookkeeping.push({ kind: 'put', key, value });
          continue;
        }
        batch.push({ kind: 'put', key, value });
        batchBytes += key.length + value.length;
        if (batchBytes >= CHECKPOINT_IMPORT_BATCH_BYTES_MAX) {
          await engine.write(batch);
          batch = [];
          batchBytes = 0;
        }
      }
    });
    if (imported.sha256 !== verified.sha256) {
      throw new CheckpointError('file_checksum', `checkpoint file ${path} changed between verification and import`);
    }
    await engine.write([...batch, ...bookkeeping]);
    return imported;
  } catch (error) {
    try {
      await clearEngine(engine);
    } catch (clearError) {
      throw new CheckpointError('io', `importing ${path} failed (${(error as Error).message}) and removing what was written failed too ` +
        `(${(clearError as Error).message}): discard this engine`, { cause: error });
    }
    throw error;
  }
}

async function ensureEmpty(engine: KvEngine, path: string): Promise<void> {
  const iterator = engine.iterator({ keysOnly: true });
  try {
    const first = await iterator.next();
    if (first !== undefined) {
      throw new CheckpointError('target_not_empty', `refusing to import ${path}: the target engine is not empty (it holds key ${Buffer.from(first.key).toString('hex')})`);
    }
  } finally {
    await iterator.close();
  }
}

/** Deletes every key, in bounded batches; used to undo a failed import. */
async function clearEngine(engine: KvEngine): Promise<void> {
  const iterator = engine.iterator({ keysOnly: true });
  try {
    for (;;) {
      const entries = await iterator.nextBatch(CHECKPOINT_EXPORT_READ_COUNT);
      if (entries.length > 0) await engine.write(entries.map((e) => ({ kind: 'delete', key: e.key })));
      if (entries.length < CHECKPOINT_EXPORT_READ_COUNT) return;
    }
  } finally {
    await iterator.close();
  }
}

async function openForCheckpoint(path: string, flags: string): Promise<FileHandle> {
  try {
    return await open(path, flags);
  } catch (cause) {
    throw new CheckpointError('io', `cannot open ${path}: ${(cause as Error).message}`, { cause });
  }
}

async function writeFully(file: FileHandle, chunk: Buffer): Promise<void> {
  let written = 0;
  while (written < chunk.length) {
    const { bytesWritten } = await file.write(chunk, written, chunk.length - written);
    written += bytesWritten;
  }
}

