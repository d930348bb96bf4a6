// Small files that must survive a crash whole or not at all (the replica's init-info): written
// to a temporary file, fsynced, renamed over the old one, and the directory fsynced, so a reader
// after any crash finds either the old content or the new, never a mix.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { syncDirectory } from '../../io/sync-directory.ts';

export async function writeFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await syncDirectory(dirname(path));
}

/** The file's bytes, or undefined when it does not exist (a temporary leftover is removed). */
export async function readDurableFile(path: string): Promise<Uint8Array | undefined> {
  await rm(`${path}.tmp`, { force: true });
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
