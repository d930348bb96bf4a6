// Proves logical checkpoints carry exactly one consistent snapshot and refuse damage: for each
// engine, files are written, verified and imported (round trips, empty, large values, a snapshot
// taken while writes continue), then damaged, truncated or mislabelled copies are imported and
// must be refused with a named fault while the target engine stays empty.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appliedDecreeOp, DATA_VERSION_KEY } from '../../../cluster/storage/bookkeeping.ts';
import { importCheckpoint, verifyCheckpoint, writeCheckpoint } from '../../../cluster/storage/checkpoint.ts';
import { CheckpointError, checkpointMetadataFromJson, checkpointMetadataToJson } from '../../../cluster/storage/checkpoint-format.ts';
import type { CheckpointFault } from '../../../cluster/storage/checkpoint-format.ts';
import type { KvEngine, WriteOp } from '../../../cluster/storage/engine.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { encodeValue } from '../../../cluster/storage/value-schema.ts';
import { CHECKPOINT_ENTRY_BYTES_MAX } from '../../../common/limits.ts';
import { engineFactories } from '../../support/engines.ts';
import type { EngineFactory } from '../../support/engines.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const userKey = (hash: string, sort: string) => encodeKey(bytes(hash), bytes(sort));
const record = (text: string) => encodeValue(bytes(text), 0, 1n);

async function dump(engine: KvEngine): Promise<string[]> {
  const iterator = engine.iterator();
  const out: string[] = [];
  for (;;) {
    const batch = await iterator.nextBatch(500);
    for (const e of batch) out.push(`${Buffer.from(e.key).toString('hex')}=${Buffer.from(e.value).toString('hex')}`);
    if (batch.length < 500) break;
  }
  await iterator.close();
  return out;
}

interface Fixture {
  readonly directory: string;
  open(): Promise<KvEngine>;
}

function withFixture(factory: EngineFactory, title: string, body: (t: ExecutionContext, fixture: Fixture) => Promise<void>): void {
  test(`${factory.name}: ${title}`, async (t) => {
    const directory = await mkdtemp(join(tmpdir(), 'pegasus-ts-checkpoint-'));
    const cleanups: (() => Promise<void>)[] = [];
    try {
      await body(t, {
        directory,
        async open() {
          const { engine, cleanup } = await factory.open();
          cleanups.push(cleanup);
          return engine;
        },
      });
    } finally {
      for (const cleanup of cleanups) await cleanup();
      await rm(directory, { recursive: true, force: true });
    }
  });
}

async function populate(engine: KvEngine, count: number, decree: bigint): Promise<void> {
  const ops: WriteOp[] = [];
  for (let i = 0; i < count; i++) ops.push({ kind: 'put', key: userKey(`h${i % 37}`, `s${i}`), value: record(`value-${i}`) });
  ops.push({ kind: 'put', key: DATA_VERSION_KEY, value: Uint8Array.of(0, 0, 0, 1) });
  ops.push(appliedDecreeOp(decree));
  await engine.write(ops);
}

async function refused(t: ExecutionContext, target: KvEngine, path: string, fault: CheckpointFault, message: RegExp): Promise<void> {
  const verifyError = await t.throwsAsync(verifyCheckpoint(path), { instanceOf: CheckpointError });
  t.is(verifyError?.fault, fault);
  const error = await t.throwsAsync(importCheckpoint(target, path), { instanceOf: CheckpointError, message });
  t.is(error?.fault, fault);
  t.true(error?.message.includes(path));
  t.deepEqual(await dump(target), [], 'nothing was imported');
}

for (const factory of engineFactories) {
  withFixture(factory, 'a checkpoint round trips every entry, bookkeeping included, with its metadata', async (t, { directory, open }) => {
    const source = await open();
    await populate(source, 3000, 42n);
    const path = join(directory, 'cp');
    const written = await writeCheckpoint(source, path);
    t.is(written.decree, 42n);
    t.is(written.dataVersion, 1);
    t.is(written.entryCount, 3002);
    t.is(written.fileBytes, (await stat(path)).size);
    t.true(written.blockCount >= 1);
    t.regex(written.sha256, /^[0-9a-f]{64}$/);
    t.deepEqual(await verifyCheckpoint(path), written);
    t.deepEqual(checkpointMetadataFromJson(checkpointMetadataToJson(written)), written);
    const target = await open();
    t.deepEqual(await importCheckpoint(target, path), written);
    t.deepEqual(await dump(target), await dump(source));
  });

  withFixture(factory, 'an empty engine gives a checkpoint at decree 0 that imports as empty', async (t, { directory, open }) => {
    const path = join(directory, 'cp');
    const written = await writeCheckpoint(await open(), path);
    t.like(written, { decree: 0n, entryCount: 0, dataBytes: 0, blockCount: 0, fileBytes: 32 + 36 });
    const target = await open();
    t.deepEqual(await importCheckpoint(target, path), written);
    t.deepEqual(await dump(target), []);
  });

  withFixture(factory, 'large values span blocks and round trip', async (t, { directory, open }) => {
    const source = await open();
    const big = (i: number) => new Uint8Array((1 << 20) + i).map((_, j) => (j * 7 + i) & 0xff);
    for (let i = 0; i < 6; i++) {
      await source.write([
        { kind: 'put', key: userKey('big', `s${i}`), value: big(i) },
        { kind: 'put', key: userKey('small', `s${i}`), value: record('x') },
        appliedDecreeOp(BigInt(i + 1)),
      ]);
    }
    const path = join(directory, 'cp');
    const written = await writeCheckpoint(source, path);
    t.is(written.decree, 6n);
    t.true(written.blockCount >= 6);
    const target = await open();
    await importCheckpoint(target, path);
    t.deepEqual(await dump(target), await dump(source));
  });

  withFixture(factory, 'a damaged byte in the middle is refused and nothing is imported', async (t, { directory, open }) => {
    const source = await open();
    await populate(source, 20_000, 7n);
    const path = join(directory, 'cp');
    const written = await writeCheckpoint(source, path);
    t.true(written.blockCount > 2);
    const file = await readFile(path);
    file[file.length >> 1]! ^= 0x10;
    await writeFile(path, file);
    await refused(t, await open(), path, 'block_checksum', /block \d+ at byte \d+: checksum mismatch/);
  });

  withFixture(factory, 'a truncated file is refused, wherever it was cut', async (t, { directory, open }) => {
    const source = await open();
    await populate(source, 5000, 9n);
    const path = join(directory, 'cp');
    const written = await writeCheckpoint(source, path);
    const target = await open();
    for (const length of [written.fileBytes - 1, written.fileBytes - 36, written.fileBytes >> 1, 40, 10]) {
      await writeCheckpoint(source, path);
      await truncate(path, length);
      await refused(t, target, path, 'truncated', /file ends at byte \d+ in/);
    }
  });

  withFixture(factory, 'a file with the wrong magic is refused as not a checkpoint', async (t, { directory, open }) => {
    const source = await open();
    await populate(source, 10, 3n);
    const path = join(directory, 'cp');
    await writeCheckpoint(source, path);
    const file = await readFile(path);
    file.write('NOTACKPT', 0, 'latin1');
    await writeFile(path, file);
    await refused(t, await open(), path, 'bad_magic', /not a checkpoint file/);
  });

  withFixture(factory, 'a changed footer count and trailing bytes are refused', async (t, { directory, open }) => {
    const source = await open();
    await populate(source, 10, 3n);
    const path = join(directory, 'cp');
    const written = await writeCheckpoint(source, path);
    const target = await open();
    const file = await readFile(path);
    file.writeBigUInt64BE(BigInt(written.entryCount + 1), written.fileBytes - 36 + 4);
    await writeFile(path, file);
    await refused(t, target, path, 'footer_mismatch', /footer declares 13 entries/);
    await writeCheckpoint(source, path);
    await writeFile(path, Buffer.concat([await readFile(path), Buffer.of(0)]));
    await refused(t, target, path, 'trailing_bytes', /1 bytes follow the footer/);
  });

  withFixture(factory, 'an entry too large for the format fails the export and leaves no file', async (t, { directory, open }) => {
    const source = await open();
    await source.write([{ kind: 'put', key: userKey('huge', 'k'), value: new Uint8Array(CHECKPOINT_ENTRY_BYTES_MAX) }]);
    const path = join(directory, 'cp');
    const error = await t.throwsAsync(writeCheckpoint(source, path), { instanceOf: CheckpointError, message: /at most/ });
    t.is(error?.fault, 'entry_too_large');
    t.deepEqual(await readdir(directory), []);
  });

  withFixture(factory, 'a file damaged after verification, during the import, is caught and the import undone', async (t, { directory, open }) => {
    const source = await open();
    const ops: WriteOp[] = [];
    for (let i = 0; i < 6000; i++) ops.push({ kind: 'put', key: userKey(`h${i % 11}`, `s${i}`), value: new Uint8Array(1024).fill(i & 0xff) });
    await source.write([...ops, appliedDecreeOp(8n)]);
    const path = join(directory, 'cp');
    const written = await writeCheckpoint(source, path);
    const target = await open();
    let writes = 0;
    const damaging: KvEngine = {
      get: (k) => target.get(k),
      getMany: (ks) => target.getMany(ks),
      iterator: (o) => target.iterator(o),
      close: () => target.close(),
      async write(batch) {
        if (writes++ === 0) {
          const file = await readFile(path);
          file[written.fileBytes - 36 - 100]! ^= 0x01;
          await writeFile(path, file);
        }
        await target.write(batch);
      },
    };
    const error = await t.throwsAsync(importCheckpoint(damaging, path), { instanceOf: CheckpointError, message: /checksum mismatch/ });
    t.is(error?.fault, 'block_checksum');
    t.true(writes >= 2, 'a batch was written before the damage was met, then deletes undid it');
    t.deepEqual(await dump(target), [], 'what was written was removed again');
  });

  withFixture(factory, 'import refuses a non-empty engine and leaves it unchanged', async (t, { directory, open }) => {
    const source = await open();
    await populate(source, 10, 3n);
    const path = join(directory, 'cp');
    await writeCheckpoint(source, path);
    const target = await open();
    await target.write([{ kind: 'put', key: userKey('other', 'k'), value: record('keep') }]);
    const before = await dump(target);
    const error = await t.throwsAsync(importCheckpoint(target, path), { instanceOf: CheckpointError, message: /not empty/ });
    t.is(error?.fault, 'target_not_empty');
    t.deepEqual(await dump(target), before);
  });

  withFixture(factory, 'a checkpoint taken while writes continue holds exactly its decree\'s state', async (t, { directory, open }) => {
    const source = await open();
    const initialCount = 4000;
    await populate(source, initialCount, 100n);
    // Mutation d rewrites one record, deletes another, adds a third, and records decree d.
    const mutation = (d: number): WriteOp[] => [
      { kind: 'put', key: userKey(`h${d % 37}`, `s${d % initialCount}`), value: record(`rewritten-at-${d}`) },
      { kind: 'delete', key: userKey(`h${(d * 7) % 37}`, `s${(d * 7) % initialCount}`) },
      { kind: 'put', key: userKey('added', `d${d}`), value: record(`added-at-${d}`) },
      appliedDecreeOp(BigInt(d)),
    ];
    const path = join(directory, 'cp');
    let done = false;
    let lastDecree = 100;
    const writer = (async () => {
      while (!done || lastDecree < 110) {
        await source.write(mutation(lastDecree + 1));
        lastDecree++;
        // The memory engine resolves at once; let file IO run between writes.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const checkpoint = writeCheckpoint(source, path).finally(() => { done = true; });
    const [written] = await Promise.all([checkpoint, writer]);
    const decree = Number(written.decree);
    t.true(decree >= 100 && decree < lastDecree, `snapshot at ${decree}, writes went on to ${lastDecree}`);

    const expected = await open();
    await populate(expected, initialCount, 100n);
    for (let d = 101; d <= decree; d++) await expected.write(mutation(d));
    const target = await open();
    await importCheckpoint(target, path);
    t.deepEqual(await dump(target), await dump(expected));
  });
}

test('a checkpoint written from one engine imports into every other', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'pegasus-ts-checkpoint-'));
  const opened: { engine: KvEngine; cleanup(): Promise<void> }[] = [];
  try {
    for (const from of engineFactories) {
      const source = await from.open();
      opened.push(source);
      await populate(source.engine, 500, 5n);
      const path = join(directory, `from-${from.name}`);
      await writeCheckpoint(source.engine, path);
      for (const to of engineFactories) {
        const target = await to.open();
        opened.push(target);
        await importCheckpoint(target.engine, path);
        t.deepEqual(await dump(target.engine), await dump(source.engine), `${from.name} -> ${to.name}`);
      }
    }
  } finally {
    for (const { cleanup } of opened) await cleanup();
    await rm(directory, { recursive: true, force: true });
  }
});

test('checkpoint metadata JSON refuses missing and mistyped fields by name', (t) => {
  const good = { formatVersion: 1, dataVersion: 1, decree: '12', entryCount: 3, dataBytes: 30, blockCount: 1, fileBytes: 110, fileCrc32: 5, sha256: 'a'.repeat(64) };
  t.is(checkpointMetadataFromJson(JSON.stringify(good)).decree, 12n);
  t.throws(() => checkpointMetadataFromJson('{'), { instanceOf: CheckpointError, message: /not JSON/ });
  t.throws(() => checkpointMetadataFromJson(JSON.stringify({ ...good, decree: 12 })), { message: /field decree/ });
  t.throws(() => checkpointMetadataFromJson(JSON.stringify({ ...good, entryCount: -1 })), { message: /field entryCount/ });
  t.throws(() => checkpointMetadataFromJson(JSON.stringify({ ...good, sha256: 'xyz' })), { message: /field sha256/ });
});
