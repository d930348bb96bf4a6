// A BlockStore over a local directory. Whole-file atomicity comes from replaceFile (temporary file,
// fsync, rename, directory fsync); temporary names are unique so concurrent puts of one path do not
// share one, and list() hides them.
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { replaceFile } from '../../cluster/io/replace-file.ts';
import { BlockStoreError, checkBlockPath } from './block-store.ts';
import type { BlockFileStat, BlockListEntry, BlockStore } from './block-store.ts';

const TEMP_SUFFIX = '.partial';

export class LocalBlockStore implements BlockStore {
  readonly target: string;

  constructor(private readonly root: string) {
    this.target = `file://${root}`;
  }

  async put(path: string, body: Uint8Array | AsyncIterable<Uint8Array>, options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    checkBlockPath(path);
    const file = this.resolve(path);
    await mkdir(dirname(file), { recursive: true });
    await replaceFile(file, async (handle) => {
      if (body instanceof Uint8Array) {
        await handle.write(body);
      } else {
        for await (const chunk of body) {
          options.signal?.throwIfAborted();
          await handle.write(chunk);
        }
      }
      options.signal?.throwIfAborted();
    }, { temporary: `${file}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}` });
  }

  async get(path: string): Promise<Uint8Array> {
    checkBlockPath(path);
    try {
      return new Uint8Array(await readFile(this.resolve(path)));
    } catch (error) {
      throw this.translate(path, error);
    }
  }

  async *read(path: string, options: { readonly signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    checkBlockPath(path);
    const stream = createReadStream(this.resolve(path), options.signal === undefined ? {} : { signal: options.signal });
    try {
      for await (const chunk of stream) yield new Uint8Array(chunk as Buffer);
    } catch (error) {
      throw this.translate(path, error);
    }
  }

  async stat(path: string): Promise<BlockFileStat | undefined> {
    checkBlockPath(path);
    try {
      const found = await stat(this.resolve(path));
      return found.isFile() ? { path, size: found.size } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.translate(path, error);
    }
  }

  async list(path: string): Promise<BlockListEntry[]> {
    checkBlockPath(path, { allowRoot: true });
    const dir = path === '' ? this.root : this.resolve(path);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw this.translate(path, error);
    }
    const entries: BlockListEntry[] = [];
    for (const name of names.filter((n) => !n.endsWith(TEMP_SUFFIX)).sort()) {
      const found = await stat(join(dir, name)).catch(() => undefined);
      if (found === undefined) continue;
      entries.push({ name, directory: found.isDirectory(), size: found.isDirectory() ? 0 : found.size });
    }
    return entries;
  }

  async remove(path: string): Promise<void> {
    checkBlockPath(path);
    await rm(this.resolve(path), { recursive: true, force: true });
  }

  async close(): Promise<void> {}

  private resolve(path: string): string {
    return join(this.root, ...path.split('/'));
  }

  private translate(path: string, error: unknown): Error {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return new BlockStoreError('ERR_OBJECT_NOT_FOUND', `${this.target}: no file ${path}`, false, { cause: error });
    if (code === 'EACCES' || code === 'EPERM') return new BlockStoreError('ERR_ACCESS_DENIED', `${this.target}: ${path}: ${(error as Error).message}`, false, { cause: error });
    if (error instanceof BlockStoreError) return error;
    return new BlockStoreError('ERR_FS_INTERNAL', `${this.target}: ${path}: ${(error as Error).message}`, true, { cause: error });
  }
}
