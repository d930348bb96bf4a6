// The MetaStore layout and JSON values of the meta core (Pegasus keeps JSON in ZooKeeper):
//   apps/<app_id>          table info
//   apps/<app_id>/<pidx>   partition configuration
// Ballots and decrees are written as decimal strings so no precision is lost.
import { assert } from '../../../common/assert.ts';
import type { Gpid, NodeId, PartitionConfiguration, TableInfo, TableStatus } from './types.ts';
import { emptyConfiguration } from '../../replication/configuration.ts';

export function tableKey(appId: number): string {
  return `apps/${appId}`;
}

export function partitionKey(gpid: Gpid): string {
  return `apps/${gpid.appId}/${gpid.partitionIndex}`;
}

export type StoredEntry =
  | { readonly kind: 'table'; readonly table: TableInfo }
  | { readonly kind: 'partition'; readonly config: PartitionConfiguration };

/** 'dropping' is never stored: the store holds a table as it was before the drop, or dropped. */
export function encodeTable(table: TableInfo): string {
  assert(table.status !== 'dropping', 'a dropping table is stored as available or dropped');
  assert((table.status === 'dropped') === (table.dropExpireAtMs !== undefined), 'exactly dropped tables have an expiry');
  return JSON.stringify({
    app_id: table.appId,
    app_name: table.name,
    partition_count: table.partitionCount,
    max_replica_count: table.maxReplicaCount,
    status: table.status,
    ...(table.dropExpireAtMs === undefined ? {} : { drop_expire_at_ms: table.dropExpireAtMs }),
  });
}

export function encodePartition(config: PartitionConfiguration): string {
  return JSON.stringify({
    pid: { app_id: config.gpid.appId, partition_index: config.gpid.partitionIndex },
    ballot: config.ballot.toString(),
    max_replica_count: config.maxReplicaCount,
    primary: config.primary,
    secondaries: config.secondaries,
    last_drops: config.lastDrops,
    last_committed_decree: config.lastCommittedDecree.toString(),
  });
}

/** Parses one stored key/value; throws with the key named when the value is malformed. */
export function decodeEntry(key: string, value: string): StoredEntry {
  const parts = key.split('/');
  const fail = (why: string): never => {
    throw new Error(`meta store entry ${key}: ${why}`);
  };
  if (parts[0] !== 'apps' || parts.length < 2 || parts.length > 3) fail('unknown key');
  const json = JSON.parse(value) as Record<string, unknown>;
  const int = (field: string): number => {
    const v = json[field];
    return typeof v === 'number' && Number.isSafeInteger(v) ? v : fail(`${field} is not an integer`);
  };
  const big = (field: string): bigint => {
    const v = json[field];
    return typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : fail(`${field} is not a decimal string`);
  };
  const nodes = (field: string): NodeId[] => {
    const v = json[field];
    return Array.isArray(v) && v.every((n) => typeof n === 'string') ? (v as NodeId[]) : fail(`${field} is not a list of nodes`);
  };
  if (parts.length === 2) {
    if (tableKey(json['app_id'] as number) !== key) fail('app_id does not match the key');
    const status = json['status'];
    if (status !== 'creating' && status !== 'available' && status !== 'dropped') fail('status is unknown');
    const name = json['app_name'];
    if (typeof name !== 'string') fail('app_name is not a string');
    const table: TableInfo = {
      appId: int('app_id'),
      name: name as string,
      partitionCount: int('partition_count'),
      maxReplicaCount: int('max_replica_count'),
      status: status as TableStatus,
    };
    return { kind: 'table', table: status === 'dropped' ? { ...table, dropExpireAtMs: int('drop_expire_at_ms') } : table };
  }
  const pid = json['pid'] as Record<string, unknown> | undefined;
  const appId = pid?.['app_id'];
  const partitionIndex = pid?.['partition_index'];
  if (typeof appId !== 'number' || typeof partitionIndex !== 'number') fail('pid is malformed');
  if (partitionKey({ appId: appId as number, partitionIndex: partitionIndex as number }) !== key) fail('pid does not match the key');
  const primary = json['primary'];
  if (typeof primary !== 'string') fail('primary is not a string');
  return {
    kind: 'partition',
    config: {
      gpid: { appId: appId as number, partitionIndex: partitionIndex as number },
      ballot: big('ballot'),
      maxReplicaCount: int('max_replica_count'),
      primary: primary as string,
      secondaries: nodes('secondaries'),
      lastDrops: nodes('last_drops'),
      lastCommittedDecree: big('last_committed_decree'),
    },
  };
}

/**
 * The store entries of a table that exists already with every partition at ballot 0, for seeding
 * a store (tests, the simulator, bootstrap scripts) without going through create_table.
 */
export function seedTableEntries(table: Omit<TableInfo, 'status'>): [key: string, value: string][] {
  const entries: [string, string][] = [[tableKey(table.appId), encodeTable({ ...table, status: 'available' })]];
  for (let index = 0; index < table.partitionCount; index++) {
    const config = emptyConfiguration({ appId: table.appId, partitionIndex: index }, table.maxReplicaCount);
    entries.push([partitionKey(config.gpid), encodePartition(config)]);
  }
  return entries;
}
