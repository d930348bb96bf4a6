// Stateless checks of a data request: everything that can be known wrong without reading the
// engine. The primary runs validateWriteRequest BEFORE a write enters replication, so obviously bad
// writes never consume a decree; applying a mutation runs it again (a backup, and the path for
// mutations that arrive through the log or learning). Errors use Pegasus's status codes.

import { WRITE_BODY_BYTES_MAX } from '../../common/limits.ts';
import { decodeKey, HASH_KEY_LENGTH_MAX } from './key-schema.ts';
import { isInt64 } from './int64-text.ts';
import { CasCheckType, FilterType, MutateOperation } from './requests.ts';
import type { ReadRequest, WriteRequest } from './requests.ts';
import { StorageStatus, storageError } from './status.ts';
import type { StorageError } from './status.ts';
import { assertNever } from '../../common/assert.ts';

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;

export function validateWriteRequest(request: WriteRequest): StorageError | undefined {
  const bodyBytes = writeBodyBytes(request);
  if (bodyBytes > WRITE_BODY_BYTES_MAX) {
    return invalid(`${request.kind} body is ${bodyBytes} bytes; at most ${WRITE_BODY_BYTES_MAX} are allowed`);
  }
  switch (request.kind) {
    case 'put':
      return checkCompositeKey(request.key) ?? checkExpireTs(request.expireTsSeconds, 'expire_ts_seconds');
    case 'remove':
      return checkCompositeKey(request.key);
    case 'multi_put':
      if (request.kvs.length === 0) return invalid('multi_put has no key-values');
      return checkHashKey(request.hashKey) ?? checkExpireTs(request.expireTsSeconds, 'expire_ts_seconds');
    case 'multi_remove':
      if (request.sortKeys.length === 0) return invalid('multi_remove has no sort keys');
      return checkHashKey(request.hashKey);
    case 'incr':
      if (!isInt64(request.increment)) return invalid(`increment ${request.increment} is not an int64`);
      if (!isInt32(request.expireTsSeconds)) {
        return invalid(`expire_ts_seconds ${request.expireTsSeconds} is not an i32`);
      }
      return checkCompositeKey(request.key);
    case 'check_and_set':
      return checkHashKey(request.hashKey)
        ?? checkCheckType(request.checkType)
        ?? checkExpireTs(request.setExpireTsSeconds, 'set_expire_ts_seconds');
    case 'check_and_mutate': {
      if (request.mutateList.length === 0) return invalid('check_and_mutate has an empty mutate_list');
      for (const [index, mutate] of request.mutateList.entries()) {
        if (mutate.operation !== MutateOperation.put && mutate.operation !== MutateOperation.delete) {
          return invalid(`mutate_list[${index}] has operation ${mutate.operation}; only 0 (MO_PUT) and 1 (MO_DELETE) exist`);
        }
        if (mutate.operation === MutateOperation.put) {
          const error = checkExpireTs(mutate.setExpireTsSeconds, `mutate_list[${index}].set_expire_ts_seconds`);
          if (error !== undefined) return error;
        }
      }
      return checkHashKey(request.hashKey) ?? checkCheckType(request.checkType);
    }
    default:
      return assertNever(request, 'write request');
  }
}

export function validateReadRequest(request: ReadRequest): StorageError | undefined {
  switch (request.kind) {
    case 'get':
    case 'ttl':
      return checkCompositeKey(request.key);
    case 'multi_get':
      return checkHashKey(request.hashKey) ?? checkFilterType(request.sortKeyFilterType, 'sort key');
    case 'batch_get': {
      if (request.keys.length === 0) return invalid('batch_get has no keys');
      for (const [index, key] of request.keys.entries()) {
        const error = checkHashKey(key.hashKey, `keys[${index}].hash_key`);
        if (error !== undefined) return error;
      }
      return undefined;
    }
    case 'sortkey_count':
      return checkHashKey(request.hashKey);
    case 'get_scanner':
      return checkFilterType(request.hashKeyFilterType, 'hash key') ?? checkFilterType(request.sortKeyFilterType, 'sort key');
    case 'scan':
      return undefined;
    default:
      return assertNever(request, 'read request');
  }
}

/**
 * The bytes a write carries: the sum of its blobs. The Thrift framing adds a few bytes per field;
 * the RPC layer checks the exact frame size against the same limit before decoding.
 */
export function writeBodyBytes(request: WriteRequest): number {
  switch (request.kind) {
    case 'put':
      return request.key.length + request.value.length;
    case 'remove':
    case 'incr':
      return request.key.length;
    case 'multi_put':
      return request.kvs.reduce((sum, kv) => sum + kv.key.length + kv.value.length, request.hashKey.length);
    case 'multi_remove':
      return request.sortKeys.reduce((sum, sortKey) => sum + sortKey.length, request.hashKey.length);
    case 'check_and_set':
      return request.hashKey.length + request.checkSortKey.length + request.checkOperand.length
        + request.setSortKey.length + request.setValue.length;
    case 'check_and_mutate':
      return request.mutateList.reduce(
        (sum, mutate) => sum + mutate.sortKey.length + mutate.value.length,
        request.hashKey.length + request.checkSortKey.length + request.checkOperand.length,
      );
    default:
      return assertNever(request, 'write request');
  }
}

export function isSupportedFilterType(type: number): boolean {
  return type === FilterType.noFilter || type === FilterType.matchAnywhere
    || type === FilterType.matchPrefix || type === FilterType.matchPostfix;
}

export function isSupportedCheckType(type: number): boolean {
  return Number.isInteger(type) && type >= CasCheckType.noCheck && type <= CasCheckType.valueIntGreater;
}

function checkCompositeKey(key: Uint8Array): StorageError | undefined {
  if (key.length < 2) return invalid(`key is ${key.length} bytes; a key holds at least its 2-byte hash_key length`);
  const hashKeyLength = ((key[0] ?? 0) << 8) | (key[1] ?? 0);
  if (hashKeyLength > HASH_KEY_LENGTH_MAX) {
    return invalid(`hash_key length ${hashKeyLength} in key; at most ${HASH_KEY_LENGTH_MAX} bytes are allowed`);
  }
  if (decodeKey(key) === undefined) {
    return invalid(`key declares a ${hashKeyLength}-byte hash_key but holds only ${key.length - 2} bytes after the length`);
  }
  return undefined;
}

function checkHashKey(hashKey: Uint8Array, name = 'hash_key'): StorageError | undefined {
  if (hashKey.length > HASH_KEY_LENGTH_MAX) {
    return invalid(`${name} is ${hashKey.length} bytes; at most ${HASH_KEY_LENGTH_MAX} are allowed`);
  }
  return undefined;
}

/** Absolute expiry in 2016-epoch seconds; 0 = none. Negative TTLs are refused, as every client does. */
function checkExpireTs(expireTs: number, name: string): StorageError | undefined {
  if (!isInt32(expireTs)) return invalid(`${name} ${expireTs} is not an i32`);
  if (expireTs < 0) return invalid(`${name} ${expireTs} is negative; expiry is absolute seconds since 2016, 0 for none`);
  return undefined;
}

function checkCheckType(type: number): StorageError | undefined {
  if (isSupportedCheckType(type)) return undefined;
  return invalid(`check type ${type} is not supported; cas_check_type is 0..17`);
}

function checkFilterType(type: number, what: string): StorageError | undefined {
  if (isSupportedFilterType(type)) return undefined;
  return invalid(`${what} filter type ${type} is not supported; filter_type is 0..3`);
}

function isInt32(value: number): boolean {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX;
}

function invalid(message: string): StorageError {
  return storageError(StorageStatus.invalidArgument, message);
}
