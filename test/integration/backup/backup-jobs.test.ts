// Backup runs as BullMQ jobs on the real Redis, uploading partitions of real engines to a file://
// target: the layout and checksums, the decree covering acknowledged writes, retries, a policy
// firing on schedule with retention, cancellation mid-upload, and a non-retriable failure.
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBlockStore } from '../../../backup/block-store/open.ts';
import { BackupError } from '../../../backup/core/backup-error.ts';
import {
  appMetadataPath, backupInfoPath, partitionDir, partitionMarkerPath, partitionMetadataPath,
  type BackupInfo, type PartitionBackupMetadata,
} from '../../../backup/core/layout.ts';
import { policyFromInput } from '../../../backup/core/policy.ts';
import { BackupOrchestrator, type BackupStatus } from '../../../backup/jobs/backup-orchestrator.ts';
import type { BackupTableSpec, PartitionJobData } from '../../../backup/jobs/job-shapes.ts';
import type { PartitionBackupRunner } from '../../../backup/jobs/partition-runner.ts';
import { sha256Hex, uploadPartition } from '../../../backup/partition/upload-partition.ts';
import { ManualClock } from '../../../common/clock.ts';
import { verifyCheckpoint } from '../../../cluster/storage/checkpoint.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { MemoryEngine } from '../../../cluster/storage/memory-engine.ts';
import { Partition } from '../../../cluster/storage/partition.ts';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const json = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T;

interface Table {
  readonly spec: BackupTableSpec;
  readonly partitions: { engine: MemoryEngine; partition: Partition; decree: bigint }[];
}

async function makeTable(name: string, appId: number, partitionCount: number): Promise<Table> {
  const partitions = [];
  for (let i = 0; i < partitionCount; i++) {
    const engine = new MemoryEngine();
    partitions.push({ engine, partition: await Partition.open(engine, { clock: new ManualClock() }), decree: 0n });
  }
  return { spec: { name, appId, partitionCount, replicaCount: 3 }, partitions };
}

async function write(table: Table, pidx: number, count: number): Promise<void> {
  const replica = table.partitions[pidx];
  if (replica === undefined) throw new Error(`no partition ${pidx}`);
  for (let i = 0; i < count; i++) {
    replica.decree += 1n;
    await replica.partition.applyMutation({ decree: replica.decree, timestampUs: 1_800_000_000_000_000n + replica.decree, requests: [
      { kind: 'put', key: encodeKey(text(`h${pidx}`), text(`s${replica.decree}`)), value: text('v'.repeat(200)), expireTsSeconds: 0 },
    ] });
  }
}

/** Uploads from the engines at hand; `before` runs first on every attempt (to inject faults or delays). */
class EngineRunner implements PartitionBackupRunner {
  attempts = 0;
  constructor(
    private readonly tables: Map<string, Table>,
    private readonly before: (request: PartitionJobData, signal: AbortSignal) => Promise<void> = async () => {},
  ) {}

  async backupPartition(request: PartitionJobData, options: { signal: AbortSignal; onProgress: (bytes: number) => void }): Promise<PartitionBackupMetadata> {
    this.attempts++;
    await this.before(request, options.signal);
    const replica = this.tables.get(request.table)?.partitions[request.partitionIndex];
    if (replica === undefined) throw new BackupError('ERR_OBJECT_NOT_FOUND', `no partition ${request.table}.${request.partitionIndex}`, false);
    const store = openBlockStore(request.target);
    const { metadata } = await uploadPartition({
      ...request, partitionIndex: request.partitionIndex, engine: replica.engine, store, nowMs: () => Date.now(),
      signal: options.signal, onProgress: options.onProgress, partBytes: 4096,
    });
    return metadata;
  }
}

async function setup(
  t: { teardown(fn: () => Promise<void> | void): void }, runner: PartitionBackupRunner, tables: Map<string, Table>, policies = new Map(), prefix = uniqueName('bull'),
) {
  await requireService('redis');
  const { redis } = endpoints();
  const dir = await mkdtemp(join(tmpdir(), 'backup-jobs-'));
  const orchestrator = new BackupOrchestrator({
    redis: { host: redis.host, port: redis.port },
    prefix,
    clusterName: 'onebox',
    runner,
    openStore: (target) => openBlockStore(target),
    nowMs: () => Date.now(),
    policy: (name) => Promise.resolve(policies.get(name)),
    resolveTable: (name) => tables.get(name)?.spec,
    log: () => {},
    backoffMs: 50,
  });
  await orchestrator.start();
  t.teardown(async () => {
    await orchestrator.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { orchestrator, target: `file://${dir}`, dir, prefix };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function finished(orchestrator: BackupOrchestrator, backupId: string): Promise<BackupStatus> {
  let status: BackupStatus | undefined;
  await until(`backup ${backupId} to finish`, async () => {
    status = await orchestrator.status(backupId);
    return status.state !== 'running';
  });
  if (status === undefined) throw new Error('no status');
  return status;
}

test('a backup under write load uploads the layout with verified parts at a decree covering every acknowledged write', async (t) => {
  const orders = await makeTable('orders', 3, 4);
  const users = await makeTable('users', 5, 2);
  const tables = new Map([['orders', orders], ['users', users]]);
  const { orchestrator, target, dir } = await setup(t, new EngineRunner(tables), tables);
  for (let p = 0; p < 4; p++) await write(orders, p, 50 + p * 10);
  for (let p = 0; p < 2; p++) await write(users, p, 30);
  const acknowledged = orders.partitions.map((replica) => replica.decree);
  let writing = true;
  const load = (async () => {
    while (writing) {
      await write(orders, 0, 5);
      // Memory engine writes settle in microtasks: yield so the jobs get to run.
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const backupId = await orchestrator.startBackup({ tables: ['orders', 'users'], target, policyName: '', keep: 0 });
  const status = await finished(orchestrator, backupId);
  writing = false;
  await load;
  t.is(status.state, 'completed', status.failedReason);
  const store = openBlockStore(target);
  const info = json<BackupInfo>(await store.get(backupInfoPath('onebox', backupId)));
  t.deepEqual(info.tables, [{ name: 'orders', appId: 3 }, { name: 'users', appId: 5 }]);
  t.is(json<{ partitionCount: number }>(await store.get(appMetadataPath('onebox', backupId, 'orders', 3))).partitionCount, 4);
  for (let p = 0; p < 4; p++) {
    const metadataBytes = await store.get(partitionMetadataPath('onebox', backupId, 'orders', 3, p));
    const metadata = json<PartitionBackupMetadata>(metadataBytes);
    t.deepEqual(json(await store.get(partitionMarkerPath('onebox', backupId, 'orders', 3, p))), { metadataSha256: sha256Hex(metadataBytes) });
    t.true(BigInt(metadata.decree) >= (acknowledged[p] ?? 0n), `partition ${p} holds every write acknowledged before the backup`);
    t.true(metadata.parts.length > 1, 'the checkpoint went up in several parts');
    const whole: Uint8Array[] = [];
    for (const part of metadata.parts) {
      const bytes = await store.get(`${partitionDir('onebox', backupId, 'orders', 3, p)}/${part.name}`);
      t.is(sha256Hex(bytes), part.sha256);
      whole.push(bytes);
    }
    const file = join(dir, `joined-${p}`);
    await writeFile(file, Buffer.concat(whole));
    const verified = await verifyCheckpoint(file);
    t.is(verified.decree.toString(), metadata.decree);
    t.is(sha256Hex(await readFile(file)), metadata.sha256);
  }
  t.true(status.tables.every((table) => table.partitions.every((partition) => partition.state === 'completed' && partition.uploadedBytes > 0)));
});

test('a partition whose attempt fails retriably is retried and the backup completes; its marker is not uploaded twice', async (t) => {
  const table = await makeTable('t1', 7, 2);
  await write(table, 0, 20);
  await write(table, 1, 20);
  const tables = new Map([['t1', table]]);
  let failed = false;
  const runner = new EngineRunner(tables, async (request) => {
    if (request.partitionIndex === 1 && !failed) {
      failed = true;
      throw new BackupError('ERR_INVALID_STATE', 'replica is not primary any more', true);
    }
  });
  const { orchestrator, target } = await setup(t, runner, tables);
  const backupId = await orchestrator.startBackup({ tables: ['t1'], target, policyName: '', keep: 0 });
  const status = await finished(orchestrator, backupId);
  t.is(status.state, 'completed', status.failedReason);
  t.is(status.tables[0]?.partitions[1]?.attempts, 2);
  t.is(runner.attempts, 3);
  const store = openBlockStore(target);
  const before = await store.get(partitionMetadataPath('onebox', backupId, 't1', 7, 0));
  await write(table, 0, 5);
  const again = await uploadPartition({ clusterName: 'onebox', backupId, table: 't1', appId: 7, partitionIndex: 0, engine: table.partitions[0]!.engine, store, nowMs: () => 0 });
  t.false(again.uploaded, 'a partition with a completion marker is not uploaded again');
  t.deepEqual(await store.get(partitionMetadataPath('onebox', backupId, 't1', 7, 0)), before);
});

test('a non-retriable failure fails the backup without retries and writes no backup_info', async (t) => {
  const table = await makeTable('t2', 8, 2);
  const tables = new Map([['t2', table]]);
  const runner = new EngineRunner(tables, async (request) => {
    if (request.partitionIndex === 0) throw new BackupError('ERR_INVALID_PARAMETERS', 'target refused', false);
  });
  const { orchestrator, target } = await setup(t, runner, tables);
  const backupId = await orchestrator.startBackup({ tables: ['t2'], target, policyName: '', keep: 0 });
  const status = await finished(orchestrator, backupId);
  t.is(status.state, 'failed');
  t.is(status.tables[0]?.partitions[0]?.attempts, 1);
  t.regex(status.tables[0]?.partitions[0]?.failedReason ?? '', /target refused/);
  t.is(await openBlockStore(target).stat(backupInfoPath('onebox', backupId)), undefined);
  await t.throwsAsync(orchestrator.startBackup({ tables: ['nope'], target, policyName: '', keep: 0 }), { message: /no table named "nope"/ });
});

test('cancelling mid-upload aborts the running upload, fails the backup as cancelled and writes no markers', async (t) => {
  const table = await makeTable('t3', 9, 3);
  for (let p = 0; p < 3; p++) await write(table, p, 10);
  const tables = new Map([['t3', table]]);
  let started = 0;
  let aborted = 0;
  const runner = new EngineRunner(tables, (_request, signal) => new Promise((_resolve, reject) => {
    started++;
    signal.addEventListener('abort', () => {
      aborted++;
      reject(new Error('aborted'));
    }, { once: true });
  }));
  const { orchestrator, target } = await setup(t, runner, tables);
  const backupId = await orchestrator.startBackup({ tables: ['t3'], target, policyName: '', keep: 0 });
  await until('uploads to start', async () => started >= 1);
  await orchestrator.cancel(backupId);
  const status = await finished(orchestrator, backupId);
  t.is(status.state, 'cancelled');
  t.true(aborted >= 1, 'the running upload saw the abort');
  const store = openBlockStore(target);
  t.is(await store.stat(backupInfoPath('onebox', backupId)), undefined);
  t.is(await store.stat(appMetadataPath('onebox', backupId, 't3', 9)), undefined);
  await t.throwsAsync(orchestrator.cancel(backupId), { message: /is cancelled, not running/ });
});

test('a policy every second fires on schedule and retention keeps exactly N completed backups', async (t) => {
  const table = await makeTable('t4', 11, 1);
  await write(table, 0, 10);
  const tables = new Map([['t4', table]]);
  const policies = new Map();
  const { orchestrator, target } = await setup(t, new EngineRunner(tables), tables, policies);
  const policy = policyFromInput({ name: 'nightly', tables: 't4', target, interval: '1', keep: '2' }, new Set(tables.keys()));
  policies.set(policy.name, policy);
  await orchestrator.schedulePolicy(policy);
  const store = openBlockStore(target);
  const completed = async (): Promise<string[]> => {
    const ids = [];
    for (const entry of await store.list('onebox')) if ((await store.stat(backupInfoPath('onebox', entry.name))) !== undefined) ids.push(entry.name);
    return ids;
  };
  await until('four policy runs', async () => (await orchestrator.listBackups()).length >= 4, 90_000);
  await orchestrator.unschedulePolicy(policy.name);
  const runs = await orchestrator.listBackups();
  for (const id of runs) await finished(orchestrator, id);
  const kept = await completed();
  t.is(kept.length, 2, `kept ${kept.join(', ')} of runs ${runs.join(', ')}`);
  const newestTwo = runs.slice(0, 2).sort();
  t.deepEqual(kept.sort(), newestTwo);
  t.deepEqual((await store.list('onebox')).map((entry) => entry.name).sort(), newestTwo, 'older backups were removed whole');
});

test('an orchestrator closing mid-upload (the meta leader stepping down) leaves the backup to the next one, which completes it', async (t) => {
  const table = await makeTable('t5', 12, 2);
  await write(table, 0, 10);
  await write(table, 1, 10);
  const tables = new Map([['t5', table]]);
  let hold = true;
  let started = 0;
  const slow = new EngineRunner(tables, (_request, signal) => new Promise((resolve, reject) => {
    started++;
    if (!hold) {
      resolve();
      return;
    }
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  }));
  const first = await setup(t, slow, tables);
  const backupId = await first.orchestrator.startBackup({ tables: ['t5'], target: first.target, policyName: '', keep: 0 });
  await until('uploads to start', async () => started >= 1);
  await first.orchestrator.close();
  hold = false;
  const second = await setup(t, new EngineRunner(tables), tables, new Map(), first.prefix);
  const status = await finished(second.orchestrator, backupId);
  t.is(status.state, 'completed', status.failedReason);
  t.true(status.tables[0]?.partitions.some((partition) => partition.attempts > 1), 'an interrupted partition was attempted again');
  t.not(await openBlockStore(first.target).stat(backupInfoPath('onebox', backupId)), undefined);
});

test('a new orchestrator keeps existing schedules as they are and adds or removes only what differs from the policies', async (t) => {
  const table = await makeTable('t6', 13, 1);
  const tables = new Map([['t6', table]]);
  const first = await setup(t, new EngineRunner(tables), tables);
  const known = new Set(tables.keys());
  const kept = policyFromInput({ name: 'kept', tables: 't6', target: first.target, interval: '3600', start: '00:00', keep: '1' }, known);
  const dropped = policyFromInput({ name: 'dropped', tables: 't6', target: first.target, interval: '3600', keep: '1' }, known);
  await first.orchestrator.schedulePolicy(kept);
  await first.orchestrator.schedulePolicy(dropped);
  const before = (await first.orchestrator.nextRuns()).get('kept');
  const added = policyFromInput({ name: 'added', tables: 't6', target: first.target, cron: '0 3 * * *', keep: '1' }, known);
  await first.orchestrator.close();
  const second = await setup(t, new EngineRunner(tables), tables, new Map(), first.prefix);
  await second.orchestrator.syncPolicies([kept, { ...dropped, enabled: false }, added]);
  const next = await second.orchestrator.nextRuns();
  t.deepEqual([...next.keys()].sort(), ['added', 'kept']);
  t.true((before ?? 0) > Date.now(), 'kept is scheduled for its next 00:00');
  t.is(next.get('kept'), before, 'the next run of an existing schedule did not move');
});
