// Throughput of a partition's data operations on every engine of test/support/engines.ts: puts
// applied one per mutation and ten per mutation, point gets with 64 in flight, a full scan in
// batches of 1000 and range multi_gets of 100 records. Prints wall-clock rates and the process's
// CPU time per phase (RocksDB's background threads count in CPU time).
//   node --import=tsx bench/partition-ops.ts [--quick]
import { systemClock } from '../common/clock.ts';
import type { KvEngine } from '../cluster/storage/engine.ts';
import { encodeKey } from '../cluster/storage/key-schema.ts';
import { Partition } from '../cluster/storage/partition.ts';
import type { WriteRequest } from '../cluster/storage/requests.ts';
import { engineFactories } from '../test/support/engines.ts';

const RECORDS = process.argv.includes('--quick') ? 10_000 : 100_000;
const HASH_KEYS = RECORDS / 100;
const VALUE = new Uint8Array(100).fill(0x61);
const encoder = new TextEncoder();
const hashKey = (i: number): Uint8Array => encoder.encode(`user${i % HASH_KEYS}`);
const sortKey = (i: number): Uint8Array => encoder.encode(`k${String(i).padStart(8, '0')}`);
const put = (i: number): WriteRequest => ({ kind: 'put', key: encodeKey(hashKey(i), sortKey(i)), value: VALUE, expireTsSeconds: 0 });

async function phase(name: string, count: number, body: () => Promise<void>): Promise<string> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  await body();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return `  ${name.padEnd(28)} ${Math.round(count / seconds).toString().padStart(9)}/s   (${count} in ${seconds.toFixed(2)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s)`;
}

async function run(engine: KvEngine): Promise<string[]> {
  const partition = await Partition.open(engine, { clock: systemClock });
  let decree = 1n;
  const apply = (requests: WriteRequest[]) =>
    partition.applyMutation({ decree: decree++, timestampUs: BigInt(systemClock.nowMs()) * 1000n, requests });
  const half = RECORDS / 2;
  const lines = [
    await phase('put, 1 per mutation', half, async () => {
      for (let i = 0; i < half; i++) await apply([put(i)]);
    }),
    await phase('put, 10 per mutation', half, async () => {
      for (let i = half; i < RECORDS; i += 10) await apply(Array.from({ length: 10 }, (_, j) => put(i + j)));
    }),
    await phase('get, 64 in flight', RECORDS, async () => {
      let inFlight: Promise<unknown>[] = [];
      for (let i = 0; i < RECORDS; i++) {
        inFlight.push(partition.get({ kind: 'get', key: encodeKey(hashKey(i), sortKey(i)) }));
        if (inFlight.length === 64) {
          await Promise.all(inFlight);
          inFlight = [];
        }
      }
      await Promise.all(inFlight);
    }),
    await phase('full scan, batches of 1000', RECORDS, async () => {
      let response = await partition.getScanner({
        kind: 'get_scanner', startKey: Uint8Array.of(0, 0), stopKey: Uint8Array.of(0xff, 0xff), startInclusive: true, stopInclusive: false,
        batchSize: 1000, noValue: false, hashKeyFilterType: 0, hashKeyFilterPattern: new Uint8Array(0), sortKeyFilterType: 0,
        sortKeyFilterPattern: new Uint8Array(0), validatePartitionHash: false,
      });
      let scanned = response.kvs.length;
      while (response.contextId >= 0n) {
        response = await partition.scan({ kind: 'scan', contextId: response.contextId });
        scanned += response.kvs.length;
      }
      if (scanned !== RECORDS) throw new Error(`scanned ${scanned} of ${RECORDS}`);
    }),
    await phase('multi_get range, 100 records', HASH_KEYS, async () => {
      for (let i = 0; i < HASH_KEYS; i++) {
        const response = await partition.multiGet({
          kind: 'multi_get', hashKey: hashKey(i), sortKeys: [], maxKvCount: 100, maxKvSize: -1, noValue: false,
          startSortkey: new Uint8Array(0), stopSortkey: new Uint8Array(0), startInclusive: true, stopInclusive: false,
          sortKeyFilterType: 0, sortKeyFilterPattern: new Uint8Array(0), reverse: false,
        });
        if (response.kvs.length !== 100) throw new Error(`multi_get returned ${response.kvs.length}`);
      }
    }),
  ];
  await partition.close();
  return lines;
}

async function main(): Promise<void> {
  console.log(`partition data operations, ${RECORDS} records of 100-byte values`);
  for (const factory of engineFactories) {
    const { engine, cleanup } = await factory.open();
    try {
      console.log(`${factory.name}:`);
      for (const line of await run(engine)) console.log(line);
    } finally {
      await cleanup();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
