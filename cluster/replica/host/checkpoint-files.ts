// The replica's own checkpoint of its app, in `<replica>/checkpoint/checkpoint.<decree>`: the
// logical checkpoint file of cluster/storage (checkpoint.ts) that learners copy chunk by chunk
// (LT_APP). The newest and the one before it are kept: a learner that started copying a
// checkpoint just before a new one was taken still finishes; one superseded twice is deleted and
// a learner still copying it is told ERR_INVALID_STATE.
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeCheckpoint } from '../../storage/checkpoint.ts';
import type { KvEngine } from '../../storage/engine.ts';
import type { CheckpointChunkRequest, CheckpointChunkResponse } from '../../rpc/cluster-messages.ts';
import { syncDirectory } from '../../io/sync-directory.ts';
import { HOST_CHECKPOINT_CHUNK_BYTES_MAX } from '../../../common/limits.ts';

const PREFIX = 'checkpoint.';
const TAKING = 'checkpoint.taking';

interface Current {
  readonly decree: bigint;
  readonly path: string;
  readonly sizeBytes: bigint;
}

export class CheckpointFiles {
  private current: Current | undefined;
  private previous: Current | undefined;

  private constructor(private readonly directory: string) {}

  /** Finds the newest complete checkpoint; removes older ones and leftovers of an interrupted take. */
  static async open(directory: string): Promise<CheckpointFiles> {
    await mkdir(directory, { recursive: true });
    const files = new CheckpointFiles(directory);
    const decrees: bigint[] = [];
    for (const name of await readdir(directory)) {
      const decree = /^checkpoint\.(\d+)$/.exec(name)?.[1];
      if (decree === undefined) await rm(join(directory, name), { force: true, recursive: true });
      else decrees.push(BigInt(decree));
    }
    decrees.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const newest = decrees.pop();
    const older = decrees.pop();
    for (const decree of decrees) await rm(files.pathOf(decree), { force: true });
    if (older !== undefined) await files.adopt(older);
    if (newest !== undefined) await files.adopt(newest);
    return files;
  }

  /** Decree of the newest checkpoint, 0 when there is none. */
  get decree(): bigint {
    return this.current?.decree ?? 0n;
  }

  /** Writes a checkpoint of the engine's current state; returns its decree. */
  async take(engine: KvEngine): Promise<bigint> {
    const taking = join(this.directory, TAKING);
    const metadata = await writeCheckpoint(engine, taking);
    const previous = this.current;
    if (previous !== undefined && previous.decree === metadata.decree) {
      await rm(taking, { force: true });
      return metadata.decree;
    }
    await rename(taking, this.pathOf(metadata.decree));
    await syncDirectory(this.directory);
    const superseded = this.previous;
    await this.adopt(metadata.decree);
    if (superseded !== undefined) await rm(superseded.path, { force: true });
    return metadata.decree;
  }

  /** Deletes every checkpoint (the app's data was discarded or replaced). */
  async clear(): Promise<void> {
    const files = [this.current, this.previous];
    this.current = undefined;
    this.previous = undefined;
    for (const file of files) if (file !== undefined) await rm(file.path, { force: true });
  }

  /** One chunk of the checkpoint at `request.decree` (request.gpid is the caller's to check). */
  async readChunk(request: CheckpointChunkRequest): Promise<CheckpointChunkResponse> {
    const current = [this.current, this.previous].find((file) => file?.decree === request.decree);
    const refuse = (error: CheckpointChunkResponse['error']): CheckpointChunkResponse => ({
      error, decree: request.decree, totalBytes: current?.sizeBytes ?? 0n, offset: request.offset, bytes: new Uint8Array(0),
    });
    if (current === undefined) return refuse('ERR_INVALID_STATE');
    if (!Number.isInteger(request.maxBytes) || request.maxBytes < 1 || request.maxBytes > HOST_CHECKPOINT_CHUNK_BYTES_MAX) return refuse('ERR_INVALID_PARAMETERS');
    if (request.offset < 0n || request.offset > current.sizeBytes) return refuse('ERR_INVALID_PARAMETERS');
    const length = Number(current.sizeBytes - request.offset < BigInt(request.maxBytes) ? current.sizeBytes - request.offset : BigInt(request.maxBytes));
    let file;
    try {
      file = await open(current.path, 'r');
    } catch {
      // Superseded and deleted between the check and the open.
      return refuse('ERR_INVALID_STATE');
    }
    try {
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await file.read(bytes, filled, length - filled, Number(request.offset) + filled);
        if (bytesRead === 0) return refuse('ERR_INVALID_STATE');
        filled += bytesRead;
      }
      return { error: 'ERR_OK', decree: current.decree, totalBytes: current.sizeBytes, offset: request.offset, bytes };
    } finally {
      await file.close();
    }
  }

  private pathOf(decree: bigint): string {
    return join(this.directory, `${PREFIX}${decree}`);
  }

  private async adopt(decree: bigint): Promise<void> {
    const path = this.pathOf(decree);
    const file = await open(path, 'r');
    try {
      this.previous = this.current;
      this.current = { decree, path, sizeBytes: BigInt((await file.stat()).size) };
    } finally {
      await file.close();
    }
  }
}
