// Which backups of one policy retention removes after a successful run: completed backups beyond
// the newest `keep`, and incomplete ones older than the oldest kept (abandoned runs). Incomplete
// backups newer than that may still be running and are left alone.

export interface BackupListing {
  readonly backupId: string;
  /** Whether its backup_info (the completion marker) exists. */
  readonly complete: boolean;
}

function byId(a: BackupListing, b: BackupListing): number {
  const x = BigInt(a.backupId);
  const y = BigInt(b.backupId);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Backup ids to remove, oldest first. */
export function backupsBeyondKeep(backups: readonly BackupListing[], keep: number): string[] {
  const sorted = [...backups].sort(byId);
  const complete = sorted.filter((backup) => backup.complete);
  if (complete.length === 0) return [];
  const kept = complete.slice(-keep);
  const oldestKept = kept[0];
  if (oldestKept === undefined) return [];
  const keptIds = new Set(kept.map((backup) => backup.backupId));
  return sorted
    .filter((backup) => !keptIds.has(backup.backupId) && byId(backup, oldestKept) < 0)
    .map((backup) => backup.backupId);
}
