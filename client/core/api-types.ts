// The types of the public API: options and results of every table operation. Keys and values go
// in as Uint8Array or string (UTF-8) and come back as Uint8Array. TTLs are seconds; 0 means none.

import type { Bytes } from './bytes.ts';
import type { PegasusClientError } from './client-error.ts';
import type { CasCheckType as CasCheckTypeCodes, FilterType as FilterTypeCodes } from '../../cluster/storage/requests.ts';

/** Every call takes these. */
export interface CallOptions {
  /** The call's whole budget in milliseconds, retries included. Default: the client's timeoutMs. */
  readonly timeoutMs?: number;
  /** Aborting rejects the call with code ERR_ABORTED (a write may still have been applied). */
  readonly signal?: AbortSignal;
}

export interface SetOptions extends CallOptions {
  /** Seconds until the record expires; 0 (the default) keeps it forever. */
  readonly ttlSeconds?: number;
}

/** A sort-key or hash-key filter: which keys a multiGet or scan returns. */
export interface KeyFilter {
  readonly type: FilterType;
  readonly pattern: Bytes;
}

/** rrdb filter_type by name. */
export type FilterType = keyof typeof FilterTypeCodes;

/** rrdb cas_check_type by name (reference/pegasus-api.md section 3.4). */
export type CheckType = keyof typeof CasCheckTypeCodes;

/** A range of sort keys for multiGet; stop "" (the default) means to the end of the hash key. */
export interface SortKeyRange {
  readonly start?: Bytes;
  readonly stop?: Bytes;
}

export interface MultiGetOptions extends CallOptions {
  /** Range form only. Default true. */
  readonly startInclusive?: boolean;
  /** Range form only. Default false. */
  readonly stopInclusive?: boolean;
  /** Range form only. */
  readonly sortKeyFilter?: KeyFilter;
  /** Return sort keys with empty values. */
  readonly noValue?: boolean;
  /** Range form only: take the last records of the range (still returned in ascending order). */
  readonly reverse?: boolean;
  /** Records returned at most; 0 or less means the server's cap (3000). */
  readonly maxFetchCount?: number;
  /** Bytes returned at most; 0 or less means the server's cap. */
  readonly maxFetchSize?: number;
}

export interface SortKeyValue {
  readonly sortKey: Uint8Array;
  readonly value: Uint8Array;
}

export interface MultiGetResult {
  /** false when a count, size or time limit stopped the read before the end. */
  readonly allFetched: boolean;
  /** In ascending sort-key order. */
  readonly values: readonly SortKeyValue[];
}

export interface MultiGetSortKeysResult {
  readonly allFetched: boolean;
  readonly sortKeys: readonly Uint8Array[];
}

export interface DelRangeOptions extends CallOptions {
  /** Default true. */
  readonly startInclusive?: boolean;
  /** Default false. */
  readonly stopInclusive?: boolean;
  readonly sortKeyFilter?: KeyFilter;
}

export interface IncrOptions extends CallOptions {
  /** 0 (the default) keeps the record's TTL, > 0 sets it, -1 removes it. */
  readonly ttlSeconds?: number;
}

export interface CheckAndSetOptions extends CallOptions {
  /** TTL of the value set. Default 0 (none). */
  readonly ttlSeconds?: number;
  /** Return the checked value (and whether it existed) in the result. */
  readonly returnCheckValue?: boolean;
}

export interface CheckResult {
  /** true when returnCheckValue was asked for. */
  readonly checkValueReturned: boolean;
  readonly checkValueExist: boolean;
  /** The checked record's value when it existed and was asked for, else null. */
  readonly checkValue: Uint8Array | null;
}

export interface CheckAndSetResult extends CheckResult {
  /** false when the check failed and nothing was written. */
  readonly setSucceed: boolean;
}

/** One change of a checkAndMutate, applied with the others atomically if the check passes. */
export type Mutation =
  | { readonly kind: 'set'; readonly sortKey: Bytes; readonly value: Bytes; readonly ttlSeconds?: number }
  | { readonly kind: 'del'; readonly sortKey: Bytes };

export interface CheckAndMutateOptions extends CallOptions {
  readonly returnCheckValue?: boolean;
}

export interface CheckAndMutateResult extends CheckResult {
  readonly mutateSucceed: boolean;
}

export interface CompareExchangeResult {
  readonly setSucceed: boolean;
  /** When the exchange failed: the current value, or null when the record does not exist. */
  readonly actualValue: Uint8Array | null;
}

export interface ScanOptions extends CallOptions {
  /** Records fetched per round trip (the server caps it at 1000). Default 100. timeoutMs applies per batch. */
  readonly batchSize?: number;
  /** Default true. */
  readonly startInclusive?: boolean;
  /** Default false. */
  readonly stopInclusive?: boolean;
  readonly hashKeyFilter?: KeyFilter;
  readonly sortKeyFilter?: KeyFilter;
  /** Return keys with empty values. */
  readonly noValue?: boolean;
}

export interface ScanItem {
  readonly hashKey: Uint8Array;
  readonly sortKey: Uint8Array;
  readonly value: Uint8Array;
}

/** A scanner: iterate it with for await; leaving the loop early releases the server's context. */
export interface Scanner extends AsyncIterable<ScanItem> {
  /** The next batch of items, or null at the end. */
  nextBatch(): Promise<readonly ScanItem[] | null>;
  /** Releases the server's scan context; later calls of nextBatch return null. */
  close(): Promise<void>;
}

export interface FullKey {
  readonly hashKey: Bytes;
  readonly sortKey: Bytes;
}

export interface FullKeyValue extends FullKey {
  readonly value: Bytes;
  readonly ttlSeconds?: number;
}

/** One item's outcome in a batch call: batches are not atomic; each item succeeds or fails alone. */
export type BatchResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: PegasusClientError };
