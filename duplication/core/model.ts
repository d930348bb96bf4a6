// The duplication entity as the meta server keeps it and the replica servers receive it
// (reference/pegasus-server.md section 3.2), and the status machine. Pure: the meta core, the
// replica-side shippers, the shell and tests share these shapes and rules.

export const DUP_STATUSES = ['init', 'prepare', 'app', 'log', 'pause', 'removed'] as const;
export type DupStatus = (typeof DUP_STATUSES)[number];

export const DUP_FAIL_MODES = ['slow', 'skip', 'fail'] as const;
export type DupFailMode = (typeof DUP_FAIL_MODES)[number];

/** Pegasus's duplication_info::is_valid_alteration: INIT→PREPARE→APP→LOG, INIT→LOG, LOG↔PAUSE, any→REMOVED. */
export function isLegalDupTransition(from: DupStatus, to: DupStatus): boolean {
  if (to === 'removed') return from !== 'removed';
  switch (from) {
    case 'init': return to === 'prepare' || to === 'log';
    case 'prepare': return to === 'app';
    case 'app': return to === 'log';
    case 'log': return to === 'pause';
    case 'pause': return to === 'log';
    case 'removed': return false;
  }
}

/** Cluster ids carried in timetags are 7 bits; 0 means "not configured", so duplication needs 1..127. */
export const DUP_CLUSTER_ID_MIN = 1;
export const DUP_CLUSTER_ID_MAX = 127;

/** One duplication as the meta server stores it and sends it to the replica servers hosting its table. */
export interface DuplicationEntry {
  /** Creation time in Unix seconds, made unique per cluster (Pegasus's dupid). */
  readonly dupid: number;
  readonly appId: number;
  readonly table: string;
  readonly remoteCluster: string;
  readonly remoteTable: string;
  /** The Kafka topic the table's mutations stream into; Kafka partition = source partition index. */
  readonly topic: string;
  readonly status: DupStatus;
  readonly failMode: DupFailMode;
  /** Whether a checkpoint of each partition goes into the stream before the log (add_dup --checkpoint). */
  readonly withCheckpoint: boolean;
  readonly createdAtMs: number;
  /**
   * Per partition index: the last decree Kafka acknowledged, as persisted ('-1' = nothing shipped
   * yet; the shipper then starts from the checkpoint or decree 1). Decimal text, as decrees are i64.
   */
  readonly confirmedDecrees: readonly string[];
}

/** What a primary reports about one duplication of one partition (Pegasus's duplication_confirm_entry). */
export interface DupConfirm {
  readonly appId: number;
  readonly partitionIndex: number;
  readonly dupid: number;
  /** Decimal text. */
  readonly confirmedDecree: string;
  /** The partition's last committed decree, for lag; decimal text. */
  readonly lastCommittedDecree: string;
  /** --checkpoint: the partition's snapshot is fully in the stream. */
  readonly checkpointShipped: boolean;
}

/** The topic a duplication streams into, unique per source cluster, table and dupid. */
export function dupTopicName(sourceCluster: string, table: string, dupid: number): string {
  return `pegasus-dup.${sourceCluster}.${table}.${dupid}`.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * The replica server's side of duplication, as its meta link sees it: every dup sync reply hands
 * over the whole list of duplications of tables this node hosts, and the next sync request carries
 * what this node's primaries confirm. The shipper implements it; the replica server wires it.
 */
export interface ReplicaDuplications {
  update(entries: readonly DuplicationEntry[]): void;
  confirms(): DupConfirm[];
  /** Whether writes to this table must be made idempotent before replication (a duplication not removed). */
  isDuplicating(appId: number): boolean;
  close(): Promise<void>;
}
