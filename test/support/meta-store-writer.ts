// A process that puts values to a file MetaStore as fast as it can, 8 writers at a time, each on
// its own 10 keys, and prints "<key> <seq>" once a put has resolved: the crash test kills it with
// SIGKILL and checks that every printed put survived whole. Usage: tsx meta-store-writer.ts <directory>
import { FileMetaStore } from '../../cluster/meta/store/file-meta-store.ts';


const directory = process.argv[2];
if (directory === undefined) throw new Error('usage: meta-store-writer.ts <directory>');
const store = await FileMetaStore.open({ directory });
const writer = async (writerIndex: number) => {
  for (let seq = 0; ; seq++) {
    const key = `w${writerIndex}/k${seq % 10}`;
    await store.put(key, JSON.stringify({ seq, pad: 'p'.repeat(2000) }));
    process.stdout.write(`${key} ${seq}\n`);
  }
};
await Promise.all(Array.from({ length: 8 }, (_, i) => writer(i)));
