// The operating errors of backup: a bad policy or request (nothing was changed), a backup or policy
// that does not exist, a partition whose primary moved (the job retries), a cancelled backup.
import { PegasusError } from '../../common/errors.ts';

export type BackupErrorCode =
  /** The request or policy is malformed; nothing was changed. */
  | 'ERR_INVALID_PARAMETERS'
  /** No such policy, table or backup. */
  | 'ERR_OBJECT_NOT_FOUND'
  /** A policy of that name exists already. */
  | 'ERR_POLICY_ALREADY_EXIST'
  /** The replica asked is not (or no longer) the partition's primary; retry resolves the new one. */
  | 'ERR_INVALID_STATE'
  /** The backup was cancelled. */
  | 'ERR_BACKUP_CANCELLED'
  /** Backup needs Redis and this meta server has none configured (--redis). */
  | 'ERR_SERVICE_NOT_ACTIVE';

export class BackupError extends PegasusError<BackupErrorCode> {
  override readonly name = 'BackupError';
}

export function invalidBackupInput(message: string): BackupError {
  return new BackupError('ERR_INVALID_PARAMETERS', message, false);
}
