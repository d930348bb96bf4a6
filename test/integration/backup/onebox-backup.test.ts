// Backup on a real onebox (meta and replica servers as processes, --redis on the real Redis): a
// one-shot backup of table temp under write load to a file:// target holds every write
// acknowledged before it started, with verified parts; bad requests get clear errors and change
// nothing; a replica server killed with SIGKILL while it is the primary a partition job was sent to
// makes that job retry on the new primary, and the backup completes; policies survive a restart
// of the meta server.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../../../client/node/index.ts';
import { openBlockStore } from '../../../backup/block-store/open.ts';
import {
  backupInfoPath, partitionDir, partitionMetadataPath, type BackupInfo, type PartitionBackupMetadata,
} from '../../../backup/core/layout.ts';
import { sha256Hex } from '../../../backup/partition/upload-partition.ts';
import { readCheckpointFile } from '../../../cluster/storage/checkpoint-reader.ts';
import { decodeKey } from '../../../cluster/storage/key-schema.ts';
import { MetaApiError } from '../../../infra/shell/meta-http.ts';
import { healthyConfig, serverNamed, startChaosOnebox, until, Writers, type Acknowledged, type ChaosOnebox } from '../../chaos/chaos-cluster.ts';
import { pegasus } from '../../support/pegasus-cli.ts';
import { endpoints, requireService } from '../../support/services.ts';

const CLUSTER = 'onebox';
const TABLE = 'temp';
const utf8 = new TextDecoder();

interface Status {
  readonly backupId: string;
  readonly state: string;
  readonly failedReason?: string;
  readonly tables: readonly { readonly name: string; readonly partitions: readonly { readonly index: number; readonly state: string; readonly attempts: number }[] }[];
}

async function finished(cluster: ChaosOnebox, backupId: string): Promise<Status> {
  return until(`backup ${backupId} finishes`, async () => {
    const { backup } = await cluster.http.request<{ backup: Status }>('GET', `/v1/backup/backups/${backupId}`);
    return backup.state === 'running' ? undefined : backup;
  }, 120_000, 300);
}

/** Every (hash key, value) the uploaded checkpoint of partition `pidx` holds. */
async function uploadedRecords(target: string, dir: string, backupId: string, appId: number, pidx: number): Promise<Map<string, string>> {
  const store = openBlockStore(target);
  const metadata = JSON.parse(utf8.decode(await store.get(partitionMetadataPath(CLUSTER, backupId, TABLE, appId, pidx)))) as PartitionBackupMetadata;
  const parts = [];
  for (const part of metadata.parts) {
    const bytes = await store.get(`${partitionDir(CLUSTER, backupId, TABLE, appId, pidx)}/${part.name}`);
    if (sha256Hex(bytes) !== part.sha256) throw new Error(`${part.name} of partition ${pidx} does not match its SHA-256`);
    parts.push(bytes);
  }
  const file = join(dir, `check-${backupId}-${pidx}`);
  await writeFile(file, Buffer.concat(parts));
  const records = new Map<string, string>();
  const checked = await readCheckpointFile(file, async (entries) => {
    for (const entry of entries) {
      const key = decodeKey(entry.key);
      if (key !== undefined) records.set(utf8.decode(key.hashKey), utf8.decode(entry.value));
    }
  });
  if (checked.decree.toString() !== metadata.decree) throw new Error(`partition ${pidx}: checkpoint decree ${checked.decree} but metadata ${metadata.decree}`);
  return records;
}

async function rejects(cluster: ChaosOnebox, method: 'POST' | 'PUT', path: string, body: unknown): Promise<MetaApiError> {
  try {
    await cluster.http.request(method, path, body);
  } catch (error) {
    if (error instanceof MetaApiError) return error;
    throw error;
  }
  throw new Error(`${method} ${path} was accepted`);
}

test('backup_app under load holds every acknowledged write; bad input is refused; a killed primary is retried around', async (t) => {
  t.timeout(420_000);
  await requireService('redis');
  const { redis } = endpoints();
  // Before the onebox, so teardown stops the servers before it removes their upload target.
  const dir = mkdtempSync(join(tmpdir(), 'onebox-backup-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10 }));
  const cluster = await startChaosOnebox(t, { redis: `${redis.host}:${redis.port}` });
  const target = `file://${dir}/target`;
  const config = await healthyConfig(cluster, TABLE, 120_000);
  const client = createClient({ metaServers: [...cluster.metas], timeoutMs: 5000 });
  t.teardown(() => client.close());
  const writers = new Writers(await client.openTable(TABLE), 3, 'backup', config.partitionCount);
  writers.start();
  t.teardown(() => writers.stop());
  await until('writes on every partition', () => (new Set(writers.acknowledged.map((ack) => ack.partition)).size === config.partitionCount && writers.acknowledged.length >= 300 ? true : undefined), 60_000);

  // Bad input: clear errors, nothing stored.
  t.is((await rejects(cluster, 'POST', '/v1/backup/backups', { table: 'nope', target })).code, 'ERR_OBJECT_NOT_FOUND');
  t.regex((await rejects(cluster, 'POST', '/v1/backup/backups', { table: TABLE, target: 'ftp://x/y' })).message, /unknown scheme ftp/);
  const policy = { name: 'daily', tables: TABLE, target, interval: '86400', keep: '2' };
  t.regex((await rejects(cluster, 'POST', '/v1/backup/policies', { ...policy, keep: '0' })).message, /--keep "0" must be a whole number in 1\.\./);
  t.regex((await rejects(cluster, 'POST', '/v1/backup/policies', { ...policy, start: '25:00' })).message, /--start "25:00" must be HH:MM/);
  t.regex((await rejects(cluster, 'POST', '/v1/backup/policies', { ...policy, interval: undefined, cron: 'every day' })).message, /is not a cron pattern/);
  t.regex((await rejects(cluster, 'POST', '/v1/backup/policies', { ...policy, interval: '5', cron: '0 2 * * *' })).message, /exactly one of --interval/);
  t.deepEqual((await cluster.http.request<{ policies: unknown[] }>('GET', '/v1/backup/policies')).policies, [], 'no policy was stored by a refused request');
  await cluster.http.request('POST', '/v1/backup/policies', policy);
  t.is((await rejects(cluster, 'POST', '/v1/backup/policies', policy)).code, 'ERR_POLICY_ALREADY_EXIST');
  await cluster.http.request('POST', '/v1/backup/policies/daily/disable', {});
  const listed = (await cluster.http.request<{ policies: { name: string; enabled: boolean; keep: number }[] }>('GET', '/v1/backup/policies')).policies;
  t.deepEqual(listed.map((p) => [p.name, p.enabled, p.keep]), [['daily', false, 2]]);

  // One-shot backup under load.
  const acknowledgedBefore: Acknowledged[] = [...writers.acknowledged];
  const { backupId } = await cluster.http.request<{ backupId: string }>('POST', '/v1/backup/backups', { table: TABLE, target });
  const status = await finished(cluster, backupId);
  t.is(status.state, 'completed', status.failedReason);
  const store = openBlockStore(target);
  const info = JSON.parse(utf8.decode(await store.get(backupInfoPath(CLUSTER, backupId)))) as BackupInfo;
  t.deepEqual(info.tables, [{ name: TABLE, appId: config.appId }]);
  const uploaded = new Map<string, string>();
  for (let pidx = 0; pidx < config.partitionCount; pidx++) {
    for (const [hashKey, value] of await uploadedRecords(target, dir, backupId, config.appId, pidx)) uploaded.set(hashKey, value);
  }
  const missing = acknowledgedBefore.filter((ack) => !(uploaded.get(ack.hashKey) ?? '').endsWith(ack.value));
  t.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${acknowledgedBefore.length} writes acknowledged before the backup are missing from it`);

  // The shell: backup_app --wait draws progress; bad input exits 1 naming the field.
  const meta = ['--meta', cluster.metas.join(',')];
  const waited = await pegasus([...meta, 'backup_app', TABLE, '--target', target, '--wait']);
  t.is(waited.code, 0, waited.stderr);
  t.regex(waited.stderr, new RegExp(`\\[#{30}\\] ${config.partitionCount}/${config.partitionCount} partitions, [\\d.]+ MiB, completed`));
  t.regex(waited.stdout, /completed/);
  const refused = await pegasus([...meta, 'add_backup_policy', '--name', 'bad', '--tables', TABLE, '--target', target, '--interval', '5', '--keep', '0']);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /--keep "0" must be a whole number/);
  const policies = await pegasus([...meta, 'ls_backup_policy']);
  t.regex(policies.stdout, /daily\s+temp\s+file:\/\/\S+\s+every 86400s\s+-\s+2\s+no/);
  const queried = await pegasus([...meta, 'query_backup_status', '--backup-id', backupId]);
  t.regex(queried.stdout, new RegExp(`${backupId}\\s+\\(backup_app\\)\\s+completed\\s+${config.partitionCount}/${config.partitionCount}`));

  // SIGKILL the primary of partition 0, then back up at once: the meta server still names the dead
  // server, so that partition's job fails, retries, and completes on the new primary.
  const victim = config.partitions.find((partition) => partition.index === 0)?.primary ?? '';
  await cluster.onebox.kill(serverNamed(cluster, victim));
  const second = (await cluster.http.request<{ backupId: string }>('POST', '/v1/backup/backups', { table: TABLE, target })).backupId;
  const after = await finished(cluster, second);
  await writers.stop();
  t.is(after.state, 'completed', after.failedReason);
  const retried = after.tables[0]?.partitions.filter((partition) => partition.attempts > 1).map((partition) => partition.index) ?? [];
  t.true(retried.includes(0), `partition 0's job retried (retried: ${retried.join(', ')})`);
  t.not(await store.stat(backupInfoPath(CLUSTER, second)), undefined);

  // Policies live in the meta store: a restarted meta server still has them.
  const metaName = cluster.onebox.plan.metas[0]?.name ?? '';
  await cluster.onebox.kill(metaName);
  await cluster.onebox.restart(metaName);
  const again = await until('the restarted meta server lists the policy', async () => {
    const { policies } = await cluster.http.request<{ policies: { name: string; enabled: boolean }[] }>('GET', '/v1/backup/policies');
    return policies.length > 0 ? policies : undefined;
  }, 60_000);
  t.deepEqual(again.map((p) => [p.name, p.enabled]), [['daily', false]]);
});
