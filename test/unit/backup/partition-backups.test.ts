// The replica server's side of a partition backup (PartitionBackups) driven by the orchestrator's
// RemotePartitionRunner, with a replica whose role the test sets and a target whose writes the test
// holds: progress is polled to completion; a primary that loses its role aborts its upload and the
// attempt fails retriably; an aborted job tells the replica, whose upload stops as cancelled; a
// server that is not primary is refused with ERR_INVALID_STATE.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockStore } from '../../../backup/block-store/block-store.ts';
import { LocalBlockStore } from '../../../backup/block-store/local-block-store.ts';
import { BackupError } from '../../../backup/core/backup-error.ts';
import { partitionMarkerPath } from '../../../backup/core/layout.ts';
import { RemotePartitionRunner } from '../../../backup/jobs/remote-partition-runner.ts';
import { ManualClock } from '../../../common/clock.ts';
import { PartitionBackups } from '../../../cluster/replica/server/partition-backups.ts';
import type { AppSummary } from '../../../cluster/rpc/cluster-messages.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { MemoryEngine } from '../../../cluster/storage/memory-engine.ts';
import { Partition } from '../../../cluster/storage/partition.ts';

const app: AppSummary = { appId: 4, name: 'events', partitionCount: 1, status: 'available' };

/** A LocalBlockStore whose part writes wait until released. */
class HeldStore extends LocalBlockStore {
  held = true;
  putsStarted = 0;
  private waiting: (() => void)[] = [];
  override async put(path: string, body: Uint8Array | AsyncIterable<Uint8Array>, options: { readonly signal?: AbortSignal } = {}): Promise<void> {
    if (path.includes('part-')) {
      this.putsStarted++;
      while (this.held) {
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        options.signal?.throwIfAborted();
      }
    }
    return super.put(path, body, options);
  }
  release(): void {
    this.held = false;
    this.wake();
  }
  wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'partition-backups-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const engine = new MemoryEngine();
  const partition = await Partition.open(engine, { clock: new ManualClock() });
  for (let decree = 1n; decree <= 50n; decree++) {
    await partition.applyMutation({ decree, timestampUs: 1_800_000_000_000_000n + decree, requests: [
      { kind: 'put', key: encodeKey(new TextEncoder().encode('h'), new TextEncoder().encode(`s${decree}`)), value: new Uint8Array(100), expireTsSeconds: 0 },
    ] });
  }
  const replica = { primary: true };
  const store = new HeldStore(dir);
  const backups = new PartitionBackups({
    hosted: (gpid) => (gpid.appId === app.appId ? { app, replica: { primaryEngine: () => (replica.primary ? engine : undefined) } } : undefined),
    openStore: (): BlockStore => store,
    nowMs: () => 0,
    log: () => {},
  });
  const runner = new RemotePartitionRunner({
    primaryOf: () => 'primary:1',
    call: (_to, request) => backups.handle(request),
    sleep: (ms, signal) => new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      }, { once: true });
    }),
    pollMs: 5,
  });
  const job = { backupId: '1000', target: `file://${dir}`, clusterName: 'c1', table: 'events', appId: app.appId, partitionIndex: 0 };
  const until = async (check: () => boolean): Promise<void> => {
    while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  return { backups, runner, store, replica, job, until };
}

test('the runner polls the primary until the partition is uploaded', async (t) => {
  const { runner, store, job } = await setup(t);
  store.release();
  const progress: number[] = [];
  const metadata = await runner.backupPartition(job, { signal: new AbortController().signal, onProgress: (bytes) => progress.push(bytes) });
  t.is(metadata.decree, '50');
  t.is(progress.at(-1), metadata.totalBytes);
  t.not(await store.stat(partitionMarkerPath('c1', '1000', 'events', app.appId, 0)), undefined);
});

test('a primary losing its role aborts its upload and the attempt fails retriably', async (t) => {
  const { backups, runner, store, replica, job, until } = await setup(t);
  const attempt = runner.backupPartition(job, { signal: new AbortController().signal, onProgress: () => {} });
  await until(() => store.putsStarted > 0);
  replica.primary = false;
  backups.checkRoles();
  store.wake();
  const error = await t.throwsAsync(attempt, { instanceOf: BackupError, message: /no longer primary/ });
  t.true(error?.retriable);
  t.is(await store.stat(partitionMarkerPath('c1', '1000', 'events', app.appId, 0)), undefined);
  const refused = await backups.handle({ gpid: { appId: app.appId, partitionIndex: 0 }, target: job.target, clusterName: 'c1', backupId: '1000', table: 'events', cancel: false });
  t.is(refused.error, 'ERR_INVALID_STATE', 'the next attempt is told this server is not primary');
});

test('an aborted job cancels the upload on the replica server', async (t) => {
  const { backups, runner, store, job, until } = await setup(t);
  const controller = new AbortController();
  const attempt = runner.backupPartition(job, { signal: controller.signal, onProgress: () => {} });
  await until(() => store.putsStarted > 0);
  const request = { gpid: { appId: app.appId, partitionIndex: 0 }, target: job.target, clusterName: 'c1', backupId: '1000', table: 'events', cancel: false };
  t.is((await backups.handle(request)).state, 'uploading');
  controller.abort(new Error('backup 1000 was cancelled'));
  await t.throwsAsync(attempt);
  store.wake();
  // Polled without cancel: only the runner's own cancel can have stopped it.
  let state = (await backups.handle(request)).state;
  while (state === 'uploading') {
    await new Promise((resolve) => setTimeout(resolve, 5));
    state = (await backups.handle(request)).state;
  }
  t.is(state, 'cancelled');
  t.is(await store.stat(partitionMarkerPath('c1', '1000', 'events', app.appId, 0)), undefined);
});
