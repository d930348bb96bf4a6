// The response of every Pegasus data operation, mirroring rrdb.thrift. `error` is the storage
// status (status.ts); every non-ok response also carries `message`, naming what was wrong. The
// fields app_id, partition_index and server are the RPC layer's to fill: a partition does not
// know the address it is served on.

import type { StorageStatus } from './status.ts';
import type { KeyValue } from './requests.ts';

interface Outcome {
  readonly error: StorageStatus;
  /** Present exactly when error is not ok. */
  readonly message?: string;
}

/** put, multi_put and remove. */
export interface UpdateResponse extends Outcome {
  readonly kind: 'update_response';
  readonly decree: bigint;
}

export interface MultiRemoveResponse extends Outcome {
  readonly kind: 'multi_remove_response';
  /** The number of sort keys requested (not the number found), as Pegasus. */
  readonly count: bigint;
  readonly decree: bigint;
}

export interface IncrResponse extends Outcome {
  readonly kind: 'incr_response';
  /** The new value; on overflow, the old value. */
  readonly newValue: bigint;
  readonly decree: bigint;
}

export interface CheckAndSetResponse extends Outcome {
  readonly kind: 'check_and_set_response';
  readonly checkValueReturned: boolean;
  readonly checkValueExist: boolean;
  readonly checkValue: Uint8Array;
  readonly decree: bigint;
}

export interface CheckAndMutateResponse extends Outcome {
  readonly kind: 'check_and_mutate_response';
  readonly checkValueReturned: boolean;
  readonly checkValueExist: boolean;
  readonly checkValue: Uint8Array;
  readonly decree: bigint;
}

export type WriteResponse =
  | UpdateResponse
  | MultiRemoveResponse
  | IncrResponse
  | CheckAndSetResponse
  | CheckAndMutateResponse;

export interface ReadResponse extends Outcome {
  readonly kind: 'read_response';
  readonly value: Uint8Array;
}

export interface MultiGetResponse extends Outcome {
  readonly kind: 'multi_get_response';
  /** key = sort key, ascending (point mode: in request order). */
  readonly kvs: readonly KeyValue[];
}

/** rrdb.thrift full_data. */
export interface FullData {
  readonly hashKey: Uint8Array;
  readonly sortKey: Uint8Array;
  readonly value: Uint8Array;
}

export interface BatchGetResponse extends Outcome {
  readonly kind: 'batch_get_response';
  readonly data: readonly FullData[];
}

export interface CountResponse extends Outcome {
  readonly kind: 'count_response';
  readonly count: bigint;
}

export interface TtlResponse extends Outcome {
  readonly kind: 'ttl_response';
  /** Remaining seconds; -1 = no TTL. Meaningful only when error is ok. */
  readonly ttlSeconds: number;
}

/** scan_response.context_id when the scan is complete. */
export const SCAN_CONTEXT_ID_COMPLETED = -1n;

export interface ScanResponse extends Outcome {
  readonly kind: 'scan_response';
  /** key = composite key. */
  readonly kvs: readonly KeyValue[];
  /** >= 0: more remains, ask with this id (a new one every batch); -1: complete. */
  readonly contextId: bigint;
  /** Set when the scanner was opened with onlyReturnCount. */
  readonly kvCount?: number;
}

export type ReadResponseOf<K extends string> =
  K extends 'get' ? ReadResponse
  : K extends 'multi_get' ? MultiGetResponse
  : K extends 'batch_get' ? BatchGetResponse
  : K extends 'sortkey_count' ? CountResponse
  : K extends 'ttl' ? TtlResponse
  : K extends 'get_scanner' | 'scan' ? ScanResponse
  : never;

export type WriteResponseOf<K extends string> =
  K extends 'put' | 'multi_put' | 'remove' ? UpdateResponse
  : K extends 'multi_remove' ? MultiRemoveResponse
  : K extends 'incr' ? IncrResponse
  : K extends 'check_and_set' ? CheckAndSetResponse
  : K extends 'check_and_mutate' ? CheckAndMutateResponse
  : never;
