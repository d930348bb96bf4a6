// The one interface backup and restore write and read through: a tree of immutable files under a
// root, addressed by '/'-separated relative paths. Three stores implement it (a local directory,
// S3, HDFS over WebHDFS) and one conformance suite checks them alike. Why this shape: backup only
// ever writes whole files once (parts, metadata, markers), reads them back whole or streamed, lists
// one directory level to find backups, and removes whole backups; nothing needs appends or
// in-place updates, which object stores do not have.
import { PegasusError } from '../../common/errors.ts';

export type BlockStoreErrorCode =
  /** A path or argument no store accepts; nothing was changed. */
  | 'ERR_INVALID_PARAMETERS'
  /** The file (or directory) does not exist. */
  | 'ERR_OBJECT_NOT_FOUND'
  /** The target did not answer or answered with a server-side failure; retrying may help. */
  | 'ERR_FS_INTERNAL'
  /** The target did not answer in time; the write may or may not have happened. */
  | 'ERR_TIMEOUT'
  /** The target refused the credentials or the operation. */
  | 'ERR_ACCESS_DENIED';

export class BlockStoreError extends PegasusError<BlockStoreErrorCode> {
  override readonly name = 'BlockStoreError';
}

export interface BlockFileStat {
  /** Relative to the store's root, no leading '/'. */
  readonly path: string;
  readonly size: number;
}

export interface BlockListEntry {
  /** The last path segment. */
  readonly name: string;
  readonly directory: boolean;
  /** Bytes; 0 for a directory. */
  readonly size: number;
}

export interface BlockStore {
  /** What the store writes to, for messages and status: "s3://bucket/prefix", "file:///dir", ... */
  readonly target: string;
  /**
   * Writes the whole file at `path`, replacing any file there. A reader never sees a partly
   * written file: it sees the old one, none, or the whole new one. Streams are consumed once.
   */
  put(path: string, body: Uint8Array | AsyncIterable<Uint8Array>, options?: { readonly signal?: AbortSignal }): Promise<void>;
  /** The whole file; ERR_OBJECT_NOT_FOUND when absent. */
  get(path: string, options?: { readonly signal?: AbortSignal }): Promise<Uint8Array>;
  /** The file as a stream of chunks, for files too large to hold; ERR_OBJECT_NOT_FOUND when absent. */
  read(path: string, options?: { readonly signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  /** The file's size, or undefined when there is no file at `path`. */
  stat(path: string): Promise<BlockFileStat | undefined>;
  /** One level under directory `path` ('' = the root), sorted by name; [] when it does not exist. */
  list(path: string): Promise<BlockListEntry[]>;
  /** Removes the file or, recursively, the directory at `path`; removing nothing succeeds. */
  remove(path: string): Promise<void>;
  close(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9_.:=-]+$/;

/** Throws ERR_INVALID_PARAMETERS unless `path` is a relative '/'-separated path of plain segments. */
export function checkBlockPath(path: string, options: { readonly allowRoot?: boolean } = {}): void {
  if (path === '' && options.allowRoot === true) return;
  const bad = (why: string): never => {
    throw new BlockStoreError('ERR_INVALID_PARAMETERS', `block store path ${JSON.stringify(path.slice(0, 200))} ${why}`, false);
  };
  if (path === '') bad('is empty');
  if (path.length > 1024) bad('is longer than 1024 characters');
  for (const segment of path.split('/')) {
    if (segment === '') bad('has an empty segment (or a leading or trailing /)');
    if (segment === '.' || segment === '..') bad('has a relative segment');
    if (!SEGMENT.test(segment)) bad(`has segment ${JSON.stringify(segment)} with characters outside [A-Za-z0-9_.:=-]`);
  }
}
