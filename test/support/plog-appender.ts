// A process that appends 1 KiB records to a file log with fsync `always` as fast as it can, 16 at
// a time, and prints each decree once its append has resolved: the crash test kills it with
// SIGKILL and checks that every printed decree survived. Usage: tsx plog-appender.ts <directory>
import { FileLogStore } from '../../cluster/replica/file-log-store.ts';
import { testGpid } from './log-stores.ts';

const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: plog-appender.ts <directory>');
const store = await FileLogStore.open({ directory, gpid: testGpid, fsync: 'always' });
let decree = store.bounds().lastDecree;
const appender = async () => {
  for (;;) {
    decree += 1n;
    const mine = decree;
    await store.append([{ ballot: 1n, decree: mine, body: new Uint8Array(1024).fill(Number(mine % 256n)) }]);
    process.stdout.write(`${mine}\n`);
  }
};
await Promise.all(Array.from({ length: 16 }, appender));
