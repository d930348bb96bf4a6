// A PartitionBackupRunner for a cluster: resolves the partition's primary from the meta server's
// configuration, asks that replica server to back the partition up (RPC_PEG_BACKUP_PARTITION), and
// polls it for progress until the upload is final. A partition without a primary, a replica that
// is not (or no longer) primary, or an unreachable server fail the attempt retriably: the job's
// next attempt resolves the primary again. An abort (cancel_backup) tells the replica to stop.
import { BackupError } from '../core/backup-error.ts';
import type { PartitionBackupMetadata } from '../core/layout.ts';
import { BACKUP_PARTITION_CALL_TIMEOUT_MS, BACKUP_PARTITION_POLL_MS } from '../../common/limits.ts';
import type { BackupPartitionRequest, BackupPartitionResponse } from '../../cluster/rpc/cluster-messages.ts';
import type { PartitionJobData } from './job-shapes.ts';
import type { PartitionBackupRunner } from './partition-runner.ts';

export interface RemotePartitionRunnerOptions {
  /** The partition's primary as the meta server knows it now, or undefined when it has none. */
  readonly primaryOf: (appId: number, partitionIndex: number) => string | undefined;
  readonly call: (to: string, request: BackupPartitionRequest, timeoutMs: number) => Promise<BackupPartitionResponse>;
  /** Resolves after `ms`, or rejects once `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly pollMs?: number;
}

export class RemotePartitionRunner implements PartitionBackupRunner {
  constructor(private readonly options: RemotePartitionRunnerOptions) {}

  async backupPartition(
    job: PartitionJobData,
    { signal, onProgress }: { readonly signal: AbortSignal; readonly onProgress: (uploadedBytes: number) => void },
  ): Promise<PartitionBackupMetadata> {
    const where = `${job.table} (${job.appId}.${job.partitionIndex})`;
    const primary = this.options.primaryOf(job.appId, job.partitionIndex);
    if (primary === undefined) throw new BackupError('ERR_INVALID_STATE', `partition ${where} has no primary now`, true);
    const request: BackupPartitionRequest = {
      gpid: { appId: job.appId, partitionIndex: job.partitionIndex },
      target: job.target, clusterName: job.clusterName, backupId: job.backupId, table: job.table, cancel: false,
    };
    const call = async (cancel: boolean): Promise<BackupPartitionResponse> => {
      try {
        return await this.options.call(primary, { ...request, cancel }, BACKUP_PARTITION_CALL_TIMEOUT_MS);
      } catch (error) {
        throw new BackupError('ERR_INVALID_STATE', `partition ${where}: primary ${primary} did not answer: ${(error as Error).message}`, true, { cause: error });
      }
    };
    try {
      for (;;) {
        signal.throwIfAborted();
        const response = await call(false);
        if (response.error !== 'ERR_OK') {
          const retriable = response.error !== 'ERR_INVALID_PARAMETERS';
          throw new BackupError(retriable ? 'ERR_INVALID_STATE' : 'ERR_INVALID_PARAMETERS', `partition ${where} on ${primary}: ${response.error} ${response.message}`, retriable);
        }
        onProgress(Number(response.uploadedBytes));
        switch (response.state) {
          case 'completed':
            return JSON.parse(response.metadata) as PartitionBackupMetadata;
          case 'failed':
          case 'cancelled':
            throw new BackupError('ERR_INVALID_STATE', `partition ${where} on ${primary}: ${response.message}`, response.retriable);
          case 'uploading':
            await this.options.sleep(this.options.pollMs ?? BACKUP_PARTITION_POLL_MS, signal);
            break;
        }
      }
    } catch (error) {
      if (signal.aborted) await call(true).catch(() => undefined);
      throw error;
    }
  }
}
