// Choosing a primary when every replica of a partition was lost (no primary, no secondaries,
// non-empty last_drops: Pegasus's "DDD" state). The rule, in order:
//
// 1. The candidates are the newest drop and, if there is one, the second newest (the last two
//    members to leave; only the newest when `candidateCount` is 1, which is enough when logs are
//    synced before acknowledging). Older drops left before later configurations committed
//    without them.
// 2. Wait until each candidate is alive AND has reported its replica (ballot, last committed
//    decree, last prepared decree) for this partition; ask the alive ones that have not.
// 3. The newest drop must still hold a replica. It was a member of every configuration up to the
//    last one, so without it writes committed last could be gone: refuse and report instead.
// 4. Among candidates that hold a replica, ballot order and committed-decree order must agree
//    (a larger ballot never comes with a smaller committed decree); otherwise refuse.
// 5. Pick the largest (ballot, last committed, last prepared). Its last prepared decree must reach
//    the partition's recorded last committed decree and every candidate's committed decree;
//    otherwise committed writes would be lost: refuse.
// A refusal ("stuck") never picks anyone; the partition stays without primary, its diagnosis says
// why, and it is re-examined whenever new reports arrive.
import type { NodeId, PartitionConfiguration, ReplicaReport } from './types.ts';

/** A node's report about this partition: its replica, 'none' if it holds none, undefined if unknown. */
export type ReportLookup = (node: NodeId) => ReplicaReport | 'none' | undefined;

export type DddDecision =
  | { readonly kind: 'choose'; readonly node: NodeId; readonly reason: string }
  | { readonly kind: 'wait'; readonly ask: readonly NodeId[]; readonly reason: string }
  | { readonly kind: 'stuck'; readonly reason: string };

export function decideDdd(args: {
  readonly config: PartitionConfiguration;
  readonly isAlive: (node: NodeId) => boolean;
  readonly report: ReportLookup;
  readonly candidateCount: 1 | 2;
}): DddDecision {
  const { config, isAlive, report } = args;
  const drops = config.lastDrops;
  const candidates = drops.slice(Math.max(0, drops.length - args.candidateCount)).reverse(); // newest first
  const newest = candidates[0];
  if (newest === undefined) return { kind: 'stuck', reason: 'no last drops to choose from' };

  const dead = candidates.filter((node) => !isAlive(node));
  const ask = candidates.filter((node) => isAlive(node) && report(node) === undefined);
  if (dead.length > 0 || ask.length > 0) {
    const parts = [];
    if (dead.length > 0) parts.push(`waiting for ${dead.join(', ')} to come back`);
    if (ask.length > 0) parts.push(`asking ${ask.join(', ')} for their replica state`);
    return { kind: 'wait', ask, reason: parts.join('; ') };
  }

  const holders: { node: NodeId; replica: ReplicaReport }[] = [];
  for (const node of candidates) {
    const replica = report(node);
    if (replica !== undefined && replica !== 'none') holders.push({ node, replica });
  }
  if (!holders.some((holder) => holder.node === newest)) {
    return { kind: 'stuck', reason: `the newest drop ${newest} holds no replica: writes committed last may be lost` };
  }
  for (const a of holders) {
    for (const b of holders) {
      if (a.replica.ballot > b.replica.ballot && a.replica.lastCommittedDecree < b.replica.lastCommittedDecree) {
        return {
          kind: 'stuck',
          reason: `${a.node} has the larger ballot ${a.replica.ballot} but the smaller committed decree ` +
            `${a.replica.lastCommittedDecree} than ${b.node} (${b.replica.ballot}, ${b.replica.lastCommittedDecree})`,
        };
      }
    }
  }
  holders.sort((a, b) => compareReplicas(b.replica, a.replica));
  const best = holders[0]!;
  let committedMax = config.lastCommittedDecree;
  for (const holder of holders) {
    if (holder.replica.lastCommittedDecree > committedMax) committedMax = holder.replica.lastCommittedDecree;
  }
  if (best.replica.lastPreparedDecree < committedMax) {
    return {
      kind: 'stuck',
      reason: `the best candidate ${best.node} prepared only up to decree ${best.replica.lastPreparedDecree} ` +
        `but decree ${committedMax} was committed`,
    };
  }
  return {
    kind: 'choose',
    node: best.node,
    reason: `${best.node} has the latest state (ballot ${best.replica.ballot}, committed ` +
      `${best.replica.lastCommittedDecree}, prepared ${best.replica.lastPreparedDecree})`,
  };
}

/** Orders by ballot, then last committed decree, then last prepared decree. */
function compareReplicas(a: ReplicaReport, b: ReplicaReport): number {
  if (a.ballot !== b.ballot) return a.ballot < b.ballot ? -1 : 1;
  if (a.lastCommittedDecree !== b.lastCommittedDecree) return a.lastCommittedDecree < b.lastCommittedDecree ? -1 : 1;
  if (a.lastPreparedDecree !== b.lastPreparedDecree) return a.lastPreparedDecree < b.lastPreparedDecree ? -1 : 1;
  return 0;
}
