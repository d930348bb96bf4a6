// The stored value, byte for byte as Pegasus's v1 schema (reference/pegasus-api.md section 1.2):
// [expire_ts: u32 BE][timetag: u64 BE][user value]. expire_ts is absolute seconds since the 2016
// epoch, 0 = never; timetag = timestamp_us << 8 | cluster_id << 1 | deleted_flag.

export const DATA_VERSION = 1;
export const VALUE_HEADER_BYTES = 12;

/** Unix second of 2016-01-01 00:00:00 UTC. */
export const EPOCH_2016_UNIX_SECONDS = 1_451_606_400;

export const CLUSTER_ID_MAX = 127;

export function epoch2016SecondsFromUnixMs(unixMs: number): number {
  return Math.floor(unixMs / 1000) - EPOCH_2016_UNIX_SECONDS;
}

/** Expired when expire_ts > 0 and expire_ts <= now (check_if_ts_expired). */
export function isExpired(expireTs: number, now2016Seconds: number): boolean {
  return expireTs > 0 && expireTs <= now2016Seconds;
}

export function makeTimetag(timestampUs: bigint, clusterId: number, deleted: boolean): bigint {
  return (BigInt.asUintN(56, timestampUs) << 8n) | (BigInt(clusterId & 0x7f) << 1n) | (deleted ? 1n : 0n);
}

export interface DecodedTimetag {
  readonly timestampUs: bigint;
  readonly clusterId: number;
  readonly deleted: boolean;
}

export function decodeTimetag(timetag: bigint): DecodedTimetag {
  return {
    timestampUs: timetag >> 8n,
    clusterId: Number((timetag >> 1n) & 0x7fn),
    deleted: (timetag & 1n) === 1n,
  };
}

export function encodeValue(userValue: Uint8Array, expireTs: number, timetag: bigint): Uint8Array {
  const out = new Uint8Array(VALUE_HEADER_BYTES + userValue.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, expireTs >>> 0);
  view.setBigUint64(4, BigInt.asUintN(64, timetag));
  out.set(userValue, VALUE_HEADER_BYTES);
  return out;
}

export interface DecodedValue {
  readonly expireTs: number;
  readonly timetag: bigint;
  readonly userValue: Uint8Array;
}

/** Returns undefined for a value too short to hold the v1 header (a corrupt record). */
export function decodeValue(stored: Uint8Array): DecodedValue | undefined {
  if (stored.length < VALUE_HEADER_BYTES) return undefined;
  const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  return {
    expireTs: view.getUint32(0),
    timetag: view.getBigUint64(4),
    userValue: stored.subarray(VALUE_HEADER_BYTES),
  };
}

/** Reads only expire_ts, for the hot paths that just need visibility. */
export function expireTsOf(stored: Uint8Array): number {
  if (stored.length < 4) return 0;
  return (((stored[0] ?? 0) << 24) | ((stored[1] ?? 0) << 16) | ((stored[2] ?? 0) << 8) | (stored[3] ?? 0)) >>> 0;
}
