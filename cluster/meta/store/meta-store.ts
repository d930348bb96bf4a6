// The MetaStore: where the meta server keeps tables and partition configurations (the keys and
// JSON values of cluster/meta/core/codec.ts). A put resolves only once the value is durable, so
// the shell may step `persisted` right after it. Keys are '/'-separated paths ("apps/1/0"); a key
// may have a value and keys below it at the same time, as ZooKeeper nodes do.
import { META_STORE_KEY_BYTES_MAX, META_STORE_VALUE_BYTES_MAX } from '../../../common/limits.ts';
import { PegasusError } from '../../../common/errors.ts';

export type MetaStoreErrorCode =
  /** A key or value that no store accepts; nothing was changed. */
  | 'ERR_INVALID_PARAMETERS'
  /** The store is closed, or its ZooKeeper session expired: open a new one. */
  | 'ERR_INVALID_STATE'
  /** Another process (or another opener in this one) holds the store's directory. */
  | 'ERR_SERVICE_ALREADY_RUNNING'
  /** A fenced ZooKeeper store whose meta server does not lead (any more): nothing was written. */
  | 'ERR_FORWARD_TO_OTHERS'
  /** Too many writes queued; retry shortly. */
  | 'ERR_BUSY'
  /** ZooKeeper did not answer in time or the connection dropped; the write may or may not have happened. */
  | 'ERR_TIMEOUT'
  /** The ZooKeeper session expired: ephemeral nodes and leadership are gone. */
  | 'ERR_SESSION_EXPIRED'
  /** A disk operation failed. */
  | 'ERR_FILE_OPERATION_FAILED'
  /** ZooKeeper refused an operation for another reason. */
  | 'ERR_ZOOKEEPER_OPERATION'
  /** What is stored cannot be read back (a foreign file, more entries than the limit). */
  | 'ERR_CORRUPTION';

export class MetaStoreError extends PegasusError<MetaStoreErrorCode> {
  override readonly name = 'MetaStoreError';
}

export interface MetaStore {
  /** Writes `value` under `key`; resolves once it is durable. Writes of one key apply in call order. */
  put(key: string, value: string): Promise<void>;
  /** Removes the value of `key` (keys below it stay); removing an absent key succeeds. */
  delete(key: string): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /**
   * Every key with a value, sorted by key; with `prefix`, only `prefix` itself and the keys below
   * it ("apps/1" lists apps/1 and apps/1/0, not apps/10). Feed the result to `MetaCore.recover`.
   */
  entries(prefix?: string): Promise<[key: string, value: string][]>;
  /** Waits for queued writes, then releases the store; later calls fail with ERR_INVALID_STATE. */
  close(): Promise<void>;
}

/** Who leads among the meta servers sharing one store. */
export interface LeadershipChange {
  readonly leader: boolean;
  /**
   * Why: 'elected', 'not_lowest', 'lock_node_gone', 'disconnected' (may come back on reconnection),
   * 'closed', and the final 'session_expired' / 'session_closed' (reported even when not leading).
   */
  readonly reason: string;
}

export interface LeaderElection {
  /** Joins the election; resolves once this candidate's lock node exists. */
  start(): Promise<void>;
  isLeader(): boolean;
  /** The address of the current leader as it registered, read fresh; undefined if none. */
  leaderAddress(): Promise<string | undefined>;
  /** Called on every change of this candidate's leadership, synchronously; returns an unsubscribe function. */
  onLeadershipChange(listener: (change: LeadershipChange) => void): () => void;
  /** Leaves the election (leadership, if held, is lost and reported). */
  close(): Promise<void>;
}

const KEY_SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** Throws ERR_INVALID_PARAMETERS unless `key` is a '/'-separated path of plain segments. */
export function checkKey(key: string): void {
  const bad = (why: string): never => {
    throw new MetaStoreError('ERR_INVALID_PARAMETERS', `meta store key ${JSON.stringify(key.slice(0, 100))}: ${why}`, false);
  };
  if (key.length === 0) bad('is empty');
  if (new TextEncoder().encode(key).length > META_STORE_KEY_BYTES_MAX) bad(`is longer than ${META_STORE_KEY_BYTES_MAX} bytes`);
  for (const segment of key.split('/')) {
    if (segment === '') bad('has an empty segment');
    if (segment === '.' || segment === '..') bad('has a relative segment');
    if (!KEY_SEGMENT.test(segment)) bad('segments may hold only letters, digits, "_", "." and "-"');
  }
}

/** Throws ERR_INVALID_PARAMETERS unless `value` is a non-empty string within the size limit. */
export function checkValue(key: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new MetaStoreError('ERR_INVALID_PARAMETERS', `meta store value of ${key}: must be a non-empty string`, false);
  }
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > META_STORE_VALUE_BYTES_MAX) {
    throw new MetaStoreError('ERR_INVALID_PARAMETERS', `meta store value of ${key}: ${bytes} bytes, more than ${META_STORE_VALUE_BYTES_MAX}`, false);
  }
}

/** Whether `key` is `prefix` or below it. */
export function isUnder(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(`${prefix}/`);
}

export function closedError(what: string): MetaStoreError {
  return new MetaStoreError('ERR_INVALID_STATE', `${what} is closed`, false);
}
