// A learner joins a group of ReplicaHosts by copying the primary's checkpoint through the outbox
// (LT_APP) or by reading the primary's private log (LT_LOG).
import test from 'ava';
import { systemClock } from '../../../common/clock.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { Partition } from '../../../cluster/storage/partition.ts';
import { RocksEngine } from '../../../cluster/storage/rocksdb-engine.ts';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { HostCluster } from './host-cluster.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const key = (i: number): Uint8Array => encodeKey(text('h'), text(`s${String(i).padStart(3, '0')}`));
const WRITES = 40;

async function writeMany(cluster: HostCluster): Promise<bigint> {
  let last = 0n;
  for (let i = 0; i < WRITES; i++) {
    const response = await cluster.host('n1:1').write({ kind: 'put', key: key(i), value: text(`value ${i} `.repeat(20)), expireTsSeconds: 0 });
    last = response.decree;
  }
  return last;
}

/** Reads every written key straight from a closed replica's RocksDB. */
async function valuesOnDisk(directory: string): Promise<string[]> {
  const engine = await RocksEngine.open({ path: join(directory, 'data') });
  try {
    const partition = await Partition.open(engine, { clock: systemClock });
    const values: string[] = [];
    for (let i = 0; i < WRITES; i++) values.push(new TextDecoder().decode((await partition.get({ kind: 'get', key: key(i) })).value));
    await partition.close();
    return values;
  } finally {
    await engine.close();
  }
}

const expectedValues = Array.from({ length: WRITES }, (_, i) => `value ${i} `.repeat(20));

test('a learner behind the primary\'s collected log copies its checkpoint in chunks (LT_APP)', async (t) => {
  const cluster = await HostCluster.start({
    nodes: ['n1:1', 'n2:1', 'n3:1'],
    coreOptions: { prepareListCapacity: 8, mutationsInFlightMax: 4 },
    tuning: { checkpointEveryDecrees: 5, checkpointChunkBytes: 1024, logSegmentBytesMax: 2048 },
  });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1']);
  const last = await writeMany(cluster);

  const segmentFirstDecrees = async (): Promise<bigint[]> =>
    (await readdir(join(cluster.directoryOf('n1:1'), 'plog'))).filter((name) => name.startsWith('log.')).map((name) => BigInt(name.split('.')[2] ?? '0'));
  let collected = false;
  for (let attempt = 0; attempt < 500 && !collected; attempt++) {
    collected = (await segmentFirstDecrees()).every((decree) => decree > 1n);
    if (!collected) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.true(collected, 'the log segments holding the first decrees were deleted');

  await cluster.addSecondary('n1:1', 'n3:1', ['n2:1', 'n3:1']);
  const learnTypes = cluster.delivered.filter((d) => d.to === 'n3:1' && d.message.kind === 'learn_response' && d.message.error === 'ERR_OK')
    .map((d) => (d.message.kind === 'learn_response' ? d.message.learnType : ''));
  t.true(learnTypes.includes('LT_APP'), `learn types ${learnTypes.join(',')}`);
  t.true(cluster.chunkRequests.length > 1, 'the checkpoint came in several chunks');
  t.true(cluster.chunkRequests.every((c) => c.from === 'n1:1'));
  t.true(cluster.logLines.some((line) => line.startsWith('n3:1') && line.includes('imported checkpoint')));

  await cluster.until('n3 applied everything', () => cluster.host('n3:1').info().appliedDecree >= last);
  await cluster.close('n3:1');
  t.deepEqual(await valuesOnDisk(cluster.directoryOf('n3:1')), expectedValues);
});

test('a learner whose start is still in the primary\'s log reads it from there (LT_LOG)', async (t) => {
  const cluster = await HostCluster.start({
    nodes: ['n1:1', 'n2:1', 'n3:1'],
    coreOptions: { prepareListCapacity: 8, mutationsInFlightMax: 4 },
    tuning: { checkpointEveryDecrees: 1_000_000 },
  });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1']);
  const last = await writeMany(cluster);

  await cluster.addSecondary('n1:1', 'n3:1', ['n2:1', 'n3:1']);
  const logResponses = cluster.delivered.filter((d) => d.to === 'n3:1' && d.message.kind === 'learn_response' &&
    d.message.error === 'ERR_OK' && d.message.learnType === 'LT_LOG');
  t.true(logResponses.some((d) => d.message.kind === 'learn_response' && d.message.mutations.length > 0), 'mutations came from the log');
  t.is(cluster.chunkRequests.length, 0, 'no checkpoint was copied');

  await cluster.until('n3 applied everything', () => cluster.host('n3:1').info().appliedDecree >= last);
  await cluster.close('n3:1');
  t.deepEqual(await valuesOnDisk(cluster.directoryOf('n3:1')), expectedValues);
});

test('checkpoint chunks are served by offset within bounds; anything else is refused with a reason code', async (t) => {
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1'], tuning: { checkpointEveryDecrees: 2 } });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1']);
  for (let i = 0; i < 4; i++) await cluster.host('n1:1').write({ kind: 'put', key: key(i), value: text(`v${i}`), expireTsSeconds: 0 });
  const primary = cluster.host('n1:1');
  // Checkpoints are taken in the background: find the one there is (only it answers ERR_OK).
  let found: bigint | undefined;
  for (let attempt = 0; attempt < 500 && found === undefined; attempt++) {
    for (let d = primary.info().appliedDecree; d > 0n && found === undefined; d--) {
      const response = await primary.serveCheckpointChunk({ gpid: primary.gpid, decree: d, offset: 0n, maxBytes: 16 });
      if (response.error === 'ERR_OK') found = d;
    }
    if (found === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.not(found, undefined, 'a checkpoint exists');
  const at = (offset: bigint, maxBytes: number, d = found!) => primary.serveCheckpointChunk({ gpid: primary.gpid, decree: d, offset, maxBytes });
  const first = await at(0n, 16);
  t.is(first.bytes.length, 16);
  t.is(new TextDecoder().decode(first.bytes.subarray(0, 8)), 'PGTS-CKP');
  const tail = await at(first.totalBytes - 4n, 16);
  t.deepEqual([tail.error, tail.bytes.length], ['ERR_OK', 4]);
  t.deepEqual([(await at(first.totalBytes, 16)).error, (await at(first.totalBytes, 16)).bytes.length], ['ERR_OK', 0]);
  t.is((await at(first.totalBytes + 1n, 16)).error, 'ERR_INVALID_PARAMETERS');
  t.is((await at(0n, 0)).error, 'ERR_INVALID_PARAMETERS');
  t.is((await at(0n, 64 << 20)).error, 'ERR_INVALID_PARAMETERS');
  t.is((await at(0n, 16, 999_999n)).error, 'ERR_INVALID_STATE');
  t.is((await primary.serveCheckpointChunk({ gpid: { appId: 9, partitionIndex: 0 }, decree: found!, offset: 0n, maxBytes: 16 })).error, 'ERR_OBJECT_NOT_FOUND');
});

test('a learner ahead of its primary discards its data and log and learns from empty', async (t) => {
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1'] });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1']);
  const last = await writeMany(cluster);
  await cluster.until('n2 applied everything', () => cluster.host('n2:1').info().appliedDecree >= last);
  for (const node of ['n1:1', 'n2:1']) await cluster.close(node);

  // n1 lost its disk; meta (scripted) makes it primary anyway and adds n2, which is ahead of it.
  await rm(cluster.directoryOf('n1:1'), { recursive: true });
  cluster.config = { ...cluster.config, ballot: cluster.config.ballot + 1n, primary: '', secondaries: [], lastDrops: ['n2:1', 'n1:1'] };
  for (const node of ['n1:1', 'n2:1']) await cluster.open(node);
  await cluster.formGroup('n1:1', ['n2:1']);
  t.true(cluster.logLines.some((line) => line.startsWith('n2:1') && line.includes('discarding local state')));
  t.is(cluster.host('n2:1').info().appliedDecree, cluster.host('n1:1').info().appliedDecree);
  await cluster.close('n2:1');
  t.deepEqual(await valuesOnDisk(cluster.directoryOf('n2:1')), expectedValues.map(() => ''), 'none of the old data is left');
  t.deepEqual((await readdir(join(cluster.directoryOf('n2:1'), 'plog'))).filter((name) => name.startsWith('log.')).length, 1, 'the log was reset');
});

test('while a learner copies a checkpoint the primary neither supersedes it nor collects the log after it', async (t) => {
  const cluster = await HostCluster.start({
    nodes: ['n1:1', 'n2:1'],
    tuning: { checkpointEveryDecrees: 2, logSegmentBytesMax: 1024, learnerGcHoldTicks: 500 },
  });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1']);
  const primary = cluster.host('n1:1');
  for (let i = 0; i < 6; i++) await primary.write({ kind: 'put', key: key(i), value: text(`v${i}`), expireTsSeconds: 0 });
  const firstLogDecree = async (): Promise<bigint> => (await readdir(join(cluster.directoryOf('n1:1'), 'plog')))
    .filter((name) => name.startsWith('log.')).map((name) => BigInt(name.split('.')[2] ?? '0')).reduce((a, b) => (a < b ? a : b));
  const checkpointDecree = async (): Promise<bigint> => (await readdir(join(cluster.directoryOf('n1:1'), 'checkpoint')))
    .filter((name) => /^checkpoint\.\d+$/.test(name)).map((name) => BigInt(name.split('.')[1] ?? '0')).reduce((a, b) => (a > b ? a : b), 0n);
  // A learner starts copying the newest checkpoint (ask until one answers).
  let held = 0n;
  for (let attempt = 0; attempt < 500 && held === 0n; attempt++) {
    const decree = await checkpointDecree();
    const response = await primary.serveCheckpointChunk({ gpid: primary.gpid, decree, offset: 0n, maxBytes: 64 });
    if (decree > 0n && response.error === 'ERR_OK') held = decree;
    else await new Promise((resolve) => setTimeout(resolve, 10));
  }
  t.true(held > 0n);
  // A checkpoint already being taken may still finish; none starts from now on.
  let newest = await checkpointDecree();
  for (let stable = 0; stable < 5; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = await checkpointDecree();
    stable = now === newest ? stable + 1 : 0;
    newest = now;
  }
  // The learner asks for its next chunk.
  t.is((await primary.serveCheckpointChunk({ gpid: primary.gpid, decree: held, offset: 64n, maxBytes: 64 })).error, 'ERR_OK');
  for (let i = 6; i < 40; i++) await primary.write({ kind: 'put', key: key(i), value: text(`v${i}`), expireTsSeconds: 0 });
  t.is(await checkpointDecree(), newest, 'no checkpoint of its own while the learner copies');
  t.true(await firstLogDecree() <= held + 1n, 'the log after the copied checkpoint is kept');
  t.is((await primary.serveCheckpointChunk({ gpid: primary.gpid, decree: held, offset: 0n, maxBytes: 64 })).error, 'ERR_OK');

  // Once no learner asked for a while, checkpoints and log GC resume.
  for (let i = 40; i < 42; i++) await primary.write({ kind: 'put', key: key(i), value: text(`v${i}`), expireTsSeconds: 0 });
  let resumed = false;
  for (let attempt = 0; attempt < 1500 && !resumed; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (attempt % 10 === 0) await primary.write({ kind: 'put', key: key(100 + attempt), value: text('later'), expireTsSeconds: 0 });
    resumed = (await checkpointDecree()) > newest && (await firstLogDecree()) > held + 1n;
  }
  t.true(resumed, 'checkpoints and log GC resumed after the hold');
});
