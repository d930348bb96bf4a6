// Operating errors of a storage engine: a RocksDB status (or a misuse such as an operation on a
// closed engine) turned into one error type that carries Pegasus's storage status code, whether
// retrying can help, and what was being done where.

import { StorageStatus } from './status.ts';

export type KvEngineStatus = Exclude<StorageStatus, 0>;

export class KvEngineError extends Error {
  override readonly name = 'KvEngineError';
  constructor(
    readonly status: KvEngineStatus,
    message: string,
    readonly retriable: boolean,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
  }
}

/** RocksDB Status::ToString() prefixes and the status each stands for. */
const ROCKSDB_PREFIXES: readonly (readonly [string, KvEngineStatus, boolean])[] = [
  ['NotFound', StorageStatus.notFound, false],
  ['Corruption', StorageStatus.corruption, false],
  ['Not implemented', StorageStatus.notSupported, false],
  ['Invalid argument', StorageStatus.invalidArgument, false],
  ['IO error', StorageStatus.ioError, false],
  ['Result incomplete', StorageStatus.incomplete, false],
  ['Operation timed out', StorageStatus.timedOut, true],
  ['Resource busy', StorageStatus.busy, true],
  ['Operation failed. Try again.', StorageStatus.tryAgain, true],
];

/** Wraps an error reported by the binding, naming the operation and the database path. */
export function engineErrorFrom(cause: unknown, operation: string, location: string): KvEngineError {
  const text = cause instanceof Error ? cause.message : String(cause);
  const known = ROCKSDB_PREFIXES.find(([prefix]) => text.startsWith(prefix));
  // The binding's own argument checks ("key cannot be an empty Buffer") are invalid arguments.
  const [status, retriable] = known !== undefined ? [known[1], known[2]]
    : /cannot|requires|must be/.test(text) ? [StorageStatus.invalidArgument, false]
      : [StorageStatus.ioError, false];
  return new KvEngineError(status, `rocksdb ${operation} failed at ${location}: ${text}`, retriable, { cause });
}

export function engineClosedError(location: string): KvEngineError {
  return new KvEngineError(StorageStatus.ioError, `storage engine at ${location} is closed`, false);
}
