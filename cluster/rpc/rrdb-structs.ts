// The structs of idl/rrdb.thrift that clients use, with their field ids (reference/pegasus-api.md
// section 4.8). Requests decode straight into the storage layer's request objects (requests.ts),
// with its `kind` stamped on; responses encode straight from its response objects (responses.ts)
// plus the three fields the RPC layer fills in (ReplicaStamp). Enum-typed fields are plain i32.

import type {
  BatchGetRequest, CheckAndMutateRequest, CheckAndSetRequest, FullKey, GetScannerRequest, IncrRequest,
  KeyValue, MultiGetRequest, MultiPutRequest, MultiRemoveRequest, Mutate, PutRequest, ScanRequest,
} from '../storage/requests.ts';
import type {
  BatchGetResponse, CheckAndMutateResponse, CheckAndSetResponse, CountResponse, FullData, IncrResponse,
  MultiGetResponse, MultiRemoveResponse, ReadResponse, ScanResponse, TtlResponse, UpdateResponse,
} from '../storage/responses.ts';
import type { StorageStatus } from '../storage/status.ts';
import { defineStruct, t, type ValueType } from './thrift-types.ts';

/** The fields every rrdb response carries besides the storage outcome. */
export interface ReplicaStamp {
  readonly appId: number;
  readonly partitionIndex: number;
  /** The replica server's address as text, "ip:port". */
  readonly server: string;
}

/**
 * A response as it travels: the storage response plus the stamp. `message` is not on the wire.
 * A decoded `error` is whatever i32 the server sent, which may lie outside StorageStatus.
 */
export type Stamped<R> = R & ReplicaStamp;

/** update_request: a put, with the optional server-internal fields of idempotent atomic writes. */
export type UpdateRequest = PutRequest & {
  readonly type?: number;
  readonly checkValueReturned?: boolean;
  readonly checkValueExist?: boolean;
  readonly checkValue?: Uint8Array;
};

const status = t.i32 as ValueType<unknown> as ValueType<StorageStatus>;

export const keyValueSchema = defineStruct<KeyValue>('key_value', [
  { id: 1, name: 'key', type: t.blob },
  { id: 2, name: 'value', type: t.blob },
  { id: 3, name: 'expireTsSeconds', type: t.i32, optional: true },
]);
const keyValueList = t.list(t.struct(keyValueSchema));

export const updateRequestSchema = defineStruct<UpdateRequest>('update_request', [
  { id: 1, name: 'key', type: t.blob },
  { id: 2, name: 'value', type: t.blob },
  { id: 3, name: 'expireTsSeconds', type: t.i32 },
  { id: 4, name: 'type', type: t.i32, optional: true },
  { id: 5, name: 'checkValueReturned', type: t.bool, optional: true },
  { id: 6, name: 'checkValueExist', type: t.bool, optional: true },
  { id: 7, name: 'checkValue', type: t.blob, optional: true },
], { kind: 'put' });

export const updateResponseSchema = defineStruct<Stamped<UpdateResponse>>('update_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'appId', type: t.i32 },
  { id: 3, name: 'partitionIndex', type: t.i32 },
  { id: 4, name: 'decree', type: t.i64 },
  { id: 5, name: 'server', type: t.string },
], { kind: 'update_response' });

export const readResponseSchema = defineStruct<Stamped<ReadResponse>>('read_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'value', type: t.blob },
  { id: 3, name: 'appId', type: t.i32 },
  { id: 4, name: 'partitionIndex', type: t.i32 },
  { id: 6, name: 'server', type: t.string },
], { kind: 'read_response' });

export const ttlResponseSchema = defineStruct<Stamped<TtlResponse>>('ttl_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'ttlSeconds', type: t.i32 },
  { id: 3, name: 'appId', type: t.i32 },
  { id: 4, name: 'partitionIndex', type: t.i32 },
  { id: 6, name: 'server', type: t.string },
], { kind: 'ttl_response' });

export const countResponseSchema = defineStruct<Stamped<CountResponse>>('count_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'count', type: t.i64 },
  { id: 3, name: 'appId', type: t.i32 },
  { id: 4, name: 'partitionIndex', type: t.i32 },
  { id: 6, name: 'server', type: t.string },
], { kind: 'count_response' });

export const multiPutRequestSchema = defineStruct<MultiPutRequest>('multi_put_request', [
  { id: 1, name: 'hashKey', type: t.blob },
  { id: 2, name: 'kvs', type: keyValueList },
  { id: 3, name: 'expireTsSeconds', type: t.i32 },
], { kind: 'multi_put' });

export const multiRemoveRequestSchema = defineStruct<MultiRemoveRequest>('multi_remove_request', [
  { id: 1, name: 'hashKey', type: t.blob },
  { id: 2, name: 'sortKeys', type: t.list(t.blob) },
  { id: 3, name: 'maxCount', type: t.i64 },
], { kind: 'multi_remove' });

export const multiRemoveResponseSchema = defineStruct<Stamped<MultiRemoveResponse>>('multi_remove_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'count', type: t.i64 },
  { id: 3, name: 'appId', type: t.i32 },
  { id: 4, name: 'partitionIndex', type: t.i32 },
  { id: 5, name: 'decree', type: t.i64 },
  { id: 6, name: 'server', type: t.string },
], { kind: 'multi_remove_response' });

export const multiGetRequestSchema = defineStruct<MultiGetRequest>('multi_get_request', [
  { id: 1, name: 'hashKey', type: t.blob },
  { id: 2, name: 'sortKeys', type: t.list(t.blob) },
  { id: 3, name: 'maxKvCount', type: t.i32 },
  { id: 4, name: 'maxKvSize', type: t.i32 },
  { id: 5, name: 'noValue', type: t.bool },
  { id: 6, name: 'startSortkey', type: t.blob },
  { id: 7, name: 'stopSortkey', type: t.blob },
  { id: 8, name: 'startInclusive', type: t.bool },
  { id: 9, name: 'stopInclusive', type: t.bool },
  { id: 10, name: 'sortKeyFilterType', type: t.i32 },
  { id: 11, name: 'sortKeyFilterPattern', type: t.blob },
  { id: 12, name: 'reverse', type: t.bool },
], { kind: 'multi_get' });

export const multiGetResponseSchema = defineStruct<Stamped<MultiGetResponse>>('multi_get_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'kvs', type: keyValueList },
  { id: 3, name: 'appId', type: t.i32 },
  { id: 4, name: 'partitionIndex', type: t.i32 },
  { id: 6, name: 'server', type: t.string },
], { kind: 'multi_get_response' });

export const fullKeySchema = defineStruct<FullKey>('full_key', [
  { id: 1, name: 'hashKey', type: t.blob },
  { id: 2, name: 'sortKey', type: t.blob },
]);

export const batchGetRequestSchema = defineStruct<BatchGetRequest>('batch_get_request', [
  { id: 1, name: 'keys', type: t.list(t.struct(fullKeySchema)) },
], { kind: 'batch_get' });

export const fullDataSchema = defineStruct<FullData>('full_data', [
  { id: 1, name: 'hashKey', type: t.blob },
  { id: 2, name: 'sortKey', type: t.blob },
  { id: 3, name: 'value', type: t.blob },
]);

export const batchGetResponseSchema = defineStruct<Stamped<BatchGetResponse>>('batch_get_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'data', type: t.list(t.struct(fullDataSchema)) },
  { id: 3, name: 'appId', type: t.i32 },
  { id: 4, name: 'partitionIndex', type: t.i32 },
  { id: 6, name: 'server', type: t.string },
], { kind: 'batch_get_response' });

export const incrRequestSchema = defineStruct<IncrRequest>('incr_request', [
  { id: 1, name: 'key', type: t.blob },
  { id: 2, name: 'increment', type: t.i64 },
  { id: 3, name: 'expireTsSeconds', type: t.i32 },
], { kind: 'incr' });

export const incrResponseSchema = defineStruct<Stamped<IncrResponse>>('incr_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'newValue', type: t.i64 },
  { id: 3, name: 'appId', type: t.i32 },
  { id: 4, name: 'partitionIndex', type: t.i32 },
  { id: 5, name: 'decree', type: t.i64 },
  { id: 6, name: 'server', type: t.string },
], { kind: 'incr_response' });

export const checkAndSetRequestSchema = defineStruct<CheckAndSetRequest>('check_and_set_request', [
  { id: 1, name: 'hashKey', type: t.blob },
  { id: 2, name: 'checkSortKey', type: t.blob },
  { id: 3, name: 'checkType', type: t.i32 },
  { id: 4, name: 'checkOperand', type: t.blob },
  { id: 5, name: 'setDiffSortKey', type: t.bool },
  { id: 6, name: 'setSortKey', type: t.blob },
  { id: 7, name: 'setValue', type: t.blob },
  { id: 8, name: 'setExpireTsSeconds', type: t.i32 },
  { id: 9, name: 'returnCheckValue', type: t.bool },
], { kind: 'check_and_set' });

export const checkAndSetResponseSchema = defineStruct<Stamped<CheckAndSetResponse>>('check_and_set_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'checkValueReturned', type: t.bool },
  { id: 3, name: 'checkValueExist', type: t.bool },
  { id: 4, name: 'checkValue', type: t.blob },
  { id: 5, name: 'appId', type: t.i32 },
  { id: 6, name: 'partitionIndex', type: t.i32 },
  { id: 7, name: 'decree', type: t.i64 },
  { id: 8, name: 'server', type: t.string },
], { kind: 'check_and_set_response' });

export const mutateSchema = defineStruct<Mutate>('mutate', [
  { id: 1, name: 'operation', type: t.i32 },
  { id: 2, name: 'sortKey', type: t.blob },
  { id: 3, name: 'value', type: t.blob },
  { id: 4, name: 'setExpireTsSeconds', type: t.i32 },
]);

export const checkAndMutateRequestSchema = defineStruct<CheckAndMutateRequest>('check_and_mutate_request', [
  { id: 1, name: 'hashKey', type: t.blob },
  { id: 2, name: 'checkSortKey', type: t.blob },
  { id: 3, name: 'checkType', type: t.i32 },
  { id: 4, name: 'checkOperand', type: t.blob },
  { id: 5, name: 'mutateList', type: t.list(t.struct(mutateSchema)) },
  { id: 6, name: 'returnCheckValue', type: t.bool },
], { kind: 'check_and_mutate' });

export const checkAndMutateResponseSchema = defineStruct<Stamped<CheckAndMutateResponse>>('check_and_mutate_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'checkValueReturned', type: t.bool },
  { id: 3, name: 'checkValueExist', type: t.bool },
  { id: 4, name: 'checkValue', type: t.blob },
  { id: 5, name: 'appId', type: t.i32 },
  { id: 6, name: 'partitionIndex', type: t.i32 },
  { id: 7, name: 'decree', type: t.i64 },
  { id: 8, name: 'server', type: t.string },
], { kind: 'check_and_mutate_response' });

export const getScannerRequestSchema = defineStruct<GetScannerRequest>('get_scanner_request', [
  { id: 1, name: 'startKey', type: t.blob },
  { id: 2, name: 'stopKey', type: t.blob },
  { id: 3, name: 'startInclusive', type: t.bool },
  { id: 4, name: 'stopInclusive', type: t.bool },
  { id: 5, name: 'batchSize', type: t.i32 },
  { id: 6, name: 'noValue', type: t.bool },
  { id: 7, name: 'hashKeyFilterType', type: t.i32 },
  { id: 8, name: 'hashKeyFilterPattern', type: t.blob },
  { id: 9, name: 'sortKeyFilterType', type: t.i32 },
  { id: 10, name: 'sortKeyFilterPattern', type: t.blob },
  { id: 11, name: 'validatePartitionHash', type: t.bool, optional: true },
  { id: 12, name: 'returnExpireTs', type: t.bool, optional: true },
  { id: 13, name: 'fullScan', type: t.bool, optional: true },
  { id: 14, name: 'onlyReturnCount', type: t.bool, optional: true },
], { kind: 'get_scanner' });

export const scanRequestSchema = defineStruct<ScanRequest>('scan_request', [
  { id: 1, name: 'contextId', type: t.i64 },
], { kind: 'scan' });

export const scanResponseSchema = defineStruct<Stamped<ScanResponse>>('scan_response', [
  { id: 1, name: 'error', type: status },
  { id: 2, name: 'kvs', type: keyValueList },
  { id: 3, name: 'contextId', type: t.i64 },
  { id: 4, name: 'appId', type: t.i32 },
  { id: 5, name: 'partitionIndex', type: t.i32 },
  { id: 6, name: 'server', type: t.string },
  { id: 7, name: 'kvCount', type: t.i32, optional: true },
], { kind: 'scan_response' });
