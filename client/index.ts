// The transport-agnostic surface of the client SDK, shared by the Node and edge entry points.
export { PegasusClient, type ClientOptions, type ClientRuntimeOptions } from './runtime/client.ts';
export { Table } from './runtime/table.ts';
export { PegasusClientError, type ClientErrorCode, type OperationContext, type StorageErrorName } from './core/client-error.ts';
export { partitionOf, partitionHashOf, partitionIndexOfHash } from './core/partition-hash.ts';
export { TransportError, type Transport, type TransportCallOptions } from './core/transport.ts';
export type { Locator, PartitionRoute } from './core/routing-table.ts';
export type { Bytes } from './core/bytes.ts';
export type * from './core/api-types.ts';
