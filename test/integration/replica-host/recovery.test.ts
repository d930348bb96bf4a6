// Closing and reopening ReplicaHosts: what was acknowledged comes back from RocksDB and the
// private log; a torn log tail is cut on open.
import test from 'ava';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importCheckpoint } from '../../../cluster/storage/checkpoint.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { RocksEngine } from '../../../cluster/storage/rocksdb-engine.ts';
import { HostCluster } from './host-cluster.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const key = (i: number): Uint8Array => encodeKey(text('h'), text(`s${i}`));
const NODES = ['n1:1', 'n2:1', 'n3:1'];

test('closing and reopening every host recovers exactly the acknowledged writes; a torn log tail is cut', async (t) => {
  const cluster = await HostCluster.start({ nodes: NODES, tuning: { checkpointEveryDecrees: 7 } });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1', 'n3:1']);
  const acknowledged: number[] = [];
  await Promise.all(Array.from({ length: 30 }, async (_, i) => {
    await cluster.host('n1:1').write({ kind: 'put', key: key(i), value: text(`v${i}`), expireTsSeconds: 0 });
    acknowledged.push(i);
  }));
  t.is(acknowledged.length, 30);
  const before = cluster.host('n1:1').info();

  for (const node of NODES) await cluster.close(node);
  // A crash in the middle of a block write leaves garbage after the last good block.
  const plog = join(cluster.directoryOf('n1:1'), 'plog');
  const segments = (await readdir(plog)).filter((name) => name.startsWith('log.')).sort();
  await appendFile(join(plog, segments.at(-1)!), Buffer.from('BLOK torn block that never finished'));
  // Meta lost every member meanwhile and waits for one to come back.
  cluster.config = { ...cluster.config, ballot: cluster.config.ballot + 1n, primary: '', secondaries: [], lastDrops: ['n2:1', 'n3:1', 'n1:1'] };
  for (const node of NODES) await cluster.open(node);
  t.true(cluster.logLines.some((line) => line.startsWith('n1:1') && line.includes('cut a torn log tail')), 'the torn tail was reported');
  const recovered = cluster.host('n1:1').info();
  t.is(recovered.ballot, before.ballot, 'the ballot survived');
  t.is(recovered.role, 'inactive');

  await cluster.formGroup('n1:1', ['n2:1', 'n3:1']);
  const primary = cluster.host('n1:1');
  t.true(primary.info().committedDecree >= before.committedDecree);
  const values: string[] = [];
  for (let i = 0; i < 31; i++) {
    const response = await cluster.read('n1:1', { kind: 'get', key: key(i) });
    values.push(response.error === 0 ? new TextDecoder().decode(response.value) : `error ${response.error}`);
  }
  t.deepEqual(values, [...Array.from({ length: 30 }, (_, i) => `v${i}`), 'error 1'], 'every acknowledged write and nothing else');
  // And the group still takes writes.
  t.is((await primary.write({ kind: 'put', key: key(99), value: text('after'), expireTsSeconds: 0 })).error, 0);
});

test('a replica directory reopens with its ballot, applied decree and checkpoint; destroy removes it', async (t) => {
  const cluster = await HostCluster.start({ nodes: NODES, tuning: { checkpointEveryDecrees: 3 } });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1', 'n3:1']);
  for (let i = 0; i < 10; i++) await cluster.host('n1:1').write({ kind: 'put', key: key(i), value: text(`v${i}`), expireTsSeconds: 0 });
  const before = cluster.host('n2:1').info();
  await cluster.until('n2 applied all', () => cluster.host('n2:1').info().appliedDecree >= cluster.host('n1:1').info().committedDecree);
  await cluster.close('n2:1');
  await cluster.open('n2:1');
  const opened = cluster.logLines.filter((line) => line.startsWith('n2:1') && line.includes('opened:')).at(-1) ?? '';
  t.regex(opened, new RegExp(`ballot ${before.ballot}, applied \\d+, checkpoint [1-9]\\d*`));
  t.true(cluster.host('n2:1').info().appliedDecree >= 9n);
  const directory = cluster.directoryOf('n2:1');
  const host = cluster.host('n2:1');
  cluster.hosts.delete('n2:1');
  await host.destroy();
  await t.throwsAsync(readdir(directory), { code: 'ENOENT' });
});

test('a local IO failure puts the replica in the error role and leaves the process running', async (t) => {
  const cluster = await HostCluster.start({ nodes: NODES });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1']);
  // The next ballot n2 must persist cannot be written: its temporary file's name is taken.
  const temporary = join(cluster.directoryOf('n2:1'), 'init-info.json.tmp');
  for (let attempt = 0; ; attempt++) {
    await cluster.until('n2 has persisted its ballot', () => !existsSync(temporary));
    try {
      await mkdir(temporary);
      break;
    } catch (error) {
      // A ballot write started meanwhile: wait for it and try again.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
    }
  }
  cluster.propose('n1:1', 'add_secondary', 'n3:1');
  await cluster.until('n2 in error', () => cluster.host('n2:1').info().role === 'error');
  t.true(cluster.logLines.some((line) => line.startsWith('n2:1') && line.includes('local failure')));
  const refusal = await t.throwsAsync(cluster.host('n2:1').read({ kind: 'get', key: key(1) }));
  t.is((refusal as { code?: string }).code, 'ERR_INVALID_STATE');
  t.is(cluster.host('n1:1').info().role, 'primary', 'the rest of the group carries on');
});

test('a replica stopped while its data was being replaced, or whose log has a hole, reopens empty with its ballot', async (t) => {
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1'], tuning: { checkpointEveryDecrees: 3, logSegmentBytesMax: 1024 } });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1']);
  const write = async (from: number, to: number) => {
    for (let i = from; i < to; i++) await cluster.host('n1:1').write({ kind: 'put', key: key(i), value: text(`v${i}`), expireTsSeconds: 0 });
  };
  await write(0, 3);
  const n2 = cluster.directoryOf('n2:1');
  // Keep an early checkpoint of n2's app to build an engine that is behind its log later.
  let early: string | undefined;
  await cluster.until('n2 checkpointed early', () => {
    early = readdirSync(join(n2, 'checkpoint')).find((name) => /^checkpoint\.\d+$/.test(name));
    return early !== undefined;
  });
  const earlyCopy = join(cluster.root, 'early-checkpoint');
  await cp(join(n2, 'checkpoint', early!), earlyCopy);
  await write(3, 40);
  const last = cluster.host('n1:1').info().committedDecree;
  await cluster.until('n2 applied everything', () => cluster.host('n2:1').info().appliedDecree >= last);
  await cluster.until('n2 collected its first log segments', () => {
    const names = readdirSync(join(n2, 'plog')).filter((name) => name.startsWith('log.'));
    return names.every((name) => BigInt(name.split('.')[2] ?? '0') > 10n);
  });
  const ballot = cluster.host('n2:1').info().ballot;
  await cluster.close('n2:1');

  // The engine comes back older than the log's start (as after losing unsynced engine writes).
  await rm(join(n2, 'data'), { recursive: true });
  const engine = await RocksEngine.open({ path: join(n2, 'data') });
  await importCheckpoint(engine, earlyCopy);
  await engine.close();
  await cluster.open('n2:1');
  t.true(cluster.logLines.some((line) => line.startsWith('n2:1') && line.includes('discarding local state')));
  t.like(cluster.host('n2:1').info(), { appliedDecree: 0n, ballot });
  await cluster.close('n2:1');

  // A discard or import cut short: the marker is still there.
  await writeFile(join(n2, 'data.replacing'), '');
  await cluster.open('n2:1');
  t.true(cluster.logLines.some((line) => line.startsWith('n2:1') && line.includes('data was being replaced')));
  t.like(cluster.host('n2:1').info(), { appliedDecree: 0n, ballot });
  t.false(existsSync(join(n2, 'data.replacing')));
});
