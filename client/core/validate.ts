// Checks of caller input, done before anything is sent: a bad argument gets an
// ERR_INVALID_PARAMETERS error naming it, and nothing is written.

import { HASH_KEY_LENGTH_MAX } from '../../cluster/storage/key-schema.ts';
import { CasCheckType, FilterType } from '../../cluster/storage/requests.ts';
import { WRITE_BODY_BYTES_MAX } from '../../common/limits.ts';
import type { CheckType, KeyFilter } from './api-types.ts';
import { EMPTY_BYTES, toBytes } from './bytes.ts';
import { invalidArgument, type OperationContext } from './client-error.ts';

const I32_MAX = 0x7fffffff;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** A hash key: at most 65534 bytes; empty is refused where `nonEmpty` (operations over a whole hash key). */
export function hashKeyBytes(value: unknown, context: OperationContext, nonEmpty: boolean): Uint8Array {
  const bytes = toBytes(value, 'hashKey', context);
  if (bytes.length > HASH_KEY_LENGTH_MAX) throw invalidArgument(context, `hashKey is ${bytes.length} bytes; at most ${HASH_KEY_LENGTH_MAX} are allowed`);
  if (nonEmpty && bytes.length === 0) throw invalidArgument(context, 'hashKey must not be empty');
  return bytes;
}

/**
 * The absolute expiry (seconds since 2016) of a TTL given now; 0 for no TTL. `allowRemove` lets
 * -1 through unchanged (incr: remove the TTL).
 */
export function expireTsOf(ttlSeconds: unknown, now2016Seconds: number, context: OperationContext, allowRemove = false): number {
  if (ttlSeconds === undefined || ttlSeconds === 0) return 0;
  if (allowRemove && ttlSeconds === -1) return -1;
  if (typeof ttlSeconds !== 'number' || !Number.isInteger(ttlSeconds) || ttlSeconds < 0) {
    throw invalidArgument(context, `ttlSeconds must be a non-negative integer${allowRemove ? ' or -1' : ''}, got ${String(ttlSeconds)}`);
  }
  const expireTs = now2016Seconds + ttlSeconds;
  if (expireTs > I32_MAX) throw invalidArgument(context, `ttlSeconds ${ttlSeconds} expires after 2084, beyond what Pegasus stores`);
  return expireTs;
}

export function checkTypeCode(name: unknown, context: OperationContext): number {
  if (typeof name !== 'string' || !Object.hasOwn(CasCheckType, name)) {
    throw invalidArgument(context, `checkType ${JSON.stringify(name)} is not one of ${Object.keys(CasCheckType).join(', ')}`);
  }
  return CasCheckType[name as CheckType];
}

export function filterOf(filter: KeyFilter | undefined, what: string, context: OperationContext): { type: number; pattern: Uint8Array } {
  if (filter === undefined) return { type: FilterType.noFilter, pattern: EMPTY_BYTES };
  if (typeof filter.type !== 'string' || !Object.hasOwn(FilterType, filter.type)) {
    throw invalidArgument(context, `${what}.type ${JSON.stringify(filter.type)} is not one of ${Object.keys(FilterType).join(', ')}`);
  }
  return { type: FilterType[filter.type], pattern: toBytes(filter.pattern, `${what}.pattern`, context) };
}

/** An i32 count or size limit; undefined and values <= 0 mean the server's cap (-1 on the wire). */
export function limitOf(value: unknown, what: string, context: OperationContext): number {
  if (value === undefined) return -1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value > I32_MAX) {
    throw invalidArgument(context, `${what} must be an integer up to ${I32_MAX}, got ${String(value)}`);
  }
  return value <= 0 ? -1 : value;
}

export function int64Of(value: unknown, what: string, context: OperationContext): bigint {
  if (typeof value === 'bigint' && value >= I64_MIN && value <= I64_MAX) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw invalidArgument(context, `${what} must be a safe integer or a bigint in the int64 range, got ${String(value)}`);
}

export function positiveIntegerOf(value: unknown, what: string, max: number, context: OperationContext, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(context, `${what} must be an integer in 1..${max}, got ${String(value)}`);
  }
  return value;
}

export function booleanOf(value: unknown, what: string, context: OperationContext, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalidArgument(context, `${what} must be a boolean, got ${typeof value}`);
  return value;
}

/** A list argument: an array with between `min` and `max` items. */
export function listOf<T>(value: unknown, what: string, min: number, max: number, context: OperationContext): readonly T[] {
  if (!Array.isArray(value)) throw invalidArgument(context, `${what} must be an array, got ${typeof value}`);
  if (value.length < min) throw invalidArgument(context, `${what} must hold at least ${min} item${min === 1 ? '' : 's'}`);
  if (value.length > max) throw invalidArgument(context, `${what} holds ${value.length} items; at most ${max} are allowed`);
  return value as readonly T[];
}

/**
 * Requests whose keys and values add up past the replica's write limit are refused before sending
 * (a read that large would exceed the server's request frame limit and only break the connection).
 */
export function checkRequestSize(bytes: number, context: OperationContext): void {
  if (bytes > WRITE_BODY_BYTES_MAX) {
    throw invalidArgument(context, `the request carries ${bytes} bytes of keys and values; a request may carry at most ${WRITE_BODY_BYTES_MAX}`);
  }
}
