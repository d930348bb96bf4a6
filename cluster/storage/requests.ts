// The request of every Pegasus data operation, mirroring rrdb.thrift field for field (camelCase
// names, Uint8Array blobs, bigint for i64) so the RPC layer maps thrift structs onto them 1:1.
// Enum-typed thrift fields stay plain numbers here, because the wire can carry any i32 and an
// unknown value must be answered with kInvalidArgument, not lost in decoding.

/** rrdb.thrift filter_type. */
export const FilterType = {
  noFilter: 0,
  matchAnywhere: 1,
  matchPrefix: 2,
  matchPostfix: 3,
} as const;
export type FilterType = (typeof FilterType)[keyof typeof FilterType];

/** rrdb.thrift cas_check_type: 0..17. */
export const CasCheckType = {
  noCheck: 0,
  valueNotExist: 1,
  valueNotExistOrEmpty: 2,
  valueExist: 3,
  valueNotEmpty: 4,
  valueMatchAnywhere: 5,
  valueMatchPrefix: 6,
  valueMatchPostfix: 7,
  valueBytesLess: 8,
  valueBytesLessOrEqual: 9,
  valueBytesEqual: 10,
  valueBytesGreaterOrEqual: 11,
  valueBytesGreater: 12,
  valueIntLess: 13,
  valueIntLessOrEqual: 14,
  valueIntEqual: 15,
  valueIntGreaterOrEqual: 16,
  valueIntGreater: 17,
} as const;
export type CasCheckType = (typeof CasCheckType)[keyof typeof CasCheckType];

/** rrdb.thrift mutate_operation. */
export const MutateOperation = { put: 0, delete: 1 } as const;
export type MutateOperation = (typeof MutateOperation)[keyof typeof MutateOperation];

/** rrdb.thrift key_value. In multi_put the key is a sort key; in scan results a composite key. */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly expireTsSeconds?: number;
}

// --- writes (replicated: they go through a mutation) ---

/** put(update_request). key is the composite key; expire_ts is absolute, 2016 epoch, 0 = none. */
export interface PutRequest {
  readonly kind: 'put';
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  readonly expireTsSeconds: number;
}

export interface MultiPutRequest {
  readonly kind: 'multi_put';
  readonly hashKey: Uint8Array;
  /** key = sort key. */
  readonly kvs: readonly KeyValue[];
  readonly expireTsSeconds: number;
}

/** remove(blob key): the composite key. */
export interface RemoveRequest {
  readonly kind: 'remove';
  readonly key: Uint8Array;
}

export interface MultiRemoveRequest {
  readonly kind: 'multi_remove';
  readonly hashKey: Uint8Array;
  readonly sortKeys: readonly Uint8Array[];
  /** Deprecated in Pegasus and ignored. */
  readonly maxCount?: bigint;
}

export interface IncrRequest {
  readonly kind: 'incr';
  readonly key: Uint8Array;
  readonly increment: bigint;
  /** 0 keeps the old TTL (a new key gets none), > 0 sets this absolute expiry, < 0 removes it. */
  readonly expireTsSeconds: number;
}

export interface CheckAndSetRequest {
  readonly kind: 'check_and_set';
  readonly hashKey: Uint8Array;
  readonly checkSortKey: Uint8Array;
  readonly checkType: number;
  readonly checkOperand: Uint8Array;
  readonly setDiffSortKey: boolean;
  /** Used only when setDiffSortKey. */
  readonly setSortKey: Uint8Array;
  readonly setValue: Uint8Array;
  readonly setExpireTsSeconds: number;
  readonly returnCheckValue: boolean;
}

/** rrdb.thrift mutate. */
export interface Mutate {
  readonly operation: number;
  readonly sortKey: Uint8Array;
  readonly value: Uint8Array;
  readonly setExpireTsSeconds: number;
}

export interface CheckAndMutateRequest {
  readonly kind: 'check_and_mutate';
  readonly hashKey: Uint8Array;
  readonly checkSortKey: Uint8Array;
  readonly checkType: number;
  readonly checkOperand: Uint8Array;
  readonly mutateList: readonly Mutate[];
  readonly returnCheckValue: boolean;
}

export type WriteRequest =
  | PutRequest
  | MultiPutRequest
  | RemoveRequest
  | MultiRemoveRequest
  | IncrRequest
  | CheckAndSetRequest
  | CheckAndMutateRequest;

/** Read-modify-write requests: each is alone in its mutation (Pegasus never batches them). */
export type AtomicWriteRequest = IncrRequest | CheckAndSetRequest | CheckAndMutateRequest;

export function isAtomicWriteRequest(request: WriteRequest): request is AtomicWriteRequest {
  return request.kind === 'incr' || request.kind === 'check_and_set' || request.kind === 'check_and_mutate';
}

// --- reads (served by the primary from its engine) ---

/** get(blob key): the composite key. */
export interface GetRequest {
  readonly kind: 'get';
  readonly key: Uint8Array;
}

export interface MultiGetRequest {
  readonly kind: 'multi_get';
  readonly hashKey: Uint8Array;
  /** Non-empty: point mode (only these sort keys). Empty: range mode. */
  readonly sortKeys: readonly Uint8Array[];
  /** <= 0 means the server cap. */
  readonly maxKvCount: number;
  /** <= 0 means no limit beyond the server cap. */
  readonly maxKvSize: number;
  readonly noValue: boolean;
  readonly startSortkey: Uint8Array;
  /** Empty means to the end of the hash key. */
  readonly stopSortkey: Uint8Array;
  readonly startInclusive: boolean;
  readonly stopInclusive: boolean;
  readonly sortKeyFilterType: number;
  readonly sortKeyFilterPattern: Uint8Array;
  readonly reverse: boolean;
}

/** rrdb.thrift full_key. */
export interface FullKey {
  readonly hashKey: Uint8Array;
  readonly sortKey: Uint8Array;
}

export interface BatchGetRequest {
  readonly kind: 'batch_get';
  readonly keys: readonly FullKey[];
}

/** sortkey_count(blob hash_key). */
export interface SortkeyCountRequest {
  readonly kind: 'sortkey_count';
  readonly hashKey: Uint8Array;
}

/** ttl(blob key): the composite key. */
export interface TtlRequest {
  readonly kind: 'ttl';
  readonly key: Uint8Array;
}

export interface GetScannerRequest {
  readonly kind: 'get_scanner';
  /** Composite keys. */
  readonly startKey: Uint8Array;
  readonly stopKey: Uint8Array;
  readonly startInclusive: boolean;
  readonly stopInclusive: boolean;
  /** <= 0 or above the server cap means the cap (SCAN_BATCH_COUNT_MAX). */
  readonly batchSize: number;
  readonly noValue: boolean;
  readonly hashKeyFilterType: number;
  readonly hashKeyFilterPattern: Uint8Array;
  readonly sortKeyFilterType: number;
  readonly sortKeyFilterPattern: Uint8Array;
  /** Optional in thrift; the server's default is true. */
  readonly validatePartitionHash?: boolean;
  readonly returnExpireTs?: boolean;
  /** Accepted for wire compatibility; it only tunes RocksDB's prefix seek in Pegasus. */
  readonly fullScan?: boolean;
  readonly onlyReturnCount?: boolean;
}

export interface ScanRequest {
  readonly kind: 'scan';
  readonly contextId: bigint;
}

/** clear_scanner(i64 context_id): one-way, never answered. */
export interface ClearScannerRequest {
  readonly kind: 'clear_scanner';
  readonly contextId: bigint;
}

export type ReadRequest =
  | GetRequest
  | MultiGetRequest
  | BatchGetRequest
  | SortkeyCountRequest
  | TtlRequest
  | GetScannerRequest
  | ScanRequest;

export type DataRequest = WriteRequest | ReadRequest | ClearScannerRequest;
