// The meta server's pure core: failure detection, configuration changes, guardian, balancer.
export * from './types.ts';
export * from './options.ts';
export { WorkerLease, type BeaconAck, type WorkerOutput } from './worker-lease.ts';
export { MasterLiveness, type LivenessChange } from './master-liveness.ts';
export { applyChange, checkRequester, judgeRequest, maintainDrops, members, isMember } from './config-change.ts';
export { cure, type ClusterView, type GuardianDecision, type PartitionView } from './guardian.ts';
export { decideDdd, type DddDecision } from './ddd.ts';
export { planPrimaryMoves, type PrimaryMove } from './balancer.ts';
export { effectiveLevel, levelAllows, type MetaActivity } from './levels.ts';
export { decodeEntry, encodePartition, encodeTable, partitionKey, seedTableEntries, tableKey, type StoredEntry } from './codec.ts';
export { MetaCore, type PartitionStatus } from './meta-core.ts';
export { TableCatalog, type TablePersisted, type TableRoute } from './table-catalog.ts';
