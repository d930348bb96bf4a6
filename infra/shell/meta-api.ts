// The JSON the meta server's HTTP routes answer (the contract the shell and the onebox read), and
// typed calls for each route over MetaHttp.
import type { MetaHttp } from './meta-http.ts';

export interface ClusterInfo {
  readonly cluster: string;
  readonly self: string;
  readonly leader: string;
  readonly metas: readonly string[];
  readonly level: string;
  readonly tables: number;
  readonly nodes: { readonly alive: number; readonly dead: number };
}

export interface NodeInfo {
  readonly address: string;
  readonly alive: boolean;
  readonly primaries: number;
  readonly secondaries: number;
}

export type TableStatus = 'creating' | 'available' | 'dropping' | 'dropped';

export interface TableInfo {
  readonly appId: number;
  readonly name: string;
  readonly status: TableStatus;
  readonly partitionCount: number;
  readonly replicaCount: number;
  readonly dropExpireAtMs?: number;
}

export interface PartitionInfo {
  readonly index: number;
  readonly ballot: number;
  readonly primary: string;
  readonly secondaries: readonly string[];
  readonly lastCommittedDecree: number;
  readonly healthy: boolean;
}

export interface TableConfig extends TableInfo {
  readonly partitions: readonly PartitionInfo[];
}

export const metaApi = {
  cluster: (http: MetaHttp) => http.request<ClusterInfo>('GET', '/v1/cluster'),
  nodes: async (http: MetaHttp) => (await http.request<{ nodes: NodeInfo[] }>('GET', '/v1/nodes')).nodes,
  tables: async (http: MetaHttp) => (await http.request<{ tables: TableInfo[] }>('GET', '/v1/tables')).tables,
  tableConfig: (http: MetaHttp, name: string) => http.request<TableConfig>('GET', `/v1/tables/${encodeURIComponent(name)}/config`),
  createTable: (http: MetaHttp, name: string, partitionCount: number, replicaCount: number) =>
    http.request<{ appId: number }>('POST', '/v1/tables', { name, partitionCount, replicaCount }),
  dropTable: (http: MetaHttp, name: string, reserveSeconds?: number) =>
    http.request<{ appId: number }>('DELETE', `/v1/tables/${encodeURIComponent(name)}${reserveSeconds === undefined ? '' : `?reserveSeconds=${reserveSeconds}`}`),
  recall: (http: MetaHttp, appId: number, newName?: string) =>
    http.request<{ appId: number; name: string }>('POST', '/v1/recall', newName === undefined ? { appId } : { appId, newName }),
  setLevel: (http: MetaHttp, level: string) => http.request<{ level: string; previous: string }>('PUT', '/v1/level', { level }),
};
