// The composite key, byte for byte as Pegasus (reference/pegasus-api.md section 1.1):
// [hash_key length: u16 BE][hash_key][sort_key]. Edge-safe (Uint8Array only) so the client
// builds the same keys.

/** hash_key must be shorter than 65535 bytes; 0xFFFF marks the reserved bookkeeping space. */
export const HASH_KEY_LENGTH_MAX = 65534;

/** Keys starting with FF FF hold replica bookkeeping; no user key can start with them. */
export const RESERVED_KEY_PREFIX: Uint8Array = Uint8Array.of(0xff, 0xff);

/** Full-table scan bounds: start inclusive, stop exclusive (Java PegasusScanner.MIN/MAX). */
export const FULL_SCAN_START: Uint8Array = Uint8Array.of(0x00, 0x00);
export const FULL_SCAN_STOP: Uint8Array = RESERVED_KEY_PREFIX;

export function isValidHashKeyLength(length: number): boolean {
  return length <= HASH_KEY_LENGTH_MAX;
}

export function encodeKey(hashKey: Uint8Array, sortKey: Uint8Array = EMPTY): Uint8Array {
  if (!isValidHashKeyLength(hashKey.length)) {
    throw new RangeError(`hash_key is ${hashKey.length} bytes; at most ${HASH_KEY_LENGTH_MAX} are allowed`);
  }
  const key = new Uint8Array(2 + hashKey.length + sortKey.length);
  key[0] = hashKey.length >>> 8;
  key[1] = hashKey.length & 0xff;
  key.set(hashKey, 2);
  key.set(sortKey, 2 + hashKey.length);
  return key;
}

export interface DecodedKey {
  readonly hashKey: Uint8Array;
  readonly sortKey: Uint8Array;
}

/** Splits a composite key; returns undefined when the length prefix does not fit the key. */
export function decodeKey(key: Uint8Array): DecodedKey | undefined {
  if (key.length < 2) return undefined;
  const hashKeyLength = ((key[0] ?? 0) << 8) | (key[1] ?? 0);
  if (2 + hashKeyLength > key.length) return undefined;
  return {
    hashKey: key.subarray(2, 2 + hashKeyLength),
    sortKey: key.subarray(2 + hashKeyLength),
  };
}

/** The bytes hashed for routing: the hash_key, or the sort_key when the hash_key is empty. */
export function routingBytesOfKey(key: Uint8Array): Uint8Array | undefined {
  const decoded = decodeKey(key);
  if (decoded === undefined) return undefined;
  return decoded.hashKey.length > 0 ? decoded.hashKey : decoded.sortKey;
}

/**
 * The exclusive upper bound of everything starting with `prefix`: drop trailing 0xFF bytes, then
 * add one to the last byte (pegasus_generate_next_blob). An all-0xFF prefix has no bound: the
 * reserved prefix is returned so user scans still stop before bookkeeping keys.
 */
export function nextPrefix(prefix: Uint8Array): Uint8Array {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return RESERVED_KEY_PREFIX;
  const next = prefix.slice(0, end);
  next[end - 1] = (next[end - 1] ?? 0) + 1;
  return next;
}

/** The exclusive stop key of all records of one hash key. */
export function hashKeyStop(hashKey: Uint8Array): Uint8Array {
  return nextPrefix(encodeKey(hashKey));
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

const EMPTY = new Uint8Array(0);
