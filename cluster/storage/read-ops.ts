// The point reads of a partition (pegasus_server_impl.cpp on_get, on_ttl, on_batch_get,
// on_sortkey_count) over an engine at a given "now". Expired records are invisible. Requests are
// validated by the caller (Partition) first.

import { copyBytes } from './copy-bytes.ts';
import type { KvEngine } from './engine.ts';
import type { IterationDeadline } from './iteration-deadline.ts';
import { encodeKey, hashKeyStop } from './key-schema.ts';
import { corruptValue, isStorageError, visibleRecord } from './record.ts';
import type { BatchGetRequest, GetRequest, SortkeyCountRequest, TtlRequest } from './requests.ts';
import type { BatchGetResponse, CountResponse, FullData, ReadResponse, TtlResponse } from './responses.ts';
import { StorageStatus } from './status.ts';
import { expireTsOf, isExpired, VALUE_HEADER_BYTES } from './value-schema.ts';

const EMPTY = new Uint8Array(0);
const SORTKEY_COUNT_BATCH = 256;

export async function readGet(engine: KvEngine, request: GetRequest, now: number): Promise<ReadResponse> {
  const record = visibleRecord(await engine.get(request.key), now);
  if (isStorageError(record)) return { kind: 'read_response', error: record.status, message: record.message, value: EMPTY };
  if (!record.exists) return { kind: 'read_response', error: StorageStatus.notFound, message: 'key not found', value: EMPTY };
  return { kind: 'read_response', error: StorageStatus.ok, value: copyBytes(record.value) };
}

export async function readTtl(engine: KvEngine, request: TtlRequest, now: number): Promise<TtlResponse> {
  const record = visibleRecord(await engine.get(request.key), now);
  if (isStorageError(record)) return { kind: 'ttl_response', error: record.status, message: record.message, ttlSeconds: 0 };
  if (!record.exists) return { kind: 'ttl_response', error: StorageStatus.notFound, message: 'key not found', ttlSeconds: 0 };
  return { kind: 'ttl_response', error: StorageStatus.ok, ttlSeconds: record.expireTs > 0 ? record.expireTs - now : -1 };
}

export async function readBatchGet(engine: KvEngine, request: BatchGetRequest, now: number): Promise<BatchGetResponse> {
  const stored = await engine.getMany(request.keys.map((key) => encodeKey(key.hashKey, key.sortKey)));
  const data: FullData[] = [];
  for (const [index, key] of request.keys.entries()) {
    const record = visibleRecord(stored[index], now);
    if (isStorageError(record)) return { kind: 'batch_get_response', error: record.status, message: record.message, data: [] };
    if (record.exists) data.push({ hashKey: key.hashKey, sortKey: key.sortKey, value: copyBytes(record.value) });
  }
  return { kind: 'batch_get_response', error: StorageStatus.ok, data };
}

/** Counts the hash key's live records; -1 when the iteration time cap was hit (as Pegasus). */
export async function readSortkeyCount(engine: KvEngine, request: SortkeyCountRequest, now: number, deadline: IterationDeadline): Promise<CountResponse> {
  const iterator = engine.iterator({ gte: encodeKey(request.hashKey), lt: hashKeyStop(request.hashKey) });
  let count = 0n;
  try {
    for (;;) {
      const batch = await iterator.nextBatch(SORTKEY_COUNT_BATCH);
      for (const entry of batch) {
        if (entry.value.length < VALUE_HEADER_BYTES) {
          const error = corruptValue(entry.value.length);
          return { kind: 'count_response', error: error.status, message: error.message, count: 0n };
        }
        if (!isExpired(expireTsOf(entry.value), now)) count++;
        if (deadline.visit()) return { kind: 'count_response', error: StorageStatus.ok, count: -1n };
      }
      if (batch.length < SORTKEY_COUNT_BATCH) break;
    }
  } finally {
    await iterator.close();
  }
  return { kind: 'count_response', error: StorageStatus.ok, count };
}
