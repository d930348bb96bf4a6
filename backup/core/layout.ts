// Where a backup's files live in a block store, and what its JSON files hold. Backup writes this
// layout and restore reads it, so both take paths and shapes from here only. Modelled on Pegasus's
// cold backup layout (reference/pegasus-server.md section 4.3), with SHA-256 instead of MD5:
//
//   <cluster>/<backupId>/backup_info                          BackupInfo; the backup's completion marker, written last
//   <cluster>/<backupId>/<table>_<appId>/meta/app_metadata    AppMetadata
//   <cluster>/<backupId>/<table>_<appId>/<pidx>/part-<n>      the partition's logical checkpoint, in parts
//   <cluster>/<backupId>/<table>_<appId>/<pidx>/backup_metadata  PartitionBackupMetadata
//   <cluster>/<backupId>/<table>_<appId>/<pidx>/current_checkpoint  the partition's completion marker, written last
//
// backupId is the backup's start time in Unix milliseconds (as Pegasus), as decimal text.

export interface BackupInfo {
  readonly backupId: string;
  /** The policy that scheduled it, or '' for a one-shot backup_app. */
  readonly policyName: string;
  readonly clusterName: string;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  readonly tables: readonly { readonly name: string; readonly appId: number }[];
}

export interface AppMetadata {
  readonly name: string;
  readonly appId: number;
  readonly partitionCount: number;
  readonly replicaCount: number;
}

export interface BackupPart {
  /** The file name within the partition's directory: part-00000, part-00001, ... */
  readonly name: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the part's bytes. */
  readonly sha256: string;
}

export interface PartitionBackupMetadata {
  /** The decree the checkpoint holds every write up to. */
  readonly decree: string;
  readonly timestampMs: number;
  /** The parts concatenated in this order are the checkpoint file. */
  readonly parts: readonly BackupPart[];
  readonly totalBytes: number;
  /** Lower-case hex SHA-256 of the whole checkpoint file. */
  readonly sha256: string;
}

/** What current_checkpoint holds: the metadata's own SHA-256, binding the marker to it. */
export interface PartitionCompletionMarker {
  readonly metadataSha256: string;
}

export function backupDir(clusterName: string, backupId: string): string {
  return `${clusterName}/${backupId}`;
}

export function backupInfoPath(clusterName: string, backupId: string): string {
  return `${backupDir(clusterName, backupId)}/backup_info`;
}

export function tableDir(clusterName: string, backupId: string, table: string, appId: number): string {
  return `${backupDir(clusterName, backupId)}/${table}_${appId}`;
}

export function appMetadataPath(clusterName: string, backupId: string, table: string, appId: number): string {
  return `${tableDir(clusterName, backupId, table, appId)}/meta/app_metadata`;
}

export function partitionDir(clusterName: string, backupId: string, table: string, appId: number, pidx: number): string {
  return `${tableDir(clusterName, backupId, table, appId)}/${pidx}`;
}

export function partitionMetadataPath(clusterName: string, backupId: string, table: string, appId: number, pidx: number): string {
  return `${partitionDir(clusterName, backupId, table, appId, pidx)}/backup_metadata`;
}

export function partitionMarkerPath(clusterName: string, backupId: string, table: string, appId: number, pidx: number): string {
  return `${partitionDir(clusterName, backupId, table, appId, pidx)}/current_checkpoint`;
}

export function partName(index: number): string {
  return `part-${String(index).padStart(5, '0')}`;
}
