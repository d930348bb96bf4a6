// Makes a directory's entries (a rename, a new or removed file) durable: the step after
// write-to-temp + fsync + rename that crash-safe files need on Linux.
import { open } from 'node:fs/promises';

export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
