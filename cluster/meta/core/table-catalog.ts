// The tables the meta server knows and their DDL, each step persisted before it takes effect.
// Create: the table as 'creating' (version 1), then every partition at ballot 0 (version 0), then
// the table as 'available' (version 2), and only then the client is answered; a restart in between
// resumes from what the store holds (Pegasus server_state create_app). Drop: 'dropping' in memory
// while the table is written as 'dropped' with its expiry; recall: written back as 'available'
// (possibly renamed). Each drop or recall write has its own version from 3 up. Partition
// configurations are left as they are, so a recalled table's members reopen where they stopped.
import { assert } from '../../../common/assert.ts';
import { META_DROP_RESERVE_MS_MAX, META_PARTITIONS_PER_TABLE_MAX, META_REPLICA_COUNT_MAX, META_TABLE_NAME_BYTES_MAX, META_TABLES_MAX } from '../../../common/limits.ts';
import { encodePartition, encodeTable, partitionKey, tableKey } from './codec.ts';
import type {
  CreateTableInput, DropTableInput, Gpid, MetaAction, MetaErrorCode, PartitionConfiguration, RecallTableInput, TableInfo,
} from './types.ts';
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

/** A drop or recall written to the store and not yet in effect. */
interface PendingDdl {
  readonly kind: 'drop' | 'recall';
  readonly requestId: number;
  readonly version: bigint;
  /** The table as it will be once persisted. */
  readonly next: TableInfo;
}

/** How a routing query for a table name is answered. */
export type TableRoute =
  | { readonly error: 'ERR_OK'; readonly table: TableInfo }
  | { readonly error: 'ERR_OBJECT_NOT_FOUND' | 'ERR_BUSY_CREATING' | 'ERR_BUSY_DROPPING'; readonly table: TableInfo | undefined };

/** What a persisted table write did, for the core to act on. */
export interface TablePersisted {
  readonly actions: MetaAction[];
  /** Set when the table just became available (created or recalled). */
  readonly available: TableInfo | undefined;
  /** Set when the table just stopped being served (dropped). */
  readonly dropped: TableInfo | undefined;
}

const FIRST_DDL_VERSION = 3n;

export class TableCatalog {
  private readonly tables = new Map<number, TableInfo>();
  private readonly creations = new Map<number, Creation>();
  private readonly ddl = new Map<number, PendingDdl>();
  /** Dropped tables whose reserve time has passed: their replicas are garbage. */
  private readonly expired = new Set<number>();
  private nextAppId = 1;
  private nextDdlVersion = FIRST_DDL_VERSION;

  /** A table read from the store. */
  restore(table: TableInfo): void {
    this.tables.set(table.appId, table);
    this.nextAppId = Math.max(this.nextAppId, table.appId + 1);
  }

  /** After restoring everything: the writes that finish creations a restart interrupted. */
  resume(hasPartition: (gpid: Gpid) => boolean): MetaAction[] {
    const actions: MetaAction[] = [];
    for (const table of this.tables.values()) {
      if (table.status !== 'creating') continue;
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

  /** Every table, dropped ones included, by app id. */
  all(): TableInfo[] {
    return [...this.tables.values()].sort((a, b) => a.appId - b.appId);
  }

  /** The table holding `name` that is not dropped (names of dropped tables may be reused). */
  byName(name: string): TableInfo | undefined {
    for (const table of this.tables.values()) if (table.name === name && table.status !== 'dropped') return table;
    return undefined;
  }

  isCreating(appId: number): boolean {
    return this.creations.has(appId);
  }

  /** Whether the table's partitions are served (cured, balanced, routed, changed on request). */
  isServed(appId: number): boolean {
    const status = this.tables.get(appId)?.status;
    return status === 'available' || status === 'dropping';
  }

  /** Whether replicas of this table may be deleted: unknown, or dropped and past its reserve time. */
  isGarbage(appId: number): boolean {
    return !this.tables.has(appId) || this.expired.has(appId);
  }

  isExpired(appId: number): boolean {
    return this.expired.has(appId);
  }

  /** Pegasus query_cfg: unknown or dropped -> not found; creating or recalling -> busy creating. */
  route(name: string): TableRoute {
    const table = this.byName(name);
    if (table !== undefined) {
      if (table.status === 'available') return { error: 'ERR_OK', table };
      if (table.status === 'dropping') return { error: 'ERR_BUSY_DROPPING', table };
      return { error: 'ERR_BUSY_CREATING', table };
    }
    for (const pending of this.ddl.values()) {
      if (pending.kind === 'recall' && pending.next.name === name) return { error: 'ERR_BUSY_CREATING', table: this.tables.get(pending.next.appId) };
    }
    return { error: 'ERR_OBJECT_NOT_FOUND', table: undefined };
  }

  /** Marks dropped tables whose reserve time ends at or before `wallMs` as garbage. */
  expire(wallMs: number): void {
    for (const table of this.tables.values()) {
      if (table.status === 'dropped' && table.dropExpireAtMs !== undefined && table.dropExpireAtMs <= wallMs && !this.ddl.has(table.appId)) {
        this.expired.add(table.appId);
      }
    }
  }

  /** A name is taken by a table that is not dropped, or by a recall under way. */
  private nameTaken(name: string): boolean {
    if (this.byName(name) !== undefined) return true;
    for (const pending of this.ddl.values()) if (pending.kind === 'recall' && pending.next.name === name) return true;
    return false;
  }

  /** Validates a create_table request and starts it, or refuses it with a reason. */
  create(input: CreateTableInput): MetaAction[] {
    const refuse = (error: MetaErrorCode, reason: string): MetaAction[] => [
      { kind: 'create_table_reply', requestId: input.requestId, error, reason, appId: 0 },
    ];
    const badName = checkName(input.name);
    if (badName !== undefined) return refuse('ERR_INVALID_PARAMETERS', badName);
    const count = input.partitionCount;
    if (!Number.isInteger(count) || count < 1 || count > META_PARTITIONS_PER_TABLE_MAX || (count & (count - 1)) !== 0) {
      return refuse('ERR_INVALID_PARAMETERS', `partition count ${count} is not a power of two within 1..${META_PARTITIONS_PER_TABLE_MAX}`);
    }
    const replicas = input.maxReplicaCount;
    if (!Number.isInteger(replicas) || replicas < 1 || replicas > META_REPLICA_COUNT_MAX) {
      return refuse('ERR_INVALID_PARAMETERS', `replica count ${replicas} is not within 1..${META_REPLICA_COUNT_MAX}`);
    }
    // As Pegasus: a table still being created, recalled or dropped says so (the client may retry).
    const route = this.route(input.name);
    if (route.error === 'ERR_BUSY_CREATING' || route.error === 'ERR_BUSY_DROPPING') {
      return refuse(route.error, `table ${input.name} is being ${route.error === 'ERR_BUSY_DROPPING' ? 'dropped' : 'created or recalled'}`);
    }
    if (this.nameTaken(input.name)) return refuse('ERR_APP_EXIST', `table ${input.name} exists`);
    if (this.tables.size >= META_TABLES_MAX) return refuse('ERR_INVALID_PARAMETERS', `at most ${META_TABLES_MAX} tables`);
    const table: TableInfo = { appId: this.nextAppId++, name: input.name, partitionCount: count, maxReplicaCount: replicas, status: 'creating' };
    this.tables.set(table.appId, table);
    this.creations.set(table.appId, { requestId: input.requestId, unpersisted: new Set(), partitionsStarted: false });
    return [{ kind: 'persist', key: tableKey(table.appId), value: encodeTable(table), version: TABLE_CREATING_VERSION }];
  }

  /** Validates a drop_table request and starts it, or refuses it with a reason. */
  drop(input: DropTableInput): MetaAction[] {
    const refuse = (error: MetaErrorCode, reason: string, appId = 0): MetaAction[] => [
      { kind: 'drop_table_reply', requestId: input.requestId, error, reason, appId },
    ];
    if (!Number.isSafeInteger(input.reserveMs) || input.reserveMs < 0 || input.reserveMs > META_DROP_RESERVE_MS_MAX) {
      return refuse('ERR_INVALID_PARAMETERS', `reserve time ${input.reserveMs} ms is not within 0..${META_DROP_RESERVE_MS_MAX}`);
    }
    const table = this.byName(input.name);
    if (table === undefined) return refuse('ERR_APP_NOT_EXIST', `table ${input.name} does not exist`);
    if (table.status === 'creating') return refuse('ERR_BUSY_CREATING', `table ${input.name} is being created`, table.appId);
    if (table.status === 'dropping') return refuse('ERR_BUSY_DROPPING', `table ${input.name} is being dropped`, table.appId);
    const next: TableInfo = { ...table, status: 'dropped', dropExpireAtMs: input.wallMs + input.reserveMs };
    this.tables.set(table.appId, { ...table, status: 'dropping' });
    return this.startDdl({ kind: 'drop', requestId: input.requestId, version: this.nextDdlVersion++, next });
  }

  /** Validates a recall_table request and starts it, or refuses it with a reason. */
  recall(input: RecallTableInput): MetaAction[] {
    const table = this.tables.get(input.appId);
    const name = input.newName ?? table?.name ?? '';
    const refuse = (error: MetaErrorCode, reason: string): MetaAction[] => [
      { kind: 'recall_table_reply', requestId: input.requestId, error, reason, appId: input.appId, name },
    ];
    if (table === undefined) return refuse('ERR_APP_NOT_EXIST', `table ${input.appId} does not exist`);
    if (this.ddl.get(input.appId)?.kind === 'recall') return refuse('ERR_BUSY_CREATING', `table ${input.appId} is being recalled`);
    if (table.status !== 'dropped') return refuse('ERR_APP_EXIST', `table ${input.appId} (${table.name}) is ${table.status}, not dropped`);
    if (this.expired.has(table.appId) || (table.dropExpireAtMs ?? 0) <= input.wallMs) {
      return refuse('ERR_APP_NOT_EXIST', `table ${input.appId} (${table.name}) is past its reserve time; its data is garbage`);
    }
    const badName = checkName(name);
    if (badName !== undefined) return refuse('ERR_INVALID_PARAMETERS', badName);
    if (this.nameTaken(name)) return refuse('ERR_APP_EXIST', `a table named ${name} exists; recall under a new name`);
    const { dropExpireAtMs: _expiry, ...rest } = table;
    const next: TableInfo = { ...rest, name, status: 'available' };
    return this.startDdl({ kind: 'recall', requestId: input.requestId, version: this.nextDdlVersion++, next });
  }

  private startDdl(pending: PendingDdl): MetaAction[] {
    assert(!this.ddl.has(pending.next.appId), 'one drop or recall at a time per table');
    this.ddl.set(pending.next.appId, pending);
    return [{ kind: 'persist', key: tableKey(pending.next.appId), value: encodeTable(pending.next), version: pending.version }];
  }

  /** The table key was persisted at `version`; a duplicate or late completion changes nothing. */
  onTablePersisted(appId: number, version: bigint): TablePersisted {
    const none: TablePersisted = { actions: [], available: undefined, dropped: undefined };
    const pending = this.ddl.get(appId);
    if (pending !== undefined) {
      if (pending.version !== version) return none;
      this.ddl.delete(appId);
      this.tables.set(appId, pending.next);
      const { requestId, next } = pending;
      if (pending.kind === 'drop') {
        return { ...none, actions: [{ kind: 'drop_table_reply', requestId, error: 'ERR_OK', reason: '', appId }], dropped: next };
      }
      return { ...none, actions: [{ kind: 'recall_table_reply', requestId, error: 'ERR_OK', reason: '', appId, name: next.name }], available: next };
    }
    const table = this.tables.get(appId);
    const creation = this.creations.get(appId);
    if (table === undefined || creation === undefined) return none;
    if (version === TABLE_CREATING_VERSION && !creation.partitionsStarted) {
      creation.partitionsStarted = true;
      for (let index = 0; index < table.partitionCount; index++) creation.unpersisted.add(index);
      return { ...none, actions: nextWrites(table, creation) };
    }
    if (version !== TABLE_AVAILABLE_VERSION || creation.unpersisted.size > 0) return none;
    const available: TableInfo = { ...table, status: 'available' };
    this.tables.set(appId, available);
    this.creations.delete(appId);
    const actions: MetaAction[] = creation.requestId === undefined
      ? []
      : [{ kind: 'create_table_reply', requestId: creation.requestId, error: 'ERR_OK', reason: '', appId }];
    return { ...none, actions, available };
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

function checkName(name: string): string | undefined {
  const bytes = new TextEncoder().encode(name).length;
  if (bytes === 0 || bytes > META_TABLE_NAME_BYTES_MAX) return `table name must have 1..${META_TABLE_NAME_BYTES_MAX} bytes`;
  if (!TABLE_NAME.test(name)) return `table name ${JSON.stringify(name)} may hold only letters, digits, "_", ".", ":" and "-"`;
  return undefined;
}

/** Pegasus accepts [A-Za-z0-9_.:-] (app names appear in paths and metric labels). */
const TABLE_NAME = /^[A-Za-z0-9_.:-]+$/;

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
