// Builders of the reads and plain writes of one record or one hash key: caller arguments in, a checked
// request and a response-to-result mapping out (reference/pegasus-api.md sections 3.2-3.6).
// Nothing here sends anything; bad input throws ERR_INVALID_PARAMETERS before a request exists.

import { clientRpcs, type RequestOf, type ResponseOf } from '../../cluster/rpc/rpc-methods.ts';
import { encodeKey } from '../../cluster/storage/key-schema.ts';
import { StorageStatus } from '../../cluster/storage/status.ts';
import { MULTI_GET_ITERATION_COUNT_MAX, WRITE_BODY_BYTES_MAX } from '../../common/limits.ts';
import type {
  IncrOptions, MultiGetOptions, MultiGetResult, MultiGetSortKeysResult, SetOptions, SortKeyRange, SortKeyValue,
} from './api-types.ts';
import { EMPTY_BYTES, ownBytes, toBytes, type Bytes } from './bytes.ts';
import { contextOf, storageFailure, type BuildContext, type Operation } from './operation.ts';
import { partitionHashOf } from './partition-hash.ts';
import {
  booleanOf, checkRequestSize, expireTsOf, filterOf, hashKeyBytes, int64Of, limitOf, listOf,
} from './validate.ts';
import { invalidArgument } from './client-error.ts';

type RequestOfRpc<K extends keyof typeof clientRpcs> = RequestOf<(typeof clientRpcs)[K]>;
type ResponseOfRpc<K extends keyof typeof clientRpcs> = ResponseOf<(typeof clientRpcs)[K]>;
/** The operation type of one client RPC with its result type. */
export type OperationOf<K extends keyof typeof clientRpcs, Result> = Operation<RequestOfRpc<K>, ResponseOfRpc<K>, Result>;

/** Items of one multi-record request: each costs at least one byte, so the write limit bounds them. */
const MULTI_ITEMS_MAX = WRITE_BODY_BYTES_MAX;

function hashRouted(hashKey: Uint8Array, sortKey: Uint8Array = EMPTY_BYTES) {
  return { kind: 'hash', hash: partitionHashOf(hashKey, sortKey) } as const;
}

export function setOperation(build: BuildContext, hashKey: Bytes, sortKey: Bytes, value: Bytes, options: SetOptions = {}): OperationOf<'put', void> {
  const context = contextOf(build, 'set');
  const hk = hashKeyBytes(hashKey, context, false);
  const sk = toBytes(sortKey, 'sortKey', context);
  const v = toBytes(value, 'value', context);
  checkRequestSize(hk.length + sk.length + v.length, context);
  const expireTsSeconds = expireTsOf(options.ttlSeconds, build.now2016Seconds, context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.put,
    request: { kind: 'put', key: encodeKey(hk, sk), value: v, expireTsSeconds },
    locator: hashRouted(hk, sk),
    finish: (response, where) => {
      if (response.error !== StorageStatus.ok) throw storageFailure(response.error, where);
    },
  };
}

export function getOperation(build: BuildContext, hashKey: Bytes, sortKey: Bytes): OperationOf<'get', Uint8Array | null> {
  const context = contextOf(build, 'get');
  const hk = hashKeyBytes(hashKey, context, false);
  const sk = toBytes(sortKey, 'sortKey', context);
  checkRequestSize(hk.length + sk.length, context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.get,
    request: { kind: 'get', key: encodeKey(hk, sk) },
    locator: hashRouted(hk, sk),
    finish: (response, where) => {
      if (response.error === StorageStatus.notFound) return null;
      if (response.error !== StorageStatus.ok) throw storageFailure(response.error, where);
      return ownBytes(response.value);
    },
  };
}

export function delOperation(build: BuildContext, hashKey: Bytes, sortKey: Bytes): OperationOf<'remove', void> {
  const context = contextOf(build, 'del');
  const hk = hashKeyBytes(hashKey, context, false);
  const sk = toBytes(sortKey, 'sortKey', context);
  checkRequestSize(hk.length + sk.length, context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.remove,
    request: { kind: 'remove', key: encodeKey(hk, sk) },
    locator: hashRouted(hk, sk),
    finish: (response, where) => {
      if (response.error !== StorageStatus.ok) throw storageFailure(response.error, where);
    },
  };
}

export function multiSetOperation(
  build: BuildContext, hashKey: Bytes, entries: readonly { readonly sortKey: Bytes; readonly value: Bytes }[], options: SetOptions = {},
): OperationOf<'multiPut', void> {
  const context = contextOf(build, 'multiSet');
  const hk = hashKeyBytes(hashKey, context, true);
  const list = listOf<{ sortKey: Bytes; value: Bytes }>(entries, 'entries', 1, MULTI_ITEMS_MAX, context);
  let size = hk.length;
  const kvs = list.map((entry, i) => {
    if (typeof entry !== 'object' || entry === null) throw invalidArgument(context, `entries[${i}] must be { sortKey, value }`);
    const kv = { key: toBytes(entry.sortKey, `entries[${i}].sortKey`, context), value: toBytes(entry.value, `entries[${i}].value`, context) };
    size += kv.key.length + kv.value.length;
    return kv;
  });
  checkRequestSize(size, context);
  const expireTsSeconds = expireTsOf(options.ttlSeconds, build.now2016Seconds, context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.multiPut,
    request: { kind: 'multi_put', hashKey: hk, kvs, expireTsSeconds },
    locator: hashRouted(hk),
    finish: (response, where) => {
      if (response.error !== StorageStatus.ok) throw storageFailure(response.error, where);
    },
  };
}

export function multiDelOperation(build: BuildContext, hashKey: Bytes, sortKeys: readonly Bytes[]): OperationOf<'multiRemove', void> {
  const context = contextOf(build, 'multiDel');
  const hk = hashKeyBytes(hashKey, context, true);
  const keys = listOf<Bytes>(sortKeys, 'sortKeys', 1, MULTI_ITEMS_MAX, context).map((key, i) => toBytes(key, `sortKeys[${i}]`, context));
  checkRequestSize(keys.reduce((sum, key) => sum + key.length, hk.length), context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.multiRemove,
    request: { kind: 'multi_remove', hashKey: hk, sortKeys: keys },
    locator: hashRouted(hk),
    finish: (response, where) => {
      if (response.error !== StorageStatus.ok) throw storageFailure(response.error, where);
    },
  };
}

/**
 * multiGet: with an array of sort keys (point form; an empty array reads the whole hash key), or
 * with a SortKeyRange (range form, options apply).
 */
export function multiGetOperation(
  build: BuildContext, hashKey: Bytes, selection: readonly Bytes[] | SortKeyRange | undefined, options: MultiGetOptions = {}, operation = 'multiGet',
): OperationOf<'multiGet', MultiGetResult> {
  const context = contextOf(build, operation);
  const hk = hashKeyBytes(hashKey, context, true);
  const point = Array.isArray(selection);
  const sortKeys = point ? listOf<Bytes>(selection, 'sortKeys', 0, MULTI_GET_ITERATION_COUNT_MAX, context).map((key, i) => toBytes(key, `sortKeys[${i}]`, context)) : [];
  if (!point && selection !== undefined && (typeof selection !== 'object' || selection === null)) {
    throw invalidArgument(context, 'the selection must be an array of sort keys or { start, stop }');
  }
  const range: SortKeyRange = point || selection === undefined ? {} : (selection as SortKeyRange);
  const filter = filterOf(options.sortKeyFilter, 'sortKeyFilter', context);
  const start = range.start === undefined ? EMPTY_BYTES : toBytes(range.start, 'start', context);
  const stop = range.stop === undefined ? EMPTY_BYTES : toBytes(range.stop, 'stop', context);
  checkRequestSize(sortKeys.reduce((sum, key) => sum + key.length, hk.length + start.length + stop.length + filter.pattern.length), context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.multiGet,
    request: {
      kind: 'multi_get',
      hashKey: hk,
      sortKeys,
      maxKvCount: limitOf(options.maxFetchCount, 'maxFetchCount', context),
      maxKvSize: limitOf(options.maxFetchSize, 'maxFetchSize', context),
      noValue: booleanOf(options.noValue, 'noValue', context, false),
      startSortkey: start,
      stopSortkey: stop,
      startInclusive: booleanOf(options.startInclusive, 'startInclusive', context, true),
      stopInclusive: booleanOf(options.stopInclusive, 'stopInclusive', context, false),
      sortKeyFilterType: filter.type,
      sortKeyFilterPattern: filter.pattern,
      reverse: booleanOf(options.reverse, 'reverse', context, false),
    },
    locator: hashRouted(hk),
    finish: (response, where) => {
      if (response.error !== StorageStatus.ok && response.error !== StorageStatus.incomplete) throw storageFailure(response.error, where);
      const values: SortKeyValue[] = response.kvs.map((kv) => ({ sortKey: ownBytes(kv.key), value: ownBytes(kv.value) }));
      return { allFetched: response.error === StorageStatus.ok, values };
    },
  };
}

export function multiGetSortKeysOperation(
  build: BuildContext, hashKey: Bytes, options: Pick<MultiGetOptions, 'maxFetchCount' | 'maxFetchSize'> = {},
): OperationOf<'multiGet', MultiGetSortKeysResult> {
  const inner = multiGetOperation(build, hashKey, [], {
    noValue: true,
    ...(options.maxFetchCount === undefined ? {} : { maxFetchCount: options.maxFetchCount }),
    ...(options.maxFetchSize === undefined ? {} : { maxFetchSize: options.maxFetchSize }),
  }, 'multiGetSortKeys');
  return {
    ...inner,
    finish: (response, where) => {
      const result = inner.finish(response, where);
      return { allFetched: result.allFetched, sortKeys: result.values.map((entry) => entry.sortKey) };
    },
  };
}

export function incrOperation(build: BuildContext, hashKey: Bytes, sortKey: Bytes, increment: bigint | number, options: IncrOptions = {}): OperationOf<'incr', bigint> {
  const context = contextOf(build, 'incr');
  const hk = hashKeyBytes(hashKey, context, false);
  const sk = toBytes(sortKey, 'sortKey', context);
  const request = {
    kind: 'incr' as const,
    key: encodeKey(hk, sk),
    increment: int64Of(increment, 'increment', context),
    expireTsSeconds: expireTsOf(options.ttlSeconds, build.now2016Seconds, context, true),
  };
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.incr,
    request,
    locator: hashRouted(hk, sk),
    finish: (response, where) => {
      if (response.error !== StorageStatus.ok) {
        throw storageFailure(response.error, where, response.error === StorageStatus.invalidArgument
          ? 'the stored value is not an int64, or the sum overflows'
          : undefined);
      }
      return response.newValue;
    },
  };
}

/** Remaining TTL in seconds, -1 for no TTL, null when the record does not exist. */
export function ttlOperation(build: BuildContext, hashKey: Bytes, sortKey: Bytes, operation = 'ttl'): OperationOf<'ttl', number | null> {
  const context = contextOf(build, operation);
  const hk = hashKeyBytes(hashKey, context, false);
  const sk = toBytes(sortKey, 'sortKey', context);
  checkRequestSize(hk.length + sk.length, context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.ttl,
    request: { kind: 'ttl', key: encodeKey(hk, sk) },
    locator: hashRouted(hk, sk),
    finish: (response, where) => {
      if (response.error === StorageStatus.notFound) return null;
      if (response.error !== StorageStatus.ok) throw storageFailure(response.error, where);
      return response.ttlSeconds;
    },
  };
}

/** Records of a hash key that have not expired; -1 when the server's 30 s iteration cap was hit. */
export function sortKeyCountOperation(build: BuildContext, hashKey: Bytes): OperationOf<'sortkeyCount', number> {
  const context = contextOf(build, 'sortKeyCount');
  const hk = hashKeyBytes(hashKey, context, true);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.sortkeyCount,
    request: { kind: 'sortkey_count', hashKey: hk },
    locator: hashRouted(hk),
    finish: (response, where) => {
      if (response.error === StorageStatus.incomplete) return -1;
      if (response.error !== StorageStatus.ok) throw storageFailure(response.error, where);
      return Number(response.count);
    },
  };
}
