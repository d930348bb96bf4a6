// The data of the backup jobs in BullMQ and their ids. A backup run is a flow: one `backup` job
// (writes backup_info last, then applies retention), one `table` child per table (writes
// app_metadata), and one `partition` grandchild per partition (uploads it through the primary).
// Job ids are derived from the backup id, so status and cancellation find every job of a backup.

export const BACKUP_QUEUE = 'pegasus-backup';
export const PARTITION_QUEUE = 'pegasus-backup-partition';
export const POLICY_QUEUE = 'pegasus-backup-policy';

export interface BackupTableSpec {
  readonly name: string;
  readonly appId: number;
  readonly partitionCount: number;
  readonly replicaCount: number;
}

export interface BackupRunData {
  readonly backupId: string;
  /** '' for a one-shot backup_app. */
  readonly policyName: string;
  readonly target: string;
  readonly clusterName: string;
  readonly startTimeMs: number;
  readonly tables: readonly BackupTableSpec[];
  /** Retention after success; 0 for a one-shot backup. */
  readonly keep: number;
}

export interface TableJobData {
  readonly run: BackupRunData;
  readonly table: BackupTableSpec;
}

export interface PartitionJobData {
  readonly backupId: string;
  readonly target: string;
  readonly clusterName: string;
  readonly table: string;
  readonly appId: number;
  readonly partitionIndex: number;
}

export interface PartitionProgress {
  readonly uploadedBytes: number;
  readonly done: boolean;
}

export function backupJobId(backupId: string): string {
  return `backup.${backupId}`;
}

export function tableJobId(backupId: string, table: string): string {
  return `backup.${backupId}.${table}`;
}

export function partitionJobId(backupId: string, table: string, partitionIndex: number): string {
  return `backup.${backupId}.${table}.${partitionIndex}`;
}
