// The partition backups a replica server runs for the backup orchestrator (RPC_PEG_BACKUP_PARTITION):
// the first request for (backup, partition) starts uploading from the primary's engine
// (backup/partition/upload-partition.ts); later ones report progress; a cancel aborts it. Every
// tick checks roles: a replica that stopped being primary has its upload aborted, and the job,
// told ERR_INVALID_STATE, resolves the new primary and retries there. A failure is reported once
// and then forgotten, so the retry that follows starts afresh.
import { abortableSleep } from '../../../backup/abortable-sleep.ts';
import type { BlockStore } from '../../../backup/block-store/block-store.ts';
import { openBlockStore } from '../../../backup/block-store/open.ts';
import { uploadPartition } from '../../../backup/partition/upload-partition.ts';
import { BACKUP_FINISHED_REMEMBERED_MAX, BACKUP_UPLOADS_PER_SERVER_MAX } from '../../../common/limits.ts';
import { PegasusError } from '../../../common/errors.ts';
import { gpidKey } from '../../meta/core/types.ts';
import type { BackupPartitionRequest, BackupPartitionResponse, BackupPartitionState } from '../../rpc/cluster-messages.ts';
import type { Gpid } from '../../replication/configuration.ts';
import type { HostedEntry } from './client-requests.ts';

interface Upload {
  readonly gpid: Gpid;
  readonly controller: AbortController;
  state: BackupPartitionState;
  uploadedBytes: number;
  metadata: string;
  message: string;
  retriable: boolean;
  cancelled: boolean;
}

export interface PartitionBackupsOptions {
  readonly hosted: (gpid: Gpid) => Pick<HostedEntry, 'app'> & { readonly replica: Pick<HostedEntry['replica'], 'primaryEngine'> } | undefined;
  /** Opens a request's target; openBlockStore by default (the S3 and HDFS settings come in here). */
  readonly openStore?: (target: string) => BlockStore;
  readonly nowMs: () => number;
  readonly log: (line: string) => void;
  /** Bytes per second all uploads together send at most; 0 or absent: no limit. */
  readonly uploadBytesPerSecond?: number;
  readonly partBytes?: number;
}

const ID = /^\d{1,20}$/;

export class PartitionBackups {
  private readonly uploads = new Map<string, Upload>();
  /** When the rate limit lets the next part go (Unix ms). */
  private nextPartAtMs = 0;

  constructor(private readonly options: PartitionBackupsOptions) {}

  handle(request: BackupPartitionRequest): Promise<BackupPartitionResponse> {
    return Promise.resolve(this.handleNow(request));
  }

  /** Aborts uploads whose replica is no longer an open primary. */
  checkRoles(): void {
    for (const upload of this.uploads.values()) {
      if (upload.state === 'uploading' && this.options.hosted(upload.gpid)?.replica.primaryEngine() === undefined) {
        upload.controller.abort(new Error('the replica is no longer primary'));
      }
    }
  }

  /** Aborts every upload (the server is closing). */
  abortAll(): void {
    for (const upload of this.uploads.values()) upload.controller.abort(new Error('the replica server is closing'));
  }

  private handleNow(request: BackupPartitionRequest): BackupPartitionResponse {
    const key = `${request.backupId}/${gpidKey(request.gpid)}`;
    const existing = this.uploads.get(key);
    if (request.cancel) {
      if (existing !== undefined) existing.cancelled = true;
      existing?.controller.abort(new Error(`backup ${request.backupId} was cancelled`));
      return existing === undefined ? answer('ERR_OK', 'cancelled') : this.report(key, existing);
    }
    if (existing !== undefined) return this.report(key, existing);
    if (!ID.test(request.backupId)) return answer('ERR_INVALID_PARAMETERS', 'failed', `backup id ${JSON.stringify(request.backupId)} is not decimal`);
    const entry = this.options.hosted(request.gpid);
    if (entry === undefined) return answer('ERR_OBJECT_NOT_FOUND', 'failed', `no replica of ${gpidKey(request.gpid)} here`, true);
    const engine = entry.replica.primaryEngine();
    if (engine === undefined) return answer('ERR_INVALID_STATE', 'failed', `${gpidKey(request.gpid)} is not primary here`, true);
    if (entry.app.name !== request.table) return answer('ERR_INVALID_PARAMETERS', 'failed', `${gpidKey(request.gpid)} belongs to ${entry.app.name}, not ${request.table}`);
    if ([...this.uploads.values()].filter((upload) => upload.state === 'uploading').length >= BACKUP_UPLOADS_PER_SERVER_MAX) {
      return answer('ERR_BUSY', 'failed', `${BACKUP_UPLOADS_PER_SERVER_MAX} partition backups are under way here`, true);
    }
    let store;
    try {
      store = (this.options.openStore ?? openBlockStore)(request.target);
    } catch (error) {
      return answer('ERR_INVALID_PARAMETERS', 'failed', (error as Error).message);
    }
    const upload: Upload = { gpid: request.gpid, controller: new AbortController(), state: 'uploading', uploadedBytes: 0, metadata: '', message: '', retriable: false, cancelled: false };
    this.remember(key, upload);
    uploadPartition({
      engine, store, nowMs: this.options.nowMs, signal: upload.controller.signal,
      clusterName: request.clusterName, backupId: request.backupId, table: request.table, appId: request.gpid.appId, partitionIndex: request.gpid.partitionIndex,
      onProgress: (bytes) => {
        upload.uploadedBytes = bytes;
      },
      beforePart: (bytes, signal) => this.throttle(bytes, signal),
      ...(this.options.partBytes === undefined ? {} : { partBytes: this.options.partBytes }),
    }).then((result) => {
      upload.state = 'completed';
      upload.uploadedBytes = result.metadata.totalBytes;
      upload.metadata = JSON.stringify(result.metadata);
      this.options.log(`backup ${request.backupId} of ${gpidKey(request.gpid)}: ${result.uploaded ? 'uploaded' : 'already complete'} at decree ${result.metadata.decree}`);
    }, (error: unknown) => {
      const aborted = upload.controller.signal.aborted;
      upload.state = upload.cancelled ? 'cancelled' : 'failed';
      upload.message = aborted ? String((upload.controller.signal.reason as Error | undefined)?.message ?? 'aborted') : (error as Error).message;
      // A lost role, a closing server or a transient target error passes on retry; a refused target does not.
      upload.retriable = aborted || !(error instanceof PegasusError) || error.retriable;
      this.options.log(`backup ${request.backupId} of ${gpidKey(request.gpid)} failed: ${upload.message}`);
    }).finally(() => store.close().catch(() => undefined));
    return this.report(key, upload);
  }

  /** Spaces parts out so that all uploads together stay under uploadBytesPerSecond. */
  private throttle(bytes: number, signal: AbortSignal | undefined): Promise<void> {
    const rate = this.options.uploadBytesPerSecond ?? 0;
    if (rate <= 0) return Promise.resolve();
    const now = this.options.nowMs();
    const startAt = Math.max(now, this.nextPartAtMs);
    this.nextPartAtMs = startAt + (bytes * 1000) / rate;
    const waitMs = startAt - now;
    return waitMs <= 0 ? Promise.resolve() : abortableSleep(waitMs, signal);
  }

  private report(key: string, upload: Upload): BackupPartitionResponse {
    // A failure is told once; the retry that follows starts a new upload.
    if (upload.state === 'failed' || upload.state === 'cancelled') this.uploads.delete(key);
    return {
      error: 'ERR_OK', state: upload.state, uploadedBytes: BigInt(upload.uploadedBytes), metadata: upload.metadata, message: upload.message, retriable: upload.retriable,
    };
  }

  private remember(key: string, upload: Upload): void {
    this.uploads.set(key, upload);
    for (const [oldKey, old] of this.uploads) {
      if (this.uploads.size <= BACKUP_FINISHED_REMEMBERED_MAX) break;
      if (old.state !== 'uploading') this.uploads.delete(oldKey);
    }
  }
}

function answer(error: BackupPartitionResponse['error'], state: BackupPartitionState, message = '', retriable = false): BackupPartitionResponse {
  return { error, state, uploadedBytes: 0n, metadata: '', message, retriable };
}
