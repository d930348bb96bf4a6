// Proves what only the RocksDB engine has: data survives close and reopen, open options are
// honoured, and RocksDB's errors (a locked or missing database, a refused key) come back as
// KvEngineErrors with Pegasus's status codes and the database path, by driving real databases
// in temporary directories.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvEngineError } from '../../../cluster/storage/engine-error.ts';
import { RocksEngine } from '../../../cluster/storage/rocksdb-engine.ts';
import { StorageStatus } from '../../../cluster/storage/status.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

async function withDirectory(body: (directory: string) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'pegasus-ts-rocks-'));
  try {
    await body(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

test('writes survive closing and reopening the database, synced or not', (t) => withDirectory(async (directory) => {
  const path = join(directory, 'db');
  const first = await RocksEngine.open({ path });
  await first.write([{ kind: 'put', key: bytes('a'), value: bytes('1') }]);
  await first.write([{ kind: 'put', key: bytes('b'), value: bytes('2') }], { sync: true });
  await first.close();
  const second = await RocksEngine.open({ path, createIfMissing: false, compression: false });
  t.deepEqual((await second.getMany([bytes('a'), bytes('b')])).map((v) => v && Buffer.from(v).toString()), ['1', '2']);
  await second.close();
}));

test('a missing database with createIfMissing false is an error naming the path', (t) => withDirectory(async (directory) => {
  const path = join(directory, 'absent');
  const error = await t.throwsAsync(RocksEngine.open({ path, createIfMissing: false }), { instanceOf: KvEngineError });
  t.is(error?.status, StorageStatus.invalidArgument);
  t.regex(error?.message ?? '', /rocksdb open failed at .*absent: Invalid argument: .*does not exist/);
}));

test('errorIfExists refuses an existing database', (t) => withDirectory(async (directory) => {
  const path = join(directory, 'db');
  await (await RocksEngine.open({ path })).close();
  const error = await t.throwsAsync(RocksEngine.open({ path, errorIfExists: true }), { instanceOf: KvEngineError });
  t.regex(error?.message ?? '', /exists/);
}));

test('a database open elsewhere is locked: an IO error, not retriable', (t) => withDirectory(async (directory) => {
  const path = join(directory, 'db');
  const engine = await RocksEngine.open({ path });
  const error = await t.throwsAsync(RocksEngine.open({ path }), { instanceOf: KvEngineError });
  t.is(error?.status, StorageStatus.ioError);
  t.false(error?.retriable);
  t.regex(error?.message ?? '', /lock/i);
  await engine.close();
}));

test('an empty key is refused as an invalid argument and nothing of the batch is written', (t) => withDirectory(async (directory) => {
  const engine = await RocksEngine.open({ path: join(directory, 'db') });
  const error = await t.throwsAsync(engine.write([
    { kind: 'put', key: bytes('ok'), value: bytes('1') },
    { kind: 'put', key: new Uint8Array(0), value: bytes('2') },
  ]), { instanceOf: KvEngineError });
  t.is(error?.status, StorageStatus.invalidArgument);
  t.regex(error?.message ?? '', /rocksdb write failed at .*: key cannot be an empty Buffer/);
  t.is(await engine.get(bytes('ok')), undefined);
  await t.throwsAsync(engine.get(new Uint8Array(0)), { instanceOf: KvEngineError, message: /empty/ });
  await engine.close();
}));

test('an iterator left open does not keep close from finishing', (t) => withDirectory(async (directory) => {
  const engine = await RocksEngine.open({ path: join(directory, 'db') });
  await engine.write(Array.from({ length: 5000 }, (_, i) => ({ kind: 'put' as const, key: bytes(`k${i}`), value: new Uint8Array(100) })));
  const iterator = engine.iterator();
  t.is((await iterator.nextBatch(10)).length, 10);
  const reading = iterator.nextBatch(2000);
  await engine.close();
  t.true((await reading).length > 0);
  t.deepEqual(await iterator.nextBatch(10), []);
}));

test('a full manual compaction keeps every record and drops deleted ones', (t) => withDirectory(async (directory) => {
  const engine = await RocksEngine.open({ path: join(directory, 'db') });
  await engine.compactAll();
  await engine.write(Array.from({ length: 2000 }, (_, i) => ({ kind: 'put' as const, key: bytes(`k${i}`), value: new Uint8Array(200).fill(i & 0xff) })));
  await engine.write(Array.from({ length: 1000 }, (_, i) => ({ kind: 'delete' as const, key: bytes(`k${i * 2}`) })));
  await engine.write([{ kind: 'put', key: Uint8Array.of(0xff, 0xff, 0xff), value: bytes('last') }]);
  await engine.compactAll();
  const iterator = engine.iterator({ keysOnly: true });
  t.is((await iterator.nextBatch(5000)).length, 1001);
  await iterator.close();
  t.is(Buffer.from((await engine.get(Uint8Array.of(0xff, 0xff, 0xff)))!).toString(), 'last');
  await engine.close();
}));
