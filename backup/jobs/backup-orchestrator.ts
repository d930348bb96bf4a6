// Runs backups as BullMQ jobs in Redis (on a cluster, inside the meta leader): each enabled policy
// is a job scheduler whose jobs start a run; a run is a flow of one `backup` job, a `table` child
// per table and a `partition` grandchild per partition (job-shapes.ts). Partition jobs retry with
// exponential backoff up to BACKUP_PARTITION_ATTEMPTS_MAX attempts (each attempt resolves the
// primary again) and fail their table, and so the backup, when they run out. A parent runs only
// once all its children completed, so app_metadata follows every partition's completion marker
// and backup_info follows every table's metadata. Retention runs after a policy's run completed.
//
// Cancellation: cancel() marks the backup cancelled in Redis, aborts the partition jobs this
// process runs (the AbortSignal reaches the upload), and promotes delayed retries; every job of a
// cancelled backup then fails without retry, failing the run before any marker is written.
import { FlowProducer, Queue, UnrecoverableError, Worker, type Job, type JobState } from 'bullmq';
import { Redis } from 'ioredis';
import { BlockStoreError, type BlockStore } from '../block-store/block-store.ts';
import { BackupError } from '../core/backup-error.ts';
import { appMetadataPath, backupDir, backupInfoPath, type AppMetadata, type BackupInfo } from '../core/layout.ts';
import { nextStartMs, type BackupPolicy } from '../core/policy.ts';
import { backupsBeyondKeep, type BackupListing } from '../core/retention.ts';
import { PegasusError } from '../../common/errors.ts';
import {
  BACKUP_LISTED_MAX, BACKUP_PARTITION_ATTEMPTS_MAX, BACKUP_PARTITION_BACKOFF_MS, BACKUP_PARTITION_JOBS_AT_ONCE_MAX,
} from '../../common/limits.ts';
import {
  BACKUP_QUEUE, backupJobId, PARTITION_QUEUE, partitionJobId, POLICY_QUEUE, tableJobId,
  type BackupRunData, type BackupTableSpec, type PartitionJobData, type PartitionProgress, type TableJobData,
} from './job-shapes.ts';
import type { PartitionBackupRunner } from './partition-runner.ts';

/** How long Redis remembers that a backup was cancelled. */
const CANCELLED_TTL_SECONDS = 7 * 24 * 3600;
/** Finished jobs kept for status queries. */
const FINISHED_JOBS_KEPT = 1000;

export interface BackupOrchestratorOptions {
  /** The Redis server BullMQ keeps its queues in. */
  readonly redis: { readonly host: string; readonly port: number };
  /** BullMQ key prefix; one per cluster sharing a Redis. */
  readonly prefix: string;
  readonly clusterName: string;
  readonly runner: PartitionBackupRunner;
  readonly openStore: (target: string) => BlockStore;
  readonly nowMs: () => number;
  /** The policy as stored now (a modify takes effect at the next run). */
  readonly policy: (name: string) => Promise<BackupPolicy | undefined>;
  /** A table's id and partition count, or undefined when it does not exist (any more). */
  readonly resolveTable: (name: string) => BackupTableSpec | undefined;
  readonly log?: (line: string) => void;
  readonly partitionAttempts?: number;
  readonly backoffMs?: number;
}

export type BackupRunState = 'running' | 'completed' | 'failed' | 'cancelled';

export interface PartitionStatus {
  readonly index: number;
  readonly state: JobState | 'unknown';
  readonly uploadedBytes: number;
  readonly attempts: number;
  readonly failedReason?: string;
}

export interface BackupStatus {
  readonly backupId: string;
  readonly policyName: string;
  readonly target: string;
  readonly state: BackupRunState;
  readonly startTimeMs: number;
  readonly endTimeMs?: number;
  readonly failedReason?: string;
  readonly tables: readonly { readonly name: string; readonly appId: number; readonly partitions: readonly PartitionStatus[] }[];
}

export class BackupOrchestrator {
  private readonly backups: Queue;
  private readonly partitions: Queue;
  private readonly policies: Queue;
  private readonly flows: FlowProducer;
  private readonly workers: Worker[] = [];
  private readonly log: (line: string) => void;
  /** For the cancelled marks; BullMQ keeps its own connections. */
  private readonly redis: Redis;
  private lastBackupId = 0;

  constructor(private readonly options: BackupOrchestratorOptions) {
    const common = { connection: { ...options.redis }, prefix: options.prefix };
    this.redis = new Redis({ ...options.redis, lazyConnect: true, maxRetriesPerRequest: 3 });
    this.backups = new Queue(BACKUP_QUEUE, common);
    this.partitions = new Queue(PARTITION_QUEUE, common);
    this.policies = new Queue(POLICY_QUEUE, common);
    this.flows = new FlowProducer(common);
    this.log = options.log ?? ((line) => console.error(line));
  }

  /** Starts the workers; a meta server calls this when it becomes leader. */
  async start(): Promise<void> {
    const common = { connection: { ...this.options.redis, maxRetriesPerRequest: null }, prefix: this.options.prefix };
    this.workers.push(
      new Worker<PartitionJobData>(PARTITION_QUEUE, (job, _token, signal) => this.runPartition(job, signal), {
        ...common, concurrency: BACKUP_PARTITION_JOBS_AT_ONCE_MAX,
      }),
      new Worker<BackupRunData | TableJobData>(BACKUP_QUEUE, (job) => this.runParent(job), { ...common, concurrency: 2 }),
      new Worker<{ policyName: string }>(POLICY_QUEUE, (job) => this.runPolicy(job.data.policyName), common),
    );
    for (const worker of this.workers) {
      worker.on('error', (error) => this.log(`backup worker: ${error.message}`));
      await worker.waitUntilReady();
    }
  }

  /** Schedules an enabled policy (replacing its schedule) or unschedules a disabled one. */
  async schedulePolicy(policy: BackupPolicy): Promise<void> {
    if (!policy.enabled) {
      await this.unschedulePolicy(policy.name);
      return;
    }
    const startDate = policy.start === undefined ? {} : { startDate: nextStartMs(policy.start, this.options.nowMs()) };
    const repeat = policy.schedule.kind === 'interval'
      ? { every: policy.schedule.seconds * 1000, ...startDate }
      : { pattern: policy.schedule.pattern, tz: 'UTC', ...startDate };
    await this.policies.upsertJobScheduler(policy.name, repeat, {
      name: 'policy',
      data: { policyName: policy.name },
      opts: { removeOnComplete: FINISHED_JOBS_KEPT, removeOnFail: FINISHED_JOBS_KEPT },
    });
  }

  /**
   * Brings Redis in line with the stored policies when a meta server starts leading: schedules
   * enabled policies that have no scheduler (a new or emptied Redis) and removes schedulers of
   * disabled or deleted ones. Existing schedulers are left as they are, so a change of leader
   * neither adds a run nor moves the next one.
   */
  async syncPolicies(policies: readonly BackupPolicy[]): Promise<void> {
    const scheduled = new Set((await this.policies.getJobSchedulers(0, -1)).map((scheduler) => scheduler.key));
    const enabled = new Set(policies.filter((policy) => policy.enabled).map((policy) => policy.name));
    for (const policy of policies) if (policy.enabled && !scheduled.has(policy.name)) await this.schedulePolicy(policy);
    for (const name of scheduled) if (!enabled.has(name)) await this.unschedulePolicy(name);
  }

  async unschedulePolicy(name: string): Promise<void> {
    await this.policies.removeJobScheduler(name);
  }

  /** When each scheduled policy runs next (Unix ms), for ls_backup_policy. */
  async nextRuns(): Promise<Map<string, number>> {
    const schedulers = await this.policies.getJobSchedulers(0, -1);
    return new Map(schedulers.map((scheduler) => [scheduler.key, scheduler.next ?? 0]));
  }

  /** Starts one backup of `tables` now; returns its id (its start time in Unix ms). */
  async startBackup(request: { readonly tables: readonly string[]; readonly target: string; readonly policyName: string; readonly keep: number }): Promise<string> {
    const tables = request.tables.map((name) => {
      const table = this.options.resolveTable(name);
      if (table === undefined) throw new BackupError('ERR_OBJECT_NOT_FOUND', `no table named ${JSON.stringify(name)}`, false);
      return table;
    });
    const startTimeMs = this.options.nowMs();
    // Two runs started in one millisecond (here, or by the leader before) still get distinct ids:
    // BullMQ would silently ignore a flow whose job id exists.
    let id = Math.max(startTimeMs, this.lastBackupId + 1);
    while ((await this.backups.getJob(backupJobId(String(id)))) !== undefined) id++;
    this.lastBackupId = id;
    const backupId = String(id);
    const run: BackupRunData = {
      backupId, policyName: request.policyName, target: request.target, clusterName: this.options.clusterName, startTimeMs, tables, keep: request.keep,
    };
    const kept = { removeOnComplete: FINISHED_JOBS_KEPT, removeOnFail: FINISHED_JOBS_KEPT };
    await this.flows.add({
      name: 'backup',
      queueName: BACKUP_QUEUE,
      data: run,
      opts: { jobId: backupJobId(backupId), ...kept },
      children: tables.map((table) => ({
        name: 'table',
        queueName: BACKUP_QUEUE,
        data: { run, table } satisfies TableJobData,
        opts: { jobId: tableJobId(backupId, table.name), failParentOnFailure: true, ...kept },
        children: Array.from({ length: table.partitionCount }, (_, partitionIndex) => ({
          name: 'partition',
          queueName: PARTITION_QUEUE,
          data: {
            backupId, target: run.target, clusterName: run.clusterName, table: table.name, appId: table.appId, partitionIndex,
          } satisfies PartitionJobData,
          opts: {
            jobId: partitionJobId(backupId, table.name, partitionIndex),
            attempts: this.options.partitionAttempts ?? BACKUP_PARTITION_ATTEMPTS_MAX,
            backoff: { type: 'exponential', delay: this.options.backoffMs ?? BACKUP_PARTITION_BACKOFF_MS },
            failParentOnFailure: true,
            ...kept,
          },
        })),
      })),
    });
    this.log(`backup ${backupId} started: ${tables.map((table) => table.name).join(', ')} to ${run.target}`);
    return backupId;
  }

  async status(backupId: string): Promise<BackupStatus> {
    const job = await this.backups.getJob(backupJobId(backupId)) as Job<BackupRunData> | undefined;
    if (job === undefined) throw new BackupError('ERR_OBJECT_NOT_FOUND', `no backup ${JSON.stringify(backupId)} is known to this cluster's job queue`, false);
    const run = job.data;
    const state = await job.getState();
    const cancelled = await this.isCancelled(backupId);
    const tables = [];
    for (const table of run.tables) {
      const partitions: PartitionStatus[] = [];
      for (let index = 0; index < table.partitionCount; index++) {
        const child = await this.partitions.getJob(partitionJobId(backupId, table.name, index));
        const progress = child?.progress as PartitionProgress | undefined;
        partitions.push({
          index,
          state: child === undefined ? 'unknown' : await child.getState(),
          uploadedBytes: typeof progress === 'object' ? progress.uploadedBytes : 0,
          attempts: child?.attemptsMade ?? 0,
          ...(child?.failedReason === undefined ? {} : { failedReason: child.failedReason }),
        });
      }
      tables.push({ name: table.name, appId: table.appId, partitions });
    }
    const runState: BackupRunState = state === 'completed' ? 'completed' : cancelled ? 'cancelled' : state === 'failed' ? 'failed' : 'running';
    return {
      backupId,
      policyName: run.policyName,
      target: run.target,
      state: runState,
      startTimeMs: run.startTimeMs,
      ...(job.finishedOn === undefined ? {} : { endTimeMs: job.finishedOn }),
      ...(job.failedReason === undefined || job.failedReason === '' ? {} : { failedReason: job.failedReason }),
      tables,
    };
  }

  /** The ids of the backups the queue remembers (of one policy, when named), newest first. */
  async listBackups(policyName?: string): Promise<string[]> {
    const jobs = await this.backups.getJobs(['active', 'waiting', 'waiting-children', 'delayed', 'completed', 'failed'], 0, BACKUP_LISTED_MAX);
    const ids = jobs
      .filter((job) => job.name === 'backup' && (policyName === undefined || (job.data as BackupRunData).policyName === policyName))
      .map((job) => (job.data as BackupRunData).backupId);
    return [...new Set(ids)].sort((a, b) => Number(b) - Number(a));
  }

  /** Cancels a running backup; cancelling a finished one is refused. */
  async cancel(backupId: string): Promise<void> {
    const status = await this.status(backupId);
    if (status.state !== 'running') throw new BackupError('ERR_INVALID_STATE', `backup ${backupId} is ${status.state}, not running`, false);
    await this.redis.set(this.cancelledKey(backupId), '1', 'EX', CANCELLED_TTL_SECONDS);
    for (const table of status.tables) {
      for (const partition of table.partitions) {
        const id = partitionJobId(backupId, table.name, partition.index);
        for (const worker of this.workers) worker.cancelJob(id, `backup ${backupId} was cancelled`);
        if (partition.state === 'delayed') await (await this.partitions.getJob(id))?.promote();
      }
    }
    this.log(`backup ${backupId} cancelled`);
  }

  async close(): Promise<void> {
    // Running partition jobs are aborted (a failed attempt, retried by the next leader's workers),
    // and their uploads told to stop, before the workers close.
    for (const worker of this.workers) worker.cancelAllJobs('the backup orchestrator is closing');
    for (const worker of this.workers) await worker.close();
    await this.flows.close();
    await this.policies.close();
    await this.partitions.close();
    await this.backups.close();
    this.redis.disconnect();
  }

  // --- processors ---

  private async runPolicy(policyName: string): Promise<string | undefined> {
    const policy = await this.options.policy(policyName);
    if (policy?.enabled !== true) return undefined;
    return this.startBackup({ tables: policy.tables, target: policy.target, policyName: policy.name, keep: policy.keep });
  }

  private async runPartition(job: Job<PartitionJobData>, signal: AbortSignal | undefined): Promise<{ decree: string; totalBytes: number }> {
    const { backupId } = job.data;
    const cancelled = (): UnrecoverableError => new UnrecoverableError(`backup ${backupId} was cancelled`);
    if (await this.isCancelled(backupId)) throw cancelled();
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const metadata = await this.options.runner.backupPartition(job.data, {
        signal: controller.signal,
        onProgress: (uploadedBytes) => {
          void job.updateProgress({ uploadedBytes, done: false } satisfies PartitionProgress).catch(() => undefined);
        },
      });
      await job.updateProgress({ uploadedBytes: metadata.totalBytes, done: true } satisfies PartitionProgress);
      return { decree: metadata.decree, totalBytes: metadata.totalBytes };
    } catch (error) {
      if (await this.isCancelled(backupId)) throw cancelled();
      if (error instanceof PegasusError && !error.retriable) throw new UnrecoverableError(`${error.code}: ${error.message}`);
      throw error;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async runParent(job: Job<BackupRunData | TableJobData>): Promise<void> {
    const backupId = job.name === 'table' ? (job.data as TableJobData).run.backupId : (job.data as BackupRunData).backupId;
    if (await this.isCancelled(backupId)) throw new UnrecoverableError(`backup ${backupId} was cancelled`);
    if (job.name === 'table') await this.finishTable(job.data as TableJobData);
    else await this.finishBackup(job.data as BackupRunData);
  }

  private async finishTable({ run, table }: TableJobData): Promise<void> {
    const store = this.options.openStore(run.target);
    try {
      const metadata: AppMetadata = { name: table.name, appId: table.appId, partitionCount: table.partitionCount, replicaCount: table.replicaCount };
      await store.put(appMetadataPath(run.clusterName, run.backupId, table.name, table.appId), new TextEncoder().encode(JSON.stringify(metadata)));
    } finally {
      await store.close();
    }
  }

  private async finishBackup(run: BackupRunData): Promise<void> {
    const store = this.options.openStore(run.target);
    try {
      const info: BackupInfo = {
        backupId: run.backupId,
        policyName: run.policyName,
        clusterName: run.clusterName,
        startTimeMs: run.startTimeMs,
        endTimeMs: this.options.nowMs(),
        tables: run.tables.map((table) => ({ name: table.name, appId: table.appId })),
      };
      await store.put(backupInfoPath(run.clusterName, run.backupId), new TextEncoder().encode(JSON.stringify(info)));
      this.log(`backup ${run.backupId} completed`);
      if (run.keep > 0) await this.applyRetention(store, run);
    } finally {
      await store.close();
    }
  }

  /** Removes this policy's completed backups beyond keep, and abandoned incomplete older ones. */
  private async applyRetention(store: BlockStore, run: BackupRunData): Promise<void> {
    const listings: BackupListing[] = [];
    const entries = await store.list(run.clusterName);
    for (const entry of entries.slice(0, BACKUP_LISTED_MAX)) {
      if (!entry.directory || !/^\d+$/.test(entry.name)) continue;
      const info = await readBackupInfo(store, run.clusterName, entry.name);
      if (info !== undefined) {
        if (info.policyName === run.policyName) listings.push({ backupId: entry.name, complete: true });
        continue;
      }
      // Incomplete: abandoned unless its run is still under way.
      const state = await (await this.backups.getJob(backupJobId(entry.name)))?.getState();
      if (state === undefined || state === 'failed' || state === 'unknown') listings.push({ backupId: entry.name, complete: false });
    }
    for (const backupId of backupsBeyondKeep(listings, run.keep)) {
      await store.remove(backupDir(run.clusterName, backupId));
      this.log(`retention of policy ${run.policyName}: removed backup ${backupId}`);
    }
  }

  private async isCancelled(backupId: string): Promise<boolean> {
    return (await this.redis.exists(this.cancelledKey(backupId))) === 1;
  }

  private cancelledKey(backupId: string): string {
    return `${this.options.prefix}:pegasus-backup-cancelled:${backupId}`;
  }
}

async function readBackupInfo(store: BlockStore, clusterName: string, backupId: string): Promise<BackupInfo | undefined> {
  try {
    return JSON.parse(new TextDecoder().decode(await store.get(backupInfoPath(clusterName, backupId)))) as BackupInfo;
  } catch (error) {
    if (error instanceof BlockStoreError && error.code === 'ERR_OBJECT_NOT_FOUND') return undefined;
    throw error;
  }
}
