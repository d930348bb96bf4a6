// Writes keep flowing while a learner joins: afterwards every replica holds byte-identical data.
import test from 'ava';
import { join } from 'node:path';
import { RocksEngine } from '../../../cluster/storage/rocksdb-engine.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { ReplicaRefusal } from '../../../cluster/replica/host/index.ts';
import { HostCluster } from './host-cluster.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Every entry of a closed replica's RocksDB, bookkeeping included, as hex. */
async function dump(directory: string): Promise<string[]> {
  const engine = await RocksEngine.open({ path: join(directory, 'data') });
  const iterator = engine.iterator();
  const entries: string[] = [];
  try {
    for (let batch = await iterator.nextBatch(1000); batch.length > 0; batch = await iterator.nextBatch(1000)) {
      for (const entry of batch) entries.push(`${hex(entry.key)}=${hex(entry.value)}`);
    }
  } finally {
    await iterator.close();
    await engine.close();
  }
  return entries;
}

for (const checkpointEveryDecrees of [1_000_000, 10]) {
  test(`a learner joins under write load and ends byte-identical (checkpoint every ${checkpointEveryDecrees} decrees)`, async (t) => {
    const cluster = await HostCluster.start({
      nodes: ['n1:1', 'n2:1', 'n3:1'],
      tuning: { checkpointEveryDecrees, checkpointChunkBytes: 4096, logSegmentBytesMax: 8192 },
    });
    t.teardown(() => cluster.stop());
    await cluster.formGroup('n1:1', ['n2:1']);
    let writing = true;
    let next = 0;
    const acknowledged: number[] = [];
    const writer = async () => {
      while (writing) {
        const i = next++;
        try {
          const response = await cluster.host('n1:1').write({ kind: 'put', key: encodeKey(text(`h${i % 7}`), text(`s${i}`)), value: text(`v${i}`), expireTsSeconds: 0 });
          if (response.error === 0) acknowledged.push(i);
        } catch (error) {
          // While the configuration changes the primary refuses writes for a moment: retry, as a client does.
          if (!(error instanceof ReplicaRefusal) || !error.retriable) throw error;
        }
        // A steady load the learner can catch up with: an LT_LOG round serves only what is below
        // the primary's prepare list, so the learner must gain on the primary by a prepare list's
        // length in one round, which an unthrottled in-process load can prevent.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    };
    const writers = Array.from({ length: 4 }, writer);
    await cluster.until('more writes than the prepare list holds', () => acknowledged.length >= 300);
    await cluster.addSecondary('n1:1', 'n3:1', ['n2:1', 'n3:1']);
    const target = acknowledged.length + 100;
    await cluster.until('more writes with the learner in the group', () => acknowledged.length >= target);
    writing = false;
    await Promise.all(writers);

    const committed = cluster.host('n1:1').info().committedDecree;
    await cluster.until('all applied', () => ['n1:1', 'n2:1', 'n3:1'].every((n) => cluster.host(n).info().appliedDecree >= committed));
    for (const node of ['n1:1', 'n2:1', 'n3:1']) await cluster.close(node);
    const [n1, n2, n3] = await Promise.all(['n1:1', 'n2:1', 'n3:1'].map((node) => dump(cluster.directoryOf(node))));
    t.true((n1?.length ?? 0) >= acknowledged.length, 'every acknowledged write is there');
    t.deepEqual(n2, n1);
    t.deepEqual(n3, n1);
  });
}
