// Small files that must survive a crash whole or not at all (the replica's init-info), written
// through replaceFile, so a reader after any crash finds either the old content or the new.
import { readFile, rm } from 'node:fs/promises';
import { replaceFile } from '../../io/replace-file.ts';

export function writeFileDurably(path: string, bytes: Uint8Array): Promise<void> {
  return replaceFile(path, (file) => file.writeFile(bytes), { temporary: `${path}.tmp` });
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
