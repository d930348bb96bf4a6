// Faults during a backup on a real onebox whose replica servers upload slowly (a backup rate limit
// and small parts, set through their environment): a replica server killed with SIGKILL while it
// uploads a partition makes that partition's job retry on the new primary and the backup
// completes; a backup cancelled while partitions upload ends cancelled, the replica servers stop
// their uploads, and no completion marker is written.
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../../../client/node/index.ts';
import { openBlockStore } from '../../../backup/block-store/open.ts';
import { appMetadataPath, backupInfoPath } from '../../../backup/core/layout.ts';
import { healthyConfig, serverNamed, startChaosOnebox, tableConfig, until, Writers, type ChaosOnebox } from '../../chaos/chaos-cluster.ts';
import { endpoints, requireService } from '../../support/services.ts';

const TABLE = 'temp';

interface Status {
  readonly state: string;
  readonly failedReason?: string;
  readonly tables: readonly { readonly appId: number; readonly partitions: readonly { readonly index: number; readonly state: string; readonly uploadedBytes: number; readonly attempts: number }[] }[];
}

const statusOf = async (cluster: ChaosOnebox, backupId: string): Promise<Status> =>
  (await cluster.http.request<{ backup: Status }>('GET', `/v1/backup/backups/${backupId}`)).backup;

/** A partition that has uploaded some bytes but not finished, once there is one. */
async function uploading(cluster: ChaosOnebox, backupId: string): Promise<number> {
  return until(`a partition of backup ${backupId} is part way`, async () => {
    const partitions = (await statusOf(cluster, backupId)).tables[0]?.partitions ?? [];
    return partitions.find((partition) => partition.state === 'active' && partition.uploadedBytes > 0)?.index;
  }, 60_000, 100);
}

test('a replica server killed mid-upload is retried around; a cancelled backup stops its uploads', async (t) => {
  t.timeout(420_000);
  await requireService('redis');
  // Inherited by the replica server processes the onebox starts.
  process.env['PEGASUS_REPLICA_BACKUP_UPLOAD_BYTES_PER_SECOND'] = '8000';
  process.env['PEGASUS_REPLICA_BACKUP_PART_BYTES'] = '2048';
  const { redis } = endpoints();
  // Before the onebox, so teardown stops the servers before it removes their upload target.
  const dir = mkdtempSync(join(tmpdir(), 'onebox-backup-faults-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10 }));
  const cluster = await startChaosOnebox(t, { redis: `${redis.host}:${redis.port}` });
  const target = `file://${dir}`;
  const config = await healthyConfig(cluster, TABLE, 120_000);
  const client = createClient({ metaServers: [...cluster.metas], timeoutMs: 5000 });
  t.teardown(() => client.close());
  const writers = new Writers(await client.openTable(TABLE), 3, 'faults', config.partitionCount);
  writers.start();
  await until('enough data to upload slowly', () => (writers.acknowledged.length >= 1200 ? true : undefined), 120_000);
  await writers.stop();
  const store = openBlockStore(target);

  // Cancel while partitions upload.
  const cancelled = (await cluster.http.request<{ backupId: string }>('POST', '/v1/backup/backups', { table: TABLE, target })).backupId;
  await uploading(cluster, cancelled);
  await cluster.http.request('POST', `/v1/backup/backups/${cancelled}/cancel`, {});
  const ended = await until('the cancelled backup ends', async () => {
    const status = await statusOf(cluster, cancelled);
    return status.state === 'running' ? undefined : status;
  }, 60_000);
  t.is(ended.state, 'cancelled');
  await until('a replica server reports its upload cancelled', () => cluster.onebox.plan.replicas.some((replica) =>
    readFileSync(replica.logFile, 'utf8').includes(`backup ${cancelled} of ${config.appId}.`) &&
    readFileSync(replica.logFile, 'utf8').includes(`backup ${cancelled} was cancelled`)) ? true : undefined, 30_000);
  t.is(await store.stat(backupInfoPath('onebox', cancelled)), undefined);
  t.is(await store.stat(appMetadataPath('onebox', cancelled, TABLE, config.appId)), undefined);

  // SIGKILL the primary of a partition that is part way through its upload.
  const backupId = (await cluster.http.request<{ backupId: string }>('POST', '/v1/backup/backups', { table: TABLE, target })).backupId;
  const partition = await uploading(cluster, backupId);
  const primary = (await tableConfig(cluster, TABLE)).partitions.find((p) => p.index === partition)?.primary ?? '';
  await cluster.onebox.kill(serverNamed(cluster, primary));
  const done = await until('the backup ends', async () => {
    const status = await statusOf(cluster, backupId);
    return status.state === 'running' ? undefined : status;
  }, 180_000, 500);
  t.is(done.state, 'completed', done.failedReason);
  const retried = done.tables[0]?.partitions.find((p) => p.index === partition);
  t.true((retried?.attempts ?? 0) > 1, `partition ${partition} was retried after its primary ${primary} was killed`);
  t.not((await tableConfig(cluster, TABLE)).partitions.find((p) => p.index === partition)?.primary, primary);
  t.not(await store.stat(backupInfoPath('onebox', backupId)), undefined);
});
