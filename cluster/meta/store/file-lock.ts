// A lock file holding the owner's pid: one process owns a store directory. A lock left by a
// process that no longer exists is taken over; a live owner (this process included) is refused.
import type { FileHandle } from 'node:fs/promises';
import { open, readFile, rm } from 'node:fs/promises';
import { MetaStoreError } from './meta-store.ts';

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class FileLock {
  private constructor(readonly path: string, private handle: FileHandle | undefined) {}

  static async acquire(path: string): Promise<FileLock> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
        return new FileLock(path, handle);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = await readFile(path, 'utf8').catch(() => '');
      const pid = Number(text.trim());
      if (Number.isSafeInteger(pid) && pid > 0 && processExists(pid)) {
        const who = pid === process.pid ? 'this process (opened twice)' : `process ${pid}`;
        throw new MetaStoreError('ERR_SERVICE_ALREADY_RUNNING', `meta store lock ${path} is held by ${who}`, false);
      }
      // Left by a process that is gone (or half-written by one that died while creating it).
      await rm(path, { force: true });
    }
    throw new MetaStoreError('ERR_SERVICE_ALREADY_RUNNING', `meta store lock ${path}: another process keeps taking it`, false);
  }

  async release(): Promise<void> {
    const handle = this.handle;
    if (handle === undefined) return;
    this.handle = undefined;
    await handle.close();
    const text = await readFile(this.path, 'utf8').catch(() => '');
    if (Number(text.trim()) === process.pid) await rm(this.path, { force: true });
  }
}
