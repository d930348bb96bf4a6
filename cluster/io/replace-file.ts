// Replaces a file whole or not at all, the one way every crash-safe file here is written: fill a
// temporary file in the same directory, fsync it, rename it over the target and fsync the
// directory. After any crash a reader finds the old file (or none) or the whole new one, never a
// mix. A failed fill removes the temporary file and leaves the target as it was.
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from './sync-directory.ts';

export interface ReplaceFileOptions {
  /** Where the new content goes first; in the target's directory so the rename stays atomic. */
  readonly temporary: string;
  /** Opens the temporary file for writing; lets a caller report open failures in its own terms. */
  readonly openTemporary?: (path: string) => Promise<FileHandle>;
}

export async function replaceFile<T>(path: string, fill: (file: FileHandle) => Promise<T>, options: ReplaceFileOptions): Promise<T> {
  const { temporary } = options;
  const file = await (options.openTemporary ?? ((at) => open(at, 'w')))(temporary);
  let result: T;
  try {
    result = await fill(file);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  await rename(temporary, path);
  await syncDirectory(dirname(path));
  return result;
}
