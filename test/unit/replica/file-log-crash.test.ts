// Proves that every append a process saw resolve under fsync `always` is in the log after the
// process is killed with SIGKILL in the middle of appending, and that the log reopens cleanly;
// a child process appends and prints acknowledged decrees, the test kills it and reopens.
import test from 'ava';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileLogStore } from '../../../cluster/replica/file-log-store.ts';
import { runAndKillAfterLines } from '../../support/kill-after-lines.ts';
import { temporaryDirectory, testGpid } from '../../support/log-stores.ts';

const appenderScript = fileURLToPath(new URL('../../support/plog-appender.ts', import.meta.url));

async function runAndKill(directory: string, afterAcks: number): Promise<bigint> {
  let acknowledged = 0n;
  await runAndKillAfterLines(appenderScript, [directory], afterAcks, (line) => {
    const decree = BigInt(line);
    if (decree > acknowledged) acknowledged = decree;
  });
  return acknowledged;
}

test('appends acknowledged before a SIGKILL are all there after reopening', async (t) => {
  const temporary = await temporaryDirectory();
  const directory = join(temporary.path, 'plog');
  try {
    for (const round of [1, 2]) {
      const acknowledged = await runAndKill(directory, 300 * round);
      t.true(acknowledged > 0n);
      const store = await FileLogStore.open({ directory, gpid: testGpid });
      const { firstDecree, lastDecree } = store.bounds();
      t.is(firstDecree, 1n);
      t.true(lastDecree >= acknowledged, `round ${round}: log ends at ${lastDecree}, ${acknowledged} was acknowledged`);
      let next: bigint | undefined = 1n;
      let expected = 1n;
      while (next !== undefined) {
        const batch = await store.read({ fromDecree: next, toDecree: lastDecree });
        for (const record of batch.records) {
          t.is(record.decree, expected);
          if (!record.body.every((b) => b === Number(record.decree % 256n))) t.fail(`body of ${record.decree}`);
          expected += 1n;
        }
        next = batch.nextDecree;
      }
      t.is(expected, lastDecree + 1n, 'every decree up to the last is there, none missing');
      await store.close();
    }
  } finally {
    await temporary.remove();
  }
});
