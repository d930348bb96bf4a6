// Learner side of LT_APP: copies the checkpoint file at `decree` from node `from`, chunk by chunk
// through the server's outbox, into a local file (synced). The file is verified by the caller.
import { open, rm } from 'node:fs/promises';
import { PegasusError } from '../../../common/errors.ts';
import { HOST_CHECKPOINT_FILE_BYTES_MAX } from '../../../common/limits.ts';
import type { Gpid, NodeId } from '../../replication/configuration.ts';
import type { CheckpointChunkRequest, CheckpointChunkResponse } from '../../rpc/cluster-messages.ts';

export type CheckpointCopyCode = 'ERR_INVALID_STATE' | 'ERR_INVALID_DATA' | 'ERR_TIMEOUT' | 'ERR_FILE_OPERATION_FAILED';

export class CheckpointCopyError extends PegasusError<CheckpointCopyCode> {
  override readonly name = 'CheckpointCopyError';
}

export interface CheckpointCopy {
  readonly from: NodeId;
  readonly gpid: Gpid;
  readonly decree: bigint;
  /** Local file to write; replaced if it exists. */
  readonly path: string;
  readonly chunkBytes: number;
  readonly timeoutMs: number;
  readonly fetch: (from: NodeId, request: CheckpointChunkRequest, timeoutMs: number) => Promise<CheckpointChunkResponse>;
  /** Checked between chunks: false stops the copy (the core no longer wants it). */
  readonly stillWanted: () => boolean;
}

export async function copyCheckpoint(copy: CheckpointCopy): Promise<void> {
  const file = await open(copy.path, 'w');
  let ok = false;
  try {
    let offset = 0n;
    let total: bigint | undefined;
    while (total === undefined || offset < total) {
      if (!copy.stillWanted()) throw new CheckpointCopyError('ERR_INVALID_STATE', 'checkpoint copy no longer wanted', false);
      const response = await fetchChunk(copy, offset);
      total ??= checkedTotal(copy, response.totalBytes);
      if (response.totalBytes !== total) {
        throw new CheckpointCopyError('ERR_INVALID_STATE', `checkpoint ${copy.decree} on ${copy.from} changed size during the copy`, true);
      }
      if (response.offset !== offset || response.decree !== copy.decree || response.bytes.length > copy.chunkBytes ||
        (response.bytes.length === 0 && offset < total) || offset + BigInt(response.bytes.length) > total) {
        throw new CheckpointCopyError('ERR_INVALID_DATA', `chunk at ${offset} of checkpoint ${copy.decree} from ${copy.from} does not fit the request`, true);
      }
      await writeAt(file, response.bytes, offset);
      offset += BigInt(response.bytes.length);
    }
    await file.sync();
    ok = true;
  } finally {
    await file.close();
    if (!ok) await rm(copy.path, { force: true });
  }
}

async function fetchChunk(copy: CheckpointCopy, offset: bigint): Promise<CheckpointChunkResponse> {
  let response: CheckpointChunkResponse;
  try {
    response = await copy.fetch(copy.from, { gpid: copy.gpid, decree: copy.decree, offset, maxBytes: copy.chunkBytes }, copy.timeoutMs);
  } catch (cause) {
    throw new CheckpointCopyError('ERR_TIMEOUT', `fetching checkpoint ${copy.decree} from ${copy.from} at ${offset}: ${(cause as Error).message}`, true, { cause });
  }
  if (response.error !== 'ERR_OK') {
    throw new CheckpointCopyError('ERR_INVALID_STATE', `${copy.from} refused checkpoint ${copy.decree} at ${offset}: ${response.error}`, true);
  }
  return response;
}

function checkedTotal(copy: CheckpointCopy, total: bigint): bigint {
  if (total <= 0n || total > BigInt(HOST_CHECKPOINT_FILE_BYTES_MAX)) {
    throw new CheckpointCopyError('ERR_INVALID_DATA', `checkpoint ${copy.decree} from ${copy.from} claims ${total} bytes`, false);
  }
  return total;
}

async function writeAt(file: Awaited<ReturnType<typeof open>>, bytes: Uint8Array, offset: bigint): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await file.write(bytes, written, bytes.length - written, Number(offset) + written);
    written += bytesWritten;
  }
}
