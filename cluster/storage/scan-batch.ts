// One batch of a scan (pegasus_server_impl.cpp on_get_scanner / on_scan): read on from the
// context's iterator, skipping expired records, records whose partition hash no longer belongs to
// this partition (when asked to validate it) and filtered keys; stop after batchCount records or
// SCAN_BATCH_COUNT_MAX visited entries. Keys come back composite. Also how get_scanner turns its
// request into bounds and settings.

import { copyBytes } from './copy-bytes.ts';
import { assert } from '../../common/assert.ts';
import { crc64Low32 } from '../../common/crc64.ts';
import { SCAN_BATCH_COUNT_MAX } from '../../common/limits.ts';
import type { IteratorOptions } from './engine.ts';
import { matchesFilter } from './filter.ts';
import { compareBytes, decodeKey, encodeKey, HASH_KEY_LENGTH_MAX, RESERVED_KEY_PREFIX, routingBytesOfKey } from './key-schema.ts';
import { corruptValue } from './record.ts';
import { FilterType } from './requests.ts';
import type { GetScannerRequest, KeyValue } from './requests.ts';
import type { ScanContext, ScanSettings } from './scan-contexts.ts';
import type { StorageError } from './status.ts';
import { decodeValue, isExpired } from './value-schema.ts';

export interface PartitionHashCheck {
  readonly partitionIndex: number;
  readonly partitionCount: number;
}

export interface ScanBatch {
  readonly kvs: KeyValue[];
  readonly count: number;
  /** True when the iterator has nothing more: the scan is complete. */
  readonly exhausted: boolean;
}

const EMPTY = new Uint8Array(0);

export async function readScanBatch(
  context: ScanContext,
  now: number,
  hashCheck: PartitionHashCheck,
): Promise<ScanBatch | StorageError> {
  const { settings, reader } = context;
  const kvs: KeyValue[] = [];
  const mask = hashCheck.partitionCount - 1;
  let count = 0;
  let visited = 0;
  while (count < settings.batchCount && visited < SCAN_BATCH_COUNT_MAX) {
    const entry = await reader.next(Math.min(settings.batchCount - count, SCAN_BATCH_COUNT_MAX - visited));
    if (entry === undefined) return { kvs, count, exhausted: true };
    visited++;
    const decoded = decodeValue(entry.value);
    if (decoded === undefined) return corruptValue(entry.value.length);
    if (isExpired(decoded.expireTs, now)) continue;
    if (settings.validatePartitionHash && mask > 0) {
      const routingBytes = routingBytesOfKey(entry.key);
      assert(routingBytes !== undefined, 'a user key inside a scan range decodes');
      if ((crc64Low32(routingBytes) & mask) !== hashCheck.partitionIndex) continue;
    }
    if (settings.hashKeyFilterType !== FilterType.noFilter || settings.sortKeyFilterType !== FilterType.noFilter) {
      const key = decodeKey(entry.key);
      assert(key !== undefined, 'a user key inside a scan range decodes');
      if (!matchesFilter(settings.hashKeyFilterType, settings.hashKeyFilterPattern, key.hashKey)) continue;
      if (!matchesFilter(settings.sortKeyFilterType, settings.sortKeyFilterPattern, key.sortKey)) continue;
    }
    count++;
    if (settings.onlyReturnCount) continue;
    kvs.push({
      key: copyBytes(entry.key),
      value: settings.noValue ? EMPTY : copyBytes(decoded.userValue),
      ...(settings.returnExpireTs ? { expireTsSeconds: decoded.expireTs } : {}),
    });
  }
  return { kvs, count, exhausted: !(await reader.hasMore()) };
}

/**
 * The iterator bounds of a get_scanner request, or undefined for an empty range. A hash-key prefix
 * filter raises the start to the first key that can match; the stop never reaches the reserved
 * bookkeeping keys.
 */
export function scanBounds(request: GetScannerRequest): IteratorOptions | undefined {
  let start = request.startKey;
  let startInclusive = request.startInclusive;
  let stop = request.stopKey;
  let stopInclusive = request.stopInclusive;
  const pattern = request.hashKeyFilterPattern;
  if (request.hashKeyFilterType === FilterType.matchPrefix && pattern.length > 0 && pattern.length <= HASH_KEY_LENGTH_MAX) {
    const prefixStart = encodeKey(pattern);
    if (compareBytes(prefixStart, start) > 0) {
      start = prefixStart;
      startInclusive = true;
    }
  }
  if (compareBytes(stop, RESERVED_KEY_PREFIX) >= 0) {
    stop = RESERVED_KEY_PREFIX;
    stopInclusive = false;
  }
  const order = compareBytes(start, stop);
  if (order > 0 || (order === 0 && !(startInclusive && stopInclusive))) return undefined;
  return {
    ...(startInclusive ? { gte: start } : { gt: start }),
    ...(stopInclusive ? { lte: stop } : { lt: stop }),
  };
}

export function scanSettings(request: GetScannerRequest): ScanSettings {
  return {
    hashKeyFilterType: request.hashKeyFilterType,
    hashKeyFilterPattern: copyBytes(request.hashKeyFilterPattern),
    sortKeyFilterType: request.sortKeyFilterType,
    sortKeyFilterPattern: copyBytes(request.sortKeyFilterPattern),
    batchCount: request.batchSize > 0 && request.batchSize < SCAN_BATCH_COUNT_MAX ? request.batchSize : SCAN_BATCH_COUNT_MAX,
    noValue: request.noValue,
    validatePartitionHash: request.validatePartitionHash ?? true,
    returnExpireTs: request.returnExpireTs ?? false,
    onlyReturnCount: request.onlyReturnCount ?? false,
  };
}
