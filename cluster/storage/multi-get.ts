// multi_get (pegasus_server_impl.cpp on_multi_get). Point mode (sort keys given): look them up,
// skip absent and expired ones, return them in request order. Range mode (no sort keys): walk
// [start, stop] of one hash key (empty stop = to the end of the hash key; a prefix filter narrows
// the range), forward or backward, skipping expired and filtered records; reverse returns the LAST
// N records in ascending order. Limits: max_kv_count (request, capped by
// MULTI_GET_ITERATION_COUNT_MAX), max_kv_size, and in range mode the server caps on records visited
// and bytes returned, and the iteration time cap. Stopping at a limit while more records remain answers 7 (kIncomplete) with
// the partial result. One deliberate difference: Pegasus also answers 7 when the limit is hit
// exactly at the end of the range and its iterator happens to point past it; here 7 means that at
// least one more record lies in the range.

import { copyBytes } from './copy-bytes.ts';
import { MULTI_GET_ITERATION_BYTES_MAX, MULTI_GET_ITERATION_COUNT_MAX, READ_ITERATION_TIME_MS_MAX } from '../../common/limits.ts';
import type { IterationDeadline } from './iteration-deadline.ts';
import type { IteratorOptions, KvEngine } from './engine.ts';
import { EntryReader } from './entry-reader.ts';
import { matchesFilter } from './filter.ts';
import { compareBytes, decodeKey, encodeKey, hashKeyStop, nextPrefix } from './key-schema.ts';
import { corruptValue, isStorageError, visibleRecord } from './record.ts';
import { FilterType } from './requests.ts';
import type { KeyValue, MultiGetRequest } from './requests.ts';
import type { MultiGetResponse } from './responses.ts';
import { StorageStatus } from './status.ts';
import { decodeValue, isExpired } from './value-schema.ts';
import { assert } from '../../common/assert.ts';

const EMPTY = new Uint8Array(0);

export async function readMultiGet(engine: KvEngine, request: MultiGetRequest, now: number, deadline: IterationDeadline): Promise<MultiGetResponse> {
  return request.sortKeys.length > 0 ? pointMultiGet(engine, request, now) : rangeMultiGet(engine, request, now, deadline);
}

function maxKvCountOf(request: MultiGetRequest): number {
  return request.maxKvCount > 0 && request.maxKvCount < MULTI_GET_ITERATION_COUNT_MAX
    ? request.maxKvCount : MULTI_GET_ITERATION_COUNT_MAX;
}

async function pointMultiGet(engine: KvEngine, request: MultiGetRequest, now: number): Promise<MultiGetResponse> {
  const stored = await engine.getMany(request.sortKeys.map((sortKey) => encodeKey(request.hashKey, sortKey)));
  const maxKvCount = maxKvCountOf(request);
  const maxKvSize = request.maxKvSize > 0 ? request.maxKvSize : Number.POSITIVE_INFINITY;
  const kvs: KeyValue[] = [];
  let size = 0;
  for (const [index, sortKey] of request.sortKeys.entries()) {
    const record = visibleRecord(stored[index], now);
    if (isStorageError(record)) return { kind: 'multi_get_response', error: record.status, message: record.message, kvs: [] };
    if (!record.exists) continue;
    if (kvs.length >= maxKvCount || size >= maxKvSize) {
      return incomplete(kvs, `multi_get stopped at ${kvs.length} records / ${size} bytes; more remain`);
    }
    const value = request.noValue ? EMPTY : copyBytes(record.value);
    kvs.push({ key: sortKey, value });
    size += sortKey.length + value.length;
  }
  return { kind: 'multi_get_response', error: StorageStatus.ok, kvs };
}

interface Bounds {
  start: Uint8Array;
  startInclusive: boolean;
  stop: Uint8Array;
  stopInclusive: boolean;
}

function rangeBounds(request: MultiGetRequest): Bounds | undefined {
  const bounds: Bounds = {
    start: encodeKey(request.hashKey, request.startSortkey),
    startInclusive: request.startInclusive,
    stop: request.stopSortkey.length === 0 ? hashKeyStop(request.hashKey) : encodeKey(request.hashKey, request.stopSortkey),
    stopInclusive: request.stopSortkey.length === 0 ? false : request.stopInclusive,
  };
  if (request.sortKeyFilterType === FilterType.matchPrefix && request.sortKeyFilterPattern.length > 0) {
    const prefixStart = encodeKey(request.hashKey, request.sortKeyFilterPattern);
    if (compareBytes(prefixStart, bounds.start) > 0) {
      bounds.start = prefixStart;
      bounds.startInclusive = true;
    }
    const prefixStop = nextPrefix(prefixStart);
    if (compareBytes(prefixStop, bounds.stop) <= 0) {
      bounds.stop = prefixStop;
      bounds.stopInclusive = false;
    }
  }
  const order = compareBytes(bounds.start, bounds.stop);
  if (order > 0 || (order === 0 && !(bounds.startInclusive && bounds.stopInclusive))) return undefined;
  return bounds;
}

async function rangeMultiGet(engine: KvEngine, request: MultiGetRequest, now: number, deadline: IterationDeadline): Promise<MultiGetResponse> {
  const bounds = rangeBounds(request);
  if (bounds === undefined) return { kind: 'multi_get_response', error: StorageStatus.ok, kvs: [] };
  const options: IteratorOptions = {
    ...(bounds.startInclusive ? { gte: bounds.start } : { gt: bounds.start }),
    ...(bounds.stopInclusive ? { lte: bounds.stop } : { lt: bounds.stop }),
    reverse: request.reverse,
  };
  const maxKvCount = maxKvCountOf(request);
  const maxSize = Math.min(request.maxKvSize > 0 ? request.maxKvSize : Number.POSITIVE_INFINITY, MULTI_GET_ITERATION_BYTES_MAX);
  const kvs: KeyValue[] = [];
  let size = 0;
  let visited = 0;
  let timedOut = false;
  const iterator = engine.iterator(options);
  const reader = new EntryReader(iterator);
  try {
    while (kvs.length < maxKvCount && visited < MULTI_GET_ITERATION_COUNT_MAX && size < maxSize) {
      const entry = await reader.next(Math.min(maxKvCount - kvs.length, MULTI_GET_ITERATION_COUNT_MAX - visited));
      if (entry === undefined) return complete(kvs, request.reverse);
      visited++;
      if (deadline.visit()) {
        timedOut = true;
        break;
      }
      const decoded = decodeValue(entry.value);
      if (decoded === undefined) {
        const error = corruptValue(entry.value.length);
        return { kind: 'multi_get_response', error: error.status, message: error.message, kvs: [] };
      }
      if (isExpired(decoded.expireTs, now)) continue;
      const key = decodeKey(entry.key);
      assert(key !== undefined, 'a key inside a hash key range decodes');
      if (!matchesFilter(request.sortKeyFilterType, request.sortKeyFilterPattern, key.sortKey)) continue;
      const value = request.noValue ? EMPTY : copyBytes(decoded.userValue);
      kvs.push({ key: copyBytes(key.sortKey), value });
      size += key.sortKey.length + value.length;
    }
    if (!timedOut && !(await reader.hasMore())) return complete(kvs, request.reverse);
  } finally {
    await iterator.close();
  }
  if (request.reverse) kvs.reverse();
  if (timedOut) return incomplete(kvs, `multi_get hit the ${READ_ITERATION_TIME_MS_MAX} ms iteration time cap after visiting ${visited} records`);
  return incomplete(kvs, `multi_get stopped at ${kvs.length} records / ${size} bytes after visiting ${visited}; more remain`);
}

function complete(kvs: KeyValue[], reverse: boolean): MultiGetResponse {
  if (reverse) kvs.reverse();
  return { kind: 'multi_get_response', error: StorageStatus.ok, kvs };
}

function incomplete(kvs: KeyValue[], message: string): MultiGetResponse {
  return { kind: 'multi_get_response', error: StorageStatus.incomplete, message, kvs };
}
