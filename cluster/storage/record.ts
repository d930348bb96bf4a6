// One stored record as the data operations see it: present and unexpired, or absent. A stored
// value too short for the v1 header is corruption, reported with status 2 rather than guessed at.

import { decodeValue, isExpired, VALUE_HEADER_BYTES } from './value-schema.ts';
import { StorageStatus, storageError } from './status.ts';
import type { StorageError } from './status.ts';

export type VisibleRecord =
  | { readonly exists: false }
  | { readonly exists: true; readonly value: Uint8Array; readonly expireTs: number; readonly timetag: bigint };

const ABSENT: VisibleRecord = { exists: false };

/** Absent when not stored or expired at `now2016Seconds`. */
export function visibleRecord(stored: Uint8Array | undefined, now2016Seconds: number): VisibleRecord | StorageError {
  if (stored === undefined) return ABSENT;
  const decoded = decodeValue(stored);
  if (decoded === undefined) return corruptValue(stored.length);
  if (isExpired(decoded.expireTs, now2016Seconds)) return ABSENT;
  return { exists: true, value: decoded.userValue, expireTs: decoded.expireTs, timetag: decoded.timetag };
}

export function corruptValue(length: number): StorageError {
  return storageError(StorageStatus.corruption, `stored value is ${length} bytes, shorter than the ${VALUE_HEADER_BYTES}-byte value header`);
}

export function isStorageError(value: object): value is StorageError {
  return 'status' in value && 'message' in value;
}
