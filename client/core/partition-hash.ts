// Which partition a key belongs to (reference/pegasus-api.md section 2): the Pegasus CRC-64 of
// the hash key (of the sort key when the hash key is empty), taken modulo the partition count as
// an unsigned 64-bit number.

import { crc64, crc64Low32 } from '../../common/crc64.ts';
import { META_PARTITIONS_PER_TABLE_MAX } from '../../common/limits.ts';

const encoder = new TextEncoder();

/** The partition hash a request carries: crc64 of the hash key, or of the sort key when the hash key is empty. */
export function partitionHashOf(hashKey: Uint8Array, sortKey: Uint8Array): bigint {
  return crc64(hashKey.length > 0 ? hashKey : sortKey);
}

/** partition_hash mod partitionCount, unsigned (Java remainder_unsigned, Go uint64 %). */
export function partitionIndexOfHash(hash: bigint, partitionCount: number): number {
  checkPartitionCount(partitionCount);
  return Number(BigInt.asUintN(64, hash) % BigInt(partitionCount));
}

/**
 * The partition index of `hashKey` in a table of `partitionCount` partitions. Strings are hashed
 * as UTF-8. An empty hash key maps by its sort key, which this function does not see: pass the
 * sort key's bytes in that case.
 */
export function partitionOf(hashKey: Uint8Array | string, partitionCount: number): number {
  checkPartitionCount(partitionCount);
  const bytes = typeof hashKey === 'string' ? encoder.encode(hashKey) : hashKey;
  // A power-of-two count only needs the low bits; other counts need the whole 64-bit remainder.
  if ((partitionCount & (partitionCount - 1)) === 0) return (crc64Low32(bytes) & (partitionCount - 1)) >>> 0;
  return Number(crc64(bytes) % BigInt(partitionCount));
}

function checkPartitionCount(partitionCount: number): void {
  if (!Number.isInteger(partitionCount) || partitionCount < 1 || partitionCount > META_PARTITIONS_PER_TABLE_MAX) {
    throw new RangeError(`partition count ${partitionCount} is not an integer in 1..${META_PARTITIONS_PER_TABLE_MAX}`);
  }
}
