import test from 'ava';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../../common/clock.ts';
import { CheckpointFiles } from '../../../cluster/replica/host/checkpoint-files.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { MemoryEngine } from '../../../cluster/storage/memory-engine.ts';
import { Partition } from '../../../cluster/storage/partition.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const directory = await mkdtemp(join(tmpdir(), 'checkpoint-files-'));
  t.teardown(() => rm(directory, { recursive: true, force: true }));
  const engine = new MemoryEngine();
  const partition = await Partition.open(engine, { clock: new ManualClock() });
  let decree = 0n;
  const apply = async () => {
    decree += 1n;
    await partition.applyMutation({ decree, timestampUs: 1_800_000_000_000_000n + decree, requests: [
      { kind: 'put', key: encodeKey(text('h'), text(`s${decree}`)), value: text('v'.repeat(100)), expireTsSeconds: 0 },
    ] });
  };
  return { directory, engine, apply };
}

test('the newest checkpoint and the one before it are served; an older one is deleted', async (t) => {
  const { directory, engine, apply } = await setup(t);
  const files = await CheckpointFiles.open(directory);
  t.is(files.decree, 0n);
  const taken: bigint[] = [];
  for (let i = 0; i < 3; i++) {
    await apply();
    taken.push(await files.take(engine));
  }
  t.deepEqual(taken, [1n, 2n, 3n]);
  t.is(files.decree, 3n);
  t.deepEqual((await readdir(directory)).sort(), ['checkpoint.2', 'checkpoint.3']);
  const chunk = (decree: bigint) => files.readChunk({ gpid: { appId: 1, partitionIndex: 0 }, decree, offset: 0n, maxBytes: 8 });
  t.deepEqual([(await chunk(3n)).error, (await chunk(2n)).error, (await chunk(1n)).error], ['ERR_OK', 'ERR_OK', 'ERR_INVALID_STATE']);
  t.true((await chunk(3n)).totalBytes > (await chunk(2n)).totalBytes, 'the newer checkpoint holds more');
});

test('opening finds the newest two checkpoints and removes leftovers of an interrupted take', async (t) => {
  const { directory, engine, apply } = await setup(t);
  const first = await CheckpointFiles.open(directory);
  for (let i = 0; i < 2; i++) {
    await apply();
    await first.take(engine);
  }
  await writeFile(join(directory, 'checkpoint.taking.partial'), 'half a file');
  await writeFile(join(directory, 'checkpoint.taking'), 'a file not yet renamed');
  const reopened = await CheckpointFiles.open(directory);
  t.is(reopened.decree, 2n);
  t.deepEqual((await readdir(directory)).sort(), ['checkpoint.1', 'checkpoint.2']);
  await reopened.clear();
  t.is(reopened.decree, 0n);
  t.deepEqual(await readdir(directory), []);
});
