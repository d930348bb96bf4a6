// A partition's replica configuration as the meta server keeps it (dsn.layer2.thrift
// partition_configuration), and the configuration changes a replica may propose. Shared by the
// replication core and the meta server's pure decisions.

/** A replica server's address, "host:port". */
export type NodeId = string;

export interface Gpid {
  readonly appId: number;
  readonly partitionIndex: number;
}

export interface PartitionConfiguration {
  readonly gpid: Gpid;
  /** Increases by one with every change; the configuration with the larger ballot wins. */
  readonly ballot: bigint;
  readonly maxReplicaCount: number;
  /** Empty string when there is no primary. */
  readonly primary: NodeId | '';
  readonly secondaries: readonly NodeId[];
  /** Members dropped most recently last; used to pick a primary when every replica was lost. */
  readonly lastDrops: readonly NodeId[];
  readonly lastCommittedDecree: bigint;
}

/** Pegasus's config_type: the changes that go through the meta server. */
export type ConfigChangeKind =
  | 'assign_primary'
  | 'upgrade_to_primary'
  | 'add_secondary'
  | 'upgrade_to_secondary'
  | 'downgrade_to_secondary'
  | 'downgrade_to_inactive'
  | 'remove';

export interface ConfigChangeRequest {
  readonly kind: ConfigChangeKind;
  /** The node the change is about. */
  readonly node: NodeId;
  /** The configuration proposed, with ballot = current + 1. */
  readonly config: PartitionConfiguration;
}

/** A partition nobody serves yet: ballot 0, no members. */
export function emptyConfiguration(gpid: Gpid, maxReplicaCount: number): PartitionConfiguration {
  return { gpid, ballot: 0n, maxReplicaCount, primary: '', secondaries: [], lastDrops: [], lastCommittedDecree: 0n };
}
