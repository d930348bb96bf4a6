// Pegasus's storage-level status codes: the i32 `error` field of every rrdb response, which are
// RocksDB Status::Code values (reference/pegasus-api.md section 3.9a).

export const StorageStatus = {
  ok: 0,
  notFound: 1,
  corruption: 2,
  notSupported: 3,
  invalidArgument: 4,
  ioError: 5,
  incomplete: 7,
  timedOut: 9,
  busy: 11,
  tryAgain: 13,
} as const;

export type StorageStatus = (typeof StorageStatus)[keyof typeof StorageStatus];

/** A storage outcome that is not ok carries a message naming what was wrong. */
export interface StorageError {
  readonly status: Exclude<StorageStatus, 0>;
  readonly message: string;
}

export function storageError(status: Exclude<StorageStatus, 0>, message: string): StorageError {
  return { status, message };
}
