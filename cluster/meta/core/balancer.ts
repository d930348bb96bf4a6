// A primary-count balancer for the lively level: moves primaries from the node with the most to
// a node with fewer, by swapping roles with a secondary already there (Pegasus move_primary, here
// greedy instead of a flow network). A move is two steps the meta core carries out one after the
// other: downgrade_to_secondary proposed to the old primary, then upgrade_to_primary of the target.
import { assert } from '../../../common/assert.ts';
import type { NodeId, PartitionConfiguration } from './types.ts';

export interface PrimaryMove {
  readonly config: PartitionConfiguration;
  readonly from: NodeId;
  readonly to: NodeId;
}

/**
 * Up to `movesMax` moves that each narrow the gap between the busiest and the idlest alive node.
 * Expects healthy partitions only (the caller balances only when every partition is healthy).
 */
export function planPrimaryMoves(args: {
  readonly configs: readonly PartitionConfiguration[];
  readonly aliveNodes: readonly NodeId[];
  readonly movesMax: number;
}): PrimaryMove[] {
  const counts = new Map<NodeId, number>(args.aliveNodes.map((node) => [node, 0]));
  for (const config of args.configs) {
    assert(counts.has(config.primary), `balancing a partition whose primary ${config.primary} is not alive`);
    counts.set(config.primary, counts.get(config.primary)! + 1);
  }
  const moved = new Set<PartitionConfiguration>();
  const moves: PrimaryMove[] = [];
  while (moves.length < args.movesMax) {
    const move = bestMove(args.configs, counts, moved);
    if (move === undefined) break;
    moves.push(move);
    moved.add(move.config);
    counts.set(move.from, counts.get(move.from)! - 1);
    counts.set(move.to, counts.get(move.to)! + 1);
  }
  return moves;
}

function bestMove(
  configs: readonly PartitionConfiguration[],
  counts: ReadonlyMap<NodeId, number>,
  moved: ReadonlySet<PartitionConfiguration>,
): PrimaryMove | undefined {
  // Busiest nodes first; for each, the partition whose secondary sits on the idlest node.
  const nodes = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1));
  for (const from of nodes) {
    const fromCount = counts.get(from)!;
    let best: PrimaryMove | undefined;
    let bestCount = Number.POSITIVE_INFINITY;
    for (const config of configs) {
      if (config.primary !== from || moved.has(config)) continue;
      for (const to of config.secondaries) {
        const toCount = counts.get(to);
        if (toCount === undefined || toCount + 1 >= fromCount) continue;
        if (toCount < bestCount || (toCount === bestCount && best !== undefined && to < best.to)) {
          best = { config, from, to };
          bestCount = toCount;
        }
      }
    }
    if (best !== undefined) return best;
  }
  return undefined;
}
