// The embedded MetaStore: one file per key in a directory, owned by one process (lock file).
// A put writes the value to a new file under tmp/, fsyncs it, renames it over entries/<key> and
// fsyncs entries/, so after a crash every key holds either its old or its new value, whole, and
// a resolved put is never lost. Keys map to file names by turning '/' into '~' (keys have no '~').
//   <directory>/LOCK        pid of the owner
//   <directory>/entries/    one file per key with a value
//   <directory>/tmp/        values being written; emptied on open
import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../../common/assert.ts';
import { META_STORE_ENTRIES_MAX } from '../../../common/limits.ts';
import { FileLock } from './file-lock.ts';
import { KeyedQueue } from './keyed-queue.ts';
import type { MetaStore } from './meta-store.ts';
import { checkKey, checkValue, closedError, isUnder, MetaStoreError } from './meta-store.ts';
import { syncDirectory } from '../../io/sync-directory.ts';

export interface FileMetaStoreOptions {
  readonly directory: string;
}

const fileName = (key: string) => key.replaceAll('/', '~');
const keyOf = (name: string) => name.replaceAll('~', '/');

function ioError(what: string, cause: unknown): MetaStoreError {
  if (cause instanceof MetaStoreError) return cause;
  return new MetaStoreError('ERR_FILE_OPERATION_FAILED', `${what}: ${(cause as Error).message}`, true, { cause });
}


async function loadEntries(entriesDir: string): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const names = await readdir(entriesDir);
  if (names.length > META_STORE_ENTRIES_MAX) {
    throw new MetaStoreError('ERR_CORRUPTION', `${entriesDir} holds ${names.length} files, more than ${META_STORE_ENTRIES_MAX}`, false);
  }
  for (const name of names) {
    const key = keyOf(name);
    try {
      checkKey(key);
    } catch (cause) {
      throw new MetaStoreError('ERR_CORRUPTION', `${join(entriesDir, name)} is not a meta store entry`, false, { cause });
    }
    values.set(key, await readFile(join(entriesDir, name), 'utf8'));
  }
  return values;
}

export class FileMetaStore implements MetaStore {
  private readonly queue: KeyedQueue;
  private tempSequence = 0;
  private closed = false;

  private constructor(
    readonly directory: string,
    private readonly lock: FileLock,
    private readonly entriesDir: FileHandle,
    /** Durable values only: a key changes here after its write is on disk. */
    private readonly values: Map<string, string>,
  ) {
    this.queue = new KeyedQueue(`meta store ${directory}`);
  }

  /** Opens (creating if needed) the store in `directory`; refuses if another opener holds it. */
  static async open(options: FileMetaStoreOptions): Promise<FileMetaStore> {
    const { directory } = options;
    const entriesPath = join(directory, 'entries');
    const tempPath = join(directory, 'tmp');
    try {
      await mkdir(directory, { recursive: true });
    } catch (error) {
      throw ioError(`creating ${directory}`, error);
    }
    const lock = await FileLock.acquire(join(directory, 'LOCK')).catch((error: unknown) => {
      throw ioError(`locking ${directory}`, error);
    });
    try {
      await mkdir(entriesPath, { recursive: true });
      await rm(tempPath, { recursive: true, force: true });
      await mkdir(tempPath, { recursive: true });
      await syncDirectory(directory);
      const values = await loadEntries(entriesPath);
      const entriesDir = await open(entriesPath, 'r');
      return new FileMetaStore(directory, lock, entriesDir, values);
    } catch (error) {
      await lock.release();
      throw ioError(`opening ${directory}`, error);
    }
  }

  async put(key: string, value: string): Promise<void> {
    checkKey(key);
    checkValue(key, value);
    await this.enqueue(key, async () => {
      const temp = join(this.directory, 'tmp', `${this.tempSequence++}.tmp`);
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(value, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, join(this.directory, 'entries', fileName(key)));
      await this.entriesDir.sync();
      this.values.set(key, value);
    });
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.enqueue(key, async () => {
      try {
        await unlink(join(this.directory, 'entries', fileName(key)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
      await this.entriesDir.sync();
      this.values.delete(key);
    });
  }

  async get(key: string): Promise<string | undefined> {
    checkKey(key);
    if (this.closed) throw closedError(`meta store ${this.directory}`);
    return Promise.resolve(this.values.get(key));
  }

  async entries(prefix?: string): Promise<[string, string][]> {
    if (prefix !== undefined) checkKey(prefix);
    if (this.closed) throw closedError(`meta store ${this.directory}`);
    const out: [string, string][] = [];
    for (const [key, value] of this.values) if (prefix === undefined || isUnder(key, prefix)) out.push([key, value]);
    return Promise.resolve(out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.drain();
    assert(this.queue.size() === 0, 'writes left after close');
    await this.entriesDir.close();
    await this.lock.release();
  }

  private async enqueue(key: string, write: () => Promise<void>): Promise<void> {
    if (this.closed) throw closedError(`meta store ${this.directory}`);
    try {
      await this.queue.run(key, write);
    } catch (error) {
      throw ioError(`meta store ${this.directory}: writing ${key}`, error);
    }
  }
}
