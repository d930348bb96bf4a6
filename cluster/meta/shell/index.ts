// The meta server shell: process-level driver of the meta core (store, election, RPC, HTTP, metrics).
export { MetaServer, type MetaServerOptions, type MetaServerView } from './meta-server.ts';
export { MetaTerm, appSummary, type DdlAnswer, type DdlRequest } from './meta-term.ts';
export { MetaMetrics, partitionHealth, type PartitionHealth } from './metrics.ts';
