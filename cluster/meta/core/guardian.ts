// The guardian ("cure", Pegasus partition_guardian.cpp): looks at one partition whose primary, if
// any, is alive and says what should happen next to bring it back to one primary plus
// maxReplicaCount - 1 secondaries. It never changes state; the meta core turns a decision into a
// proposal (or a query, for the all-replicas-lost case) and remembers what it proposed.
import type { MetaOptions } from './options.ts';
import { decideDdd, type ReportLookup } from './ddd.ts';
import { isMember } from './config-change.ts';
import type { ConfigChangeKind, NodeId, PartitionConfiguration } from './types.ts';

export interface ClusterView {
  readonly isAlive: (node: NodeId) => boolean;
  /** Alive replica servers in a stable order. */
  readonly aliveNodes: readonly NodeId[];
  /** Primaries on the node, counting primaries already proposed to it. */
  readonly primaryCount: (node: NodeId) => number;
  /** Replicas on the node, counting additions already proposed to it. */
  readonly replicaCount: (node: NodeId) => number;
}

export interface PartitionView {
  readonly config: PartitionConfiguration;
  /** When the newest entry of lastDrops was dropped (or the meta server started, if earlier). */
  readonly lastDropAtMs: number | undefined;
  /** The balancer's choice for the next primary, preferred when it is an alive secondary. */
  readonly plannedPrimary: NodeId | undefined;
  readonly report: ReportLookup;
}

export type GuardianDecision =
  | { readonly kind: 'healthy' }
  | { readonly kind: 'propose'; readonly to: NodeId; readonly change: ConfigChangeKind; readonly node: NodeId; readonly reason: string }
  | { readonly kind: 'ask'; readonly nodes: readonly NodeId[]; readonly reason: string }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'stuck'; readonly reason: string };

type CureOptions = Pick<MetaOptions, 'assignDelayMsForDropouts' | 'minReplicasFor2pc' | 'lostReplicaCandidates'>;

export function cure(partition: PartitionView, cluster: ClusterView, nowMs: number, options: CureOptions): GuardianDecision {
  const { config } = partition;
  if (config.primary === '') return curePrimaryless(partition, cluster, options);
  const deadSecondary = config.secondaries.find((node) => !cluster.isAlive(node));
  if (deadSecondary !== undefined) {
    return propose(config.primary, 'downgrade_to_inactive', deadSecondary, `secondary ${deadSecondary} is dead`);
  }
  const replicas = 1 + config.secondaries.length;
  if (replicas < config.maxReplicaCount) return addSecondary(partition, cluster, nowMs, options);
  if (replicas > config.maxReplicaCount) {
    const victim = [...config.secondaries].sort(
      (a, b) => cluster.replicaCount(b) - cluster.replicaCount(a) || (a < b ? 1 : a > b ? -1 : 0),
    )[0]!;
    return propose(config.primary, 'remove', victim, `${replicas} replicas exceed ${config.maxReplicaCount}; ${victim} is busiest`);
  }
  return { kind: 'healthy' };
}

function propose(to: NodeId, change: ConfigChangeKind, node: NodeId, reason: string): GuardianDecision {
  return { kind: 'propose', to, change, node, reason };
}

function curePrimaryless(partition: PartitionView, cluster: ClusterView, options: CureOptions): GuardianDecision {
  const { config } = partition;
  if (config.secondaries.length > 0) {
    // Every secondary holds every committed mutation (PacificA), so any alive one will do.
    const alive = config.secondaries.filter((node) => cluster.isAlive(node));
    if (alive.length === 0) return { kind: 'wait', reason: 'no primary and every secondary is dead' };
    const planned = partition.plannedPrimary;
    const chosen = planned !== undefined && alive.includes(planned) ? planned : fewest(alive, cluster.primaryCount);
    return propose(chosen, 'upgrade_to_primary', chosen, `no primary; ${chosen} is the secondary with fewest primaries`);
  }
  if (config.lastDrops.length === 0) {
    if (cluster.aliveNodes.length === 0) return { kind: 'wait', reason: 'new partition and no alive node' };
    const chosen = fewest(cluster.aliveNodes, (node) => cluster.primaryCount(node) * 1_000_000 + cluster.replicaCount(node));
    return propose(chosen, 'assign_primary', chosen, `new partition; ${chosen} has fewest primaries`);
  }
  const ddd = decideDdd({ config, isAlive: cluster.isAlive, report: partition.report, candidateCount: options.lostReplicaCandidates });
  switch (ddd.kind) {
    case 'choose':
      return propose(ddd.node, 'assign_primary', ddd.node, `every replica was lost; ${ddd.reason}`);
    case 'wait':
      return ddd.ask.length > 0 ? { kind: 'ask', nodes: ddd.ask, reason: ddd.reason } : { kind: 'wait', reason: ddd.reason };
    case 'stuck':
      return ddd;
  }
}

function addSecondary(partition: PartitionView, cluster: ClusterView, nowMs: number, options: CureOptions): GuardianDecision {
  const { config } = partition;
  const primary = config.primary;
  const replicas = 1 + config.secondaries.length;
  const newestDrop = config.lastDrops[config.lastDrops.length - 1];
  const waitedMs = partition.lastDropAtMs === undefined ? Number.POSITIVE_INFINITY : nowMs - partition.lastDropAtMs;
  const tooFewFor2pc = replicas < options.minReplicasFor2pc && config.maxReplicaCount > options.minReplicasFor2pc;
  const emergency = tooFewFor2pc || newestDrop === undefined || waitedMs >= options.assignDelayMsForDropouts;
  if (!emergency) {
    // Re-adding the node that just left saves copying its data; give it time to come back.
    if (cluster.isAlive(newestDrop) && !isMember(config, newestDrop)) {
      return propose(primary, 'add_secondary', newestDrop, `re-adding recently dropped ${newestDrop}`);
    }
    const leftMs = options.assignDelayMsForDropouts - waitedMs;
    return { kind: 'wait', reason: `waiting ${leftMs} ms more for dropped ${newestDrop} to come back` };
  }
  for (let index = config.lastDrops.length - 1; index >= 0; index--) {
    const dropped = config.lastDrops[index]!;
    if (cluster.isAlive(dropped) && !isMember(config, dropped)) {
      return propose(primary, 'add_secondary', dropped, `re-adding dropped ${dropped}`);
    }
  }
  const outsiders = cluster.aliveNodes.filter((node) => !isMember(config, node));
  if (outsiders.length === 0) return { kind: 'wait', reason: `${replicas} of ${config.maxReplicaCount} replicas and no other alive node` };
  const chosen = fewest(outsiders, cluster.replicaCount);
  return propose(primary, 'add_secondary', chosen, `${replicas} of ${config.maxReplicaCount} replicas; ${chosen} has fewest replicas`);
}

/** The node with the smallest score; ties go to the smallest name, so choices are reproducible. */
function fewest(nodes: readonly NodeId[], score: (node: NodeId) => number): NodeId {
  let best = nodes[0]!;
  for (const node of nodes) {
    const diff = score(node) - score(best);
    if (diff < 0 || (diff === 0 && node < best)) best = node;
  }
  return best;
}
