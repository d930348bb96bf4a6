// The replica host: one partition replica's IO driver (core + RocksDB partition + private log).
export { ReplicaHost, isReplicaDirectory } from './replica-host.ts';
export type { HostedReplicaInfo, ReplicaHostOptions, ReplicaHostOutbox, ReplicaHostTuning } from './replica-host.ts';
export { ReplicaRefusal } from './replica-refusal.ts';
export type { ReplicaRefusalCode } from './replica-refusal.ts';
export { decodeWritePayload, encodeWritePayload, isBatchableWrite, WritePayloadError } from './write-payload.ts';
/** What a replica directory says about itself (gpid, ballot, table), for reopening at start. */
export { readInitInfo } from './init-info.ts';
export type { InitInfo } from './init-info.ts';
