// Choosing a primary when every replica of a partition was lost (no primary, no secondaries,
// non-empty last_drops: Pegasus's "DDD" state).
//
// Why the newest drop: members leave one at a time and each leaving is appended to last_drops,
// so just before the newest drop N left, N was the only member. Every committed mutation was
// logged by every member of the configuration it committed in, and N was a member of every
// configuration from when it joined (having learned everything committed before) to the end.
// So N's log holds every committed decree, provided its log survived (synced before acking).
// Other candidates can hold longer logs, but a longer tail there is uncommitted, possibly from an
// older primary, and must not win: ballots and prepared decrees of non-members prove nothing.
//
// The rule, in order:
// 1. Candidates: the newest drop, and the second newest when `candidateCount` is 2 (Pegasus's
//    choice; it lets the meta server notice that the newest lost an unsynced log tail).
// 2. Wait until each candidate is alive AND has reported its replica (ballot, last committed
//    decree, last prepared decree) for this partition; ask the alive ones that have not.
// 3. The newest drop must still hold a replica, otherwise refuse.
// 4. Its last prepared decree must reach every decree known to be committed: the partition's
//    recorded last committed decree and every candidate's reported committed decree. Otherwise
//    it lost committed writes: refuse.
// 5. Choose the newest drop.
// A refusal ("stuck") never picks anyone; the partition stays without primary, its diagnosis says
// why, and it is re-examined whenever new reports arrive (an operator can then decide).
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

  const newestReplica = report(newest);
  if (newestReplica === undefined || newestReplica === 'none') {
    return { kind: 'stuck', reason: `the newest drop ${newest} holds no replica: writes committed last may be lost` };
  }
  let committedMax = config.lastCommittedDecree;
  let committedBy = 'the meta server';
  for (const node of candidates) {
    const replica = report(node);
    if (replica !== undefined && replica !== 'none' && replica.lastCommittedDecree > committedMax) {
      committedMax = replica.lastCommittedDecree;
      committedBy = node;
    }
  }
  if (newestReplica.lastPreparedDecree < committedMax) {
    return {
      kind: 'stuck',
      reason: `the newest drop ${newest} prepared only up to decree ${newestReplica.lastPreparedDecree} ` +
        `but ${committedBy} knows decree ${committedMax} committed`,
    };
  }
  return {
    kind: 'choose',
    node: newest,
    reason: `${newest} was the last member (committed ${newestReplica.lastCommittedDecree}, prepared ${newestReplica.lastPreparedDecree})`,
  };
}

