// Proves what only the file MetaStore promises: one owner per directory (a second opener is
// refused, a lock left by a dead process is taken over), and crash safety: a child process putting
// values is killed with SIGKILL, and after reopening every put it saw resolve is there, whole.
import test from 'ava';
import { spawn } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMetaStore } from '../../../cluster/meta/store/file-meta-store.ts';
import { MetaStoreError } from '../../../cluster/meta/store/meta-store.ts';
import { runAndKillAfterLines } from '../../support/kill-after-lines.ts';
import { temporaryMetaDirectory } from '../../support/meta-stores.ts';

const writerScript = fileURLToPath(new URL('../../support/meta-store-writer.ts', import.meta.url));
const PAD_BYTES = 2000;

/** Runs the writer until it printed `afterAcks` puts, kills it, and returns the newest acknowledged seq of each key. */
async function runAndKill(directory: string, afterAcks: number): Promise<Map<string, number>> {
  const acknowledged = new Map<string, number>();
  await runAndKillAfterLines(writerScript, [directory], afterAcks, (line) => {
    const [key, seq] = line.split(' ');
    if (key !== undefined && seq !== undefined) acknowledged.set(key, Math.max(Number(seq), acknowledged.get(key) ?? -1));
  });
  return acknowledged;
}

test('puts acknowledged before a SIGKILL are all there, whole, after reopening', async (t) => {
  const temporary = await temporaryMetaDirectory();
  const directory = join(temporary.path, 'meta');
  try {
    for (const round of [1, 2]) {
      const acknowledged = await runAndKill(directory, 200 * round);
      t.true(acknowledged.size > 0, `round ${round}: the writer acknowledged puts`);
      const store = await FileMetaStore.open({ directory });
      try {
        const stored = new Map(await store.entries());
        for (const [key, seq] of acknowledged) {
          const value = stored.get(key);
          t.not(value, undefined, `${key} is there`);
          const parsed = JSON.parse(value ?? '{}') as { seq: number; pad: string };
          t.is(parsed.pad.length, PAD_BYTES, `${key} is whole`);
          t.true(parsed.seq >= seq, `${key} holds seq ${parsed.seq}, acknowledged ${seq}`);
        }
        t.deepEqual(await readdir(join(directory, 'tmp')), [], 'half-written values were cleared');
      } finally {
        await store.close();
      }
    }
  } finally {
    await temporary.remove();
  }
});

test('a second opener of the same directory is refused until the first closes', async (t) => {
  const temporary = await temporaryMetaDirectory();
  try {
    const first = await FileMetaStore.open({ directory: temporary.path });
    const error = await t.throwsAsync(FileMetaStore.open({ directory: temporary.path }), { instanceOf: MetaStoreError });
    t.is(error?.code, 'ERR_SERVICE_ALREADY_RUNNING');
    t.regex(error?.message ?? '', /held by this process/);
    await first.put('apps/1', 'v');
    await first.close();
    const second = await FileMetaStore.open({ directory: temporary.path });
    t.is(await second.get('apps/1'), 'v');
    await second.close();
  } finally {
    await temporary.remove();
  }
});

test('a lock left by a process that is gone is taken over; a live one is refused', async (t) => {
  const temporary = await temporaryMetaDirectory();
  try {
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => gone.on('exit', resolve));
    await writeFile(join(temporary.path, 'LOCK'), `${gone.pid}\n`);
    const store = await FileMetaStore.open({ directory: temporary.path });
    await store.close();

    await writeFile(join(temporary.path, 'LOCK'), `${process.ppid}\n`);
    const error = await t.throwsAsync(FileMetaStore.open({ directory: temporary.path }), { instanceOf: MetaStoreError });
    t.is(error?.code, 'ERR_SERVICE_ALREADY_RUNNING');
    t.regex(error?.message ?? '', new RegExp(`process ${process.ppid}`));
  } finally {
    await temporary.remove();
  }
});

test('a file that is not an entry makes opening fail with a clear error', async (t) => {
  const temporary = await temporaryMetaDirectory();
  try {
    const store = await FileMetaStore.open({ directory: temporary.path });
    await store.close();
    await writeFile(join(temporary.path, 'entries', 'bad name'), 'x');
    const error = await t.throwsAsync(FileMetaStore.open({ directory: temporary.path }), { instanceOf: MetaStoreError });
    t.is(error?.code, 'ERR_CORRUPTION');
    t.regex(error?.message ?? '', /bad name/);
  } finally {
    await temporary.remove();
  }
});
