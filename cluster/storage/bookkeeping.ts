// Replica bookkeeping kept inside the engine, under keys starting FF FF that no user key can
// reach (a hash_key of 65535 bytes is invalid). It is written in the same atomic batch as the data
// it describes, so an engine is always self-consistent: its data is exactly the effect of the
// mutations up to its applied decree.

import { RESERVED_KEY_PREFIX } from './key-schema.ts';
import type { WriteOp } from './engine.ts';

function reservedKey(name: string): Uint8Array {
  const suffix = new TextEncoder().encode(name);
  const key = new Uint8Array(RESERVED_KEY_PREFIX.length + suffix.length);
  key.set(RESERVED_KEY_PREFIX, 0);
  key.set(suffix, RESERVED_KEY_PREFIX.length);
  return key;
}

/** The last decree whose mutation was applied to this engine. */
export const APPLIED_DECREE_KEY = reservedKey('applied_decree');
/** The value schema version of the data (Pegasus's pegasus_data_version; 1 here). */
export const DATA_VERSION_KEY = reservedKey('data_version');

export function encodeDecree(decree: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, decree);
  return out;
}

export function decodeDecree(bytes: Uint8Array | undefined): bigint {
  if (bytes === undefined) return 0n;
  if (bytes.length !== 8) throw new Error(`bookkeeping decree is ${bytes.length} bytes, expected 8`);
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigInt64(0);
}

export function appliedDecreeOp(decree: bigint): WriteOp {
  return { kind: 'put', key: APPLIED_DECREE_KEY, value: encodeDecree(decree) };
}

export function isReservedKey(key: Uint8Array): boolean {
  return key.length >= 2 && key[0] === 0xff && key[1] === 0xff;
}
