// The pure core of the client: hashing and routing, retry and fail-over decisions, the error
// type, and the builders that turn API calls into requests and responses into results. No IO,
// no timers, no clock: the runtime (client/runtime) drives it with a Transport.
export * from './api-types.ts';
export * from './bytes.ts';
export * from './check-operations.ts';
export * from './client-error.ts';
export * from './data-operations.ts';
export * from './meta-leader.ts';
export * from './operation.ts';
export * from './partition-hash.ts';
export * from './retry-policy.ts';
export * from './routing-table.ts';
export * from './scan-requests.ts';
export * from './transport.ts';
export * from './validate.ts';
