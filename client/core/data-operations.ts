// Builders of the single-record and single-hash-key operations: caller arguments in, a checked
// request and a response-to-result mapping out (reference/pegasus-api.md sections 3.2-3.6).
// Nothing here sends anything; bad input throws ERR_INVALID_PARAMETERS before a request exists.

import { clientRpcs, type RequestOf, type ResponseOf } from '../../cluster/rpc/rpc-methods.ts';
import type { Stamped } from '../../cluster/rpc/rrdb-structs.ts';
import { encodeKey } from '../../cluster/storage/key-schema.ts';
import { MutateOperation, type Mutate } from '../../cluster/storage/requests.ts';
import type { CheckAndMutateResponse, CheckAndSetResponse } from '../../cluster/storage/responses.ts';
import { StorageStatus } from '../../cluster/storage/status.ts';
import { MULTI_GET_ITERATION_COUNT_MAX, WRITE_BODY_BYTES_MAX } from '../../common/limits.ts';
import type {
  CheckAndMutateOptions, CheckAndMutateResult, CheckAndSetOptions, CheckAndSetResult, CompareExchangeResult, IncrOptions,
  MultiGetOptions, MultiGetResult, MultiGetSortKeysResult, Mutation, SetOptions, SortKeyRange, SortKeyValue,
} from './api-types.ts';
import { bytesEqual, EMPTY_BYTES, ownBytes, toBytes, type Bytes } from './bytes.ts';
import { contextOf, storageFailure, type BuildContext, type Operation } from './operation.ts';
import { partitionHashOf } from './partition-hash.ts';
import {
  booleanOf, checkTypeCode, checkWriteSize, expireTsOf, filterOf, hashKeyBytes, int64Of, limitOf, listOf,
} from './validate.ts';
import { invalidArgument, type OperationContext } from './client-error.ts';

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
  checkWriteSize(hk.length + sk.length + v.length, context);
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
  checkWriteSize(hk.length + sk.length, context);
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
  checkWriteSize(size, context);
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
  checkWriteSize(keys.reduce((sum, key) => sum + key.length, hk.length), context);
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
      startSortkey: range.start === undefined ? EMPTY_BYTES : toBytes(range.start, 'start', context),
      stopSortkey: range.stop === undefined ? EMPTY_BYTES : toBytes(range.stop, 'stop', context),
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

export function checkAndSetOperation(
  build: BuildContext, hashKey: Bytes, checkSortKey: Bytes, checkType: string, checkOperand: Bytes,
  setSortKey: Bytes, setValue: Bytes, options: CheckAndSetOptions = {}, operation = 'checkAndSet',
): OperationOf<'checkAndSet', CheckAndSetResult> {
  const context = contextOf(build, operation);
  const hk = hashKeyBytes(hashKey, context, true);
  const checkSk = toBytes(checkSortKey, 'checkSortKey', context);
  const setSk = toBytes(setSortKey, 'setSortKey', context);
  const operand = toBytes(checkOperand, 'checkOperand', context);
  const value = toBytes(setValue, 'setValue', context);
  checkWriteSize(hk.length + checkSk.length + setSk.length + operand.length + value.length, context);
  const setDiffSortKey = !bytesEqual(checkSk, setSk);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.checkAndSet,
    request: {
      kind: 'check_and_set',
      hashKey: hk,
      checkSortKey: checkSk,
      checkType: checkTypeCode(checkType, context),
      checkOperand: operand,
      setDiffSortKey,
      setSortKey: setDiffSortKey ? setSk : EMPTY_BYTES,
      setValue: value,
      setExpireTsSeconds: expireTsOf(options.ttlSeconds, build.now2016Seconds, context),
      returnCheckValue: booleanOf(options.returnCheckValue, 'returnCheckValue', context, false),
    },
    locator: hashRouted(hk),
    finish: (response, where) => ({ setSucceed: checkPassed(response, where), ...checkResult(response) }),
  };
}

export function checkAndMutateOperation(
  build: BuildContext, hashKey: Bytes, checkSortKey: Bytes, checkType: string, checkOperand: Bytes,
  mutations: readonly Mutation[], options: CheckAndMutateOptions = {},
): OperationOf<'checkAndMutate', CheckAndMutateResult> {
  const context = contextOf(build, 'checkAndMutate');
  const hk = hashKeyBytes(hashKey, context, true);
  const checkSk = toBytes(checkSortKey, 'checkSortKey', context);
  const operand = toBytes(checkOperand, 'checkOperand', context);
  let size = hk.length + checkSk.length + operand.length;
  const mutateList = listOf<Mutation>(mutations, 'mutations', 1, MULTI_ITEMS_MAX, context).map((mutation, i): Mutate => {
    const what = `mutations[${i}]`;
    if (typeof mutation !== 'object' || mutation === null) throw invalidArgument(context, `${what} must be { kind: 'set' | 'del', ... }`);
    const sortKey = toBytes(mutation.sortKey, `${what}.sortKey`, context);
    if (mutation.kind === 'set') {
      const value = toBytes(mutation.value, `${what}.value`, context);
      size += sortKey.length + value.length;
      return { operation: MutateOperation.put, sortKey, value, setExpireTsSeconds: expireTsOf(mutation.ttlSeconds, build.now2016Seconds, context) };
    }
    if (mutation.kind === 'del') {
      size += sortKey.length;
      return { operation: MutateOperation.delete, sortKey, value: EMPTY_BYTES, setExpireTsSeconds: 0 };
    }
    throw invalidArgument(context, `${what}.kind must be 'set' or 'del', got ${JSON.stringify((mutation as { kind: unknown }).kind)}`);
  });
  checkWriteSize(size, context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.checkAndMutate,
    request: {
      kind: 'check_and_mutate',
      hashKey: hk,
      checkSortKey: checkSk,
      checkType: checkTypeCode(checkType, context),
      checkOperand: operand,
      mutateList,
      returnCheckValue: booleanOf(options.returnCheckValue, 'returnCheckValue', context, false),
    },
    locator: hashRouted(hk),
    finish: (response, where) => ({ mutateSucceed: checkPassed(response, where), ...checkResult(response) }),
  };
}

/** Sets `desired` when the current value equals `expected` (check_and_set with CT_VALUE_BYTES_EQUAL). */
export function compareExchangeOperation(
  build: BuildContext, hashKey: Bytes, sortKey: Bytes, expected: Bytes, desired: Bytes, options: SetOptions = {},
): OperationOf<'checkAndSet', CompareExchangeResult> {
  const inner = checkAndSetOperation(build, hashKey, sortKey, 'valueBytesEqual', expected, sortKey, desired, {
    returnCheckValue: true, ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
  }, 'compareExchange');
  return {
    ...inner,
    finish: (response, where) => {
      const result = inner.finish(response, where);
      if (result.setSucceed) return { setSucceed: true, actualValue: null };
      return { setSucceed: false, actualValue: result.checkValueExist ? result.checkValue : null };
    },
  };
}

/** Remaining TTL in seconds, -1 for no TTL, null when the record does not exist. */
export function ttlOperation(build: BuildContext, hashKey: Bytes, sortKey: Bytes, operation = 'ttl'): OperationOf<'ttl', number | null> {
  const context = contextOf(build, operation);
  const hk = hashKeyBytes(hashKey, context, false);
  const sk = toBytes(sortKey, 'sortKey', context);
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

/** check passed: 0; check failed: kTryAgain (13), nothing written; anything else is an error. */
function checkPassed(response: Stamped<CheckAndSetResponse | CheckAndMutateResponse>, where: OperationContext): boolean {
  if (response.error === StorageStatus.ok) return true;
  if (response.error === StorageStatus.tryAgain) return false;
  throw storageFailure(response.error, where, response.error === StorageStatus.invalidArgument
    ? 'the check could not be evaluated (an int check on a value or operand that is not an int64?)'
    : undefined);
}

function checkResult(response: CheckAndSetResponse | CheckAndMutateResponse) {
  return {
    checkValueReturned: response.checkValueReturned,
    checkValueExist: response.checkValueReturned && response.checkValueExist,
    checkValue: response.checkValueReturned && response.checkValueExist ? ownBytes(response.checkValue) : null,
  };
}

