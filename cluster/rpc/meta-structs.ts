// The structs of idl/dsn.layer2.thrift and idl/meta_admin.thrift that clients use with the meta
// server: the routing query, and create/drop/list tables for the Java admin client. Field ids as in
// the IDL. partition_configuration leaves out the optional host_port fields 9-11: older clients
// cannot skip them (a "struct" that is really a bare string), and every client reads the i64 form.

import type { ErrorName } from './error-code.ts';
import { defineStruct, t, type Gpid, type RpcAddress } from './thrift-types.ts';

/** dsn.layer2.thrift app_status. */
export const AppStatus = {
  invalid: 0,
  available: 1,
  creating: 2,
  createFailed: 3,
  dropping: 4,
  dropFailed: 5,
  dropped: 6,
  recalling: 7,
} as const;
export type AppStatus = (typeof AppStatus)[keyof typeof AppStatus];

export interface PartitionConfiguration {
  readonly pid: Gpid;
  readonly ballot: bigint;
  readonly maxReplicaCount: number;
  readonly primary: RpcAddress;
  readonly secondaries: readonly RpcAddress[];
  readonly lastDrops: readonly RpcAddress[];
  readonly lastCommittedDecree: bigint;
  readonly partitionFlags: number;
}

export const partitionConfigurationSchema = defineStruct<PartitionConfiguration>('partition_configuration', [
  { id: 1, name: 'pid', type: t.gpid },
  { id: 2, name: 'ballot', type: t.i64 },
  { id: 3, name: 'maxReplicaCount', type: t.i32 },
  { id: 4, name: 'primary', type: t.rpcAddress },
  { id: 5, name: 'secondaries', type: t.list(t.rpcAddress) },
  { id: 6, name: 'lastDrops', type: t.list(t.rpcAddress) },
  { id: 7, name: 'lastCommittedDecree', type: t.i64 },
  { id: 8, name: 'partitionFlags', type: t.i32 },
]);

export interface QueryCfgRequest {
  readonly appName: string;
  /** Empty means every partition. */
  readonly partitionIndices: readonly number[];
}

export const queryCfgRequestSchema = defineStruct<QueryCfgRequest>('query_cfg_request', [
  { id: 1, name: 'appName', type: t.string },
  { id: 2, name: 'partitionIndices', type: t.list(t.i32) },
]);

export interface QueryCfgResponse {
  readonly err: ErrorName;
  readonly appId: number;
  readonly partitionCount: number;
  readonly isStateful: boolean;
  readonly partitions: readonly PartitionConfiguration[];
}

export const queryCfgResponseSchema = defineStruct<QueryCfgResponse>('query_cfg_response', [
  { id: 1, name: 'err', type: t.errorCode },
  { id: 2, name: 'appId', type: t.i32 },
  { id: 3, name: 'partitionCount', type: t.i32 },
  { id: 4, name: 'isStateful', type: t.bool },
  { id: 5, name: 'partitions', type: t.list(t.struct(partitionConfigurationSchema)) },
]);

/** dsn.layer2.thrift request_meta, the same as thrift_request_meta_v1 of a THFT v1 header. */
export interface RequestMeta {
  readonly appId: number;
  readonly partitionIndex: number;
  readonly clientTimeout: number;
  readonly partitionHash: bigint;
  readonly isBackupRequest: boolean;
}

export const requestMetaSchema = defineStruct<RequestMeta>('request_meta', [
  { id: 1, name: 'appId', type: t.i32 },
  { id: 2, name: 'partitionIndex', type: t.i32 },
  { id: 3, name: 'clientTimeout', type: t.i32 },
  { id: 4, name: 'partitionHash', type: t.i64 },
  { id: 5, name: 'isBackupRequest', type: t.bool },
]);

export interface AppInfo {
  readonly status: number;
  readonly appType: string;
  readonly appName: string;
  readonly appId: number;
  readonly partitionCount: number;
  readonly envs: ReadonlyMap<string, string>;
  readonly isStateful: boolean;
  readonly maxReplicaCount: number;
  readonly expireSecond: bigint;
  readonly createSecond: bigint;
  readonly dropSecond: bigint;
  readonly duplicating?: boolean;
  readonly initPartitionCount: number;
  readonly isBulkLoading?: boolean;
  readonly atomicIdempotent?: boolean;
}

export const appInfoSchema = defineStruct<AppInfo>('app_info', [
  { id: 1, name: 'status', type: t.i32 },
  { id: 2, name: 'appType', type: t.string },
  { id: 3, name: 'appName', type: t.string },
  { id: 4, name: 'appId', type: t.i32 },
  { id: 5, name: 'partitionCount', type: t.i32 },
  { id: 6, name: 'envs', type: t.map(t.string, t.string) },
  { id: 7, name: 'isStateful', type: t.bool },
  { id: 8, name: 'maxReplicaCount', type: t.i32 },
  { id: 9, name: 'expireSecond', type: t.i64 },
  { id: 10, name: 'createSecond', type: t.i64 },
  { id: 11, name: 'dropSecond', type: t.i64 },
  { id: 12, name: 'duplicating', type: t.bool, optional: true },
  { id: 13, name: 'initPartitionCount', type: t.i32 },
  { id: 14, name: 'isBulkLoading', type: t.bool, optional: true },
  { id: 15, name: 'atomicIdempotent', type: t.bool, optional: true },
]);

export interface CreateAppOptions {
  readonly partitionCount: number;
  readonly replicaCount: number;
  readonly successIfExist: boolean;
  readonly appType: string;
  readonly isStateful: boolean;
  readonly envs: ReadonlyMap<string, string>;
  readonly atomicIdempotent?: boolean;
}

export const createAppOptionsSchema = defineStruct<CreateAppOptions>('create_app_options', [
  { id: 1, name: 'partitionCount', type: t.i32 },
  { id: 2, name: 'replicaCount', type: t.i32 },
  { id: 3, name: 'successIfExist', type: t.bool },
  { id: 4, name: 'appType', type: t.string },
  { id: 5, name: 'isStateful', type: t.bool },
  { id: 6, name: 'envs', type: t.map(t.string, t.string) },
  { id: 7, name: 'atomicIdempotent', type: t.bool, optional: true },
]);

export interface CreateAppRequest {
  readonly appName: string;
  readonly options: CreateAppOptions;
}

export const createAppRequestSchema = defineStruct<CreateAppRequest>('configuration_create_app_request', [
  { id: 1, name: 'appName', type: t.string },
  { id: 2, name: 'options', type: t.struct(createAppOptionsSchema) },
]);

export interface CreateAppResponse {
  readonly err: ErrorName;
  readonly appid: number;
}

export const createAppResponseSchema = defineStruct<CreateAppResponse>('configuration_create_app_response', [
  { id: 1, name: 'err', type: t.errorCode },
  { id: 2, name: 'appid', type: t.i32 },
]);

export interface DropAppOptions {
  readonly successIfNotExist: boolean;
  readonly reserveSeconds?: bigint;
}

export const dropAppOptionsSchema = defineStruct<DropAppOptions>('drop_app_options', [
  { id: 1, name: 'successIfNotExist', type: t.bool },
  { id: 2, name: 'reserveSeconds', type: t.i64, optional: true },
]);

export interface DropAppRequest {
  readonly appName: string;
  readonly options: DropAppOptions;
}

export const dropAppRequestSchema = defineStruct<DropAppRequest>('configuration_drop_app_request', [
  { id: 1, name: 'appName', type: t.string },
  { id: 2, name: 'options', type: t.struct(dropAppOptionsSchema) },
]);

export interface DropAppResponse {
  readonly err: ErrorName;
}

export const dropAppResponseSchema = defineStruct<DropAppResponse>('configuration_drop_app_response', [
  { id: 1, name: 'err', type: t.errorCode },
]);

export interface ListAppsRequest {
  /** AppStatus; invalid (0) lists every status. */
  readonly status: number;
  readonly appNamePattern?: string;
  /** utils.pattern_match_type. */
  readonly matchType?: number;
}

export const listAppsRequestSchema = defineStruct<ListAppsRequest>('configuration_list_apps_request', [
  { id: 1, name: 'status', type: t.i32 },
  { id: 2, name: 'appNamePattern', type: t.string, optional: true },
  { id: 3, name: 'matchType', type: t.i32, optional: true },
]);

export interface ListAppsResponse {
  readonly err: ErrorName;
  readonly infos: readonly AppInfo[];
  readonly hintMessage?: string;
}

export const listAppsResponseSchema = defineStruct<ListAppsResponse>('configuration_list_apps_response', [
  { id: 1, name: 'err', type: t.errorCode },
  { id: 2, name: 'infos', type: t.list(t.struct(appInfoSchema)) },
  { id: 3, name: 'hintMessage', type: t.string, optional: true },
]);
