// The tables the meta server knows and how one is created, each step persisted before the next:
// the table as 'creating' (version 1), then every partition at ballot 0 (version 0), then the
// table as 'available' (version 2), and only then the client is answered. A restart in between
// resumes from what the store holds (Pegasus server_state create_app).
import { assert } from '../../../common/assert.ts';
import { META_PARTITIONS_PER_TABLE_MAX, META_REPLICA_COUNT_MAX, META_TABLE_NAME_BYTES_MAX, META_TABLES_MAX } from '../../../common/limits.ts';
import { encodePartition, encodeTable, partitionKey, tableKey } from './codec.ts';
import type { CreateTableInput, Gpid, MetaAction, MetaErrorCode, PartitionConfiguration, TableInfo } from './types.ts';
import { emptyConfiguration } from '../../replication/configuration.ts';

export const TABLE_CREATING_VERSION = 1n;
export const TABLE_AVAILABLE_VERSION = 2n;
export const NEW_PARTITION_VERSION = 0n;

interface Creation {
  /** The client's request, answered at the end; undefined when resumed after a restart. */
  readonly requestId: number | undefined;
  /** Partitions whose ballot-0 configuration is not yet persisted. */
  readonly unpersisted: Set<number>;
  partitionsStarted: boolean;
}

export class TableCatalog {
  private readonly tables = new Map<number, TableInfo>();
  private readonly creations = new Map<number, Creation>();
  private nextAppId = 1;

  /** A table read from the store. */
  restore(table: TableInfo): void {
    this.tables.set(table.appId, table);
    this.nextAppId = Math.max(this.nextAppId, table.appId + 1);
  }

  /** After restoring everything: the writes that finish creations a restart interrupted. */
  resume(hasPartition: (gpid: Gpid) => boolean): MetaAction[] {
    const actions: MetaAction[] = [];
    for (const table of this.tables.values()) {
      if (table.status === 'available') continue;
      const creation: Creation = { requestId: undefined, unpersisted: new Set(), partitionsStarted: true };
      for (let index = 0; index < table.partitionCount; index++) {
        if (!hasPartition({ appId: table.appId, partitionIndex: index })) creation.unpersisted.add(index);
      }
      this.creations.set(table.appId, creation);
      actions.push(...nextWrites(table, creation));
    }
    return actions;
  }

  get(appId: number): TableInfo | undefined {
    return this.tables.get(appId);
  }

  byName(name: string): TableInfo | undefined {
    for (const table of this.tables.values()) if (table.name === name) return table;
    return undefined;
  }

  isCreating(appId: number): boolean {
    return this.creations.has(appId);
  }

  /** Validates a create_table request and starts it, or refuses it with a reason. */
  create(input: CreateTableInput): MetaAction[] {
    const refuse = (error: MetaErrorCode, reason: string): MetaAction[] => [
      { kind: 'create_table_reply', requestId: input.requestId, error, reason, appId: 0 },
    ];
    const nameBytes = new TextEncoder().encode(input.name).length;
    if (nameBytes === 0 || nameBytes > META_TABLE_NAME_BYTES_MAX) {
      return refuse('ERR_INVALID_PARAMETERS', `table name must have 1..${META_TABLE_NAME_BYTES_MAX} bytes`);
    }
    const count = input.partitionCount;
    if (!Number.isInteger(count) || count < 1 || count > META_PARTITIONS_PER_TABLE_MAX || (count & (count - 1)) !== 0) {
      return refuse('ERR_INVALID_PARAMETERS', `partition count ${count} is not a power of two within 1..${META_PARTITIONS_PER_TABLE_MAX}`);
    }
    const replicas = input.maxReplicaCount;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > META_REPLICA_COUNT_MAX) {
      return refuse('ERR_INVALID_PARAMETERS', `replica count ${replicas} is not within 1..${META_REPLICA_COUNT_MAX}`);
    }
    if (this.byName(input.name) !== undefined) return refuse('ERR_APP_EXIST', `table ${input.name} exists`);
    if (this.tables.size >= META_TABLES_MAX) return refuse('ERR_INVALID_PARAMETERS', `at most ${META_TABLES_MAX} tables`);
    const table: TableInfo = { appId: this.nextAppId++, name: input.name, partitionCount: count, maxReplicaCount: replicas, status: 'creating' };
    this.tables.set(table.appId, table);
    this.creations.set(table.appId, { requestId: input.requestId, unpersisted: new Set(), partitionsStarted: false });
    return [{ kind: 'persist', key: tableKey(table.appId), value: encodeTable(table), version: TABLE_CREATING_VERSION }];
  }

  /** The table key was persisted at `version`. `available` is set once the table may be used. */
  onTablePersisted(appId: number, version: bigint): { actions: MetaAction[]; available: TableInfo | undefined } {
    const table = this.tables.get(appId);
    const creation = this.creations.get(appId);
    if (table === undefined || creation === undefined) return { actions: [], available: undefined };
    if (version === TABLE_CREATING_VERSION && !creation.partitionsStarted) {
      creation.partitionsStarted = true;
      for (let index = 0; index < table.partitionCount; index++) creation.unpersisted.add(index);
      return { actions: nextWrites(table, creation), available: undefined };
    }
    if (version !== TABLE_AVAILABLE_VERSION || creation.unpersisted.size > 0) return { actions: [], available: undefined };
    const available: TableInfo = { ...table, status: 'available' };
    this.tables.set(appId, available);
    this.creations.delete(appId);
    const actions: MetaAction[] = creation.requestId === undefined
      ? []
      : [{ kind: 'create_table_reply', requestId: creation.requestId, error: 'ERR_OK', reason: '', appId }];
    return { actions, available };
  }

  /**
   * A new partition's ballot-0 configuration was persisted: returns it for the caller to start
   * tracking (undefined for a duplicate), and the table's final write once all are persisted.
   */
  onPartitionPersisted(gpid: Gpid): { config: PartitionConfiguration | undefined; actions: MetaAction[] } {
    const creation = this.creations.get(gpid.appId);
    const table = this.tables.get(gpid.appId);
    assert(creation !== undefined && table !== undefined, 'only partitions of a table being created are persisted at version 0');
    if (!creation.unpersisted.delete(gpid.partitionIndex)) return { config: undefined, actions: [] };
    const config = emptyConfiguration(gpid, table.maxReplicaCount);
    return { config, actions: creation.unpersisted.size === 0 ? nextWrites(table, creation) : [] };
  }
}

/** The partitions still to write, or the table's 'available' record once there are none. */
function nextWrites(table: TableInfo, creation: Creation): MetaAction[] {
  if (creation.unpersisted.size === 0) {
    return [{ kind: 'persist', key: tableKey(table.appId), value: encodeTable({ ...table, status: 'available' }), version: TABLE_AVAILABLE_VERSION }];
  }
  return [...creation.unpersisted].map((index) => {
    const config = emptyConfiguration({ appId: table.appId, partitionIndex: index }, table.maxReplicaCount);
    return { kind: 'persist', key: partitionKey(config.gpid), value: encodePartition(config), version: NEW_PARTITION_VERSION };
  });
}
