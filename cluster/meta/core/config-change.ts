// What each configuration change does to a partition's membership, who may ask for it, and how
// last_drops is maintained (Pegasus server_state::update_configuration_locally, maintain_drops).
// Pure functions over PartitionConfiguration.
import { assertNever } from '../../../common/assert.ts';
import { META_LAST_DROPS_MAX, META_REPLICA_COUNT_MAX } from '../../../common/limits.ts';
import type { ConfigChangeKind, MetaErrorCode, NodeId, PartitionConfiguration } from './types.ts';

export type ChangeOutcome =
  | { readonly ok: true; readonly next: PartitionConfiguration }
  | { readonly ok: false; readonly error: MetaErrorCode; readonly reason: string };

export function isMember(config: PartitionConfiguration, node: NodeId): boolean {
  return config.primary === node || config.secondaries.includes(node);
}

export function members(config: PartitionConfiguration): NodeId[] {
  return config.primary === '' ? [...config.secondaries] : [config.primary, ...config.secondaries];
}

/** Same ballot, primary and set of secondaries. */
export function sameMembership(a: PartitionConfiguration, b: PartitionConfiguration): boolean {
  if (a.primary !== b.primary || a.secondaries.length !== b.secondaries.length) return false;
  const set = new Set(a.secondaries);
  return b.secondaries.every((node) => set.has(node));
}

/**
 * last_drops after `change` about `node`: a node that leaves goes to the end (newest), a node
 * that becomes a member again leaves the list; at most META_LAST_DROPS_MAX, oldest evicted.
 */
export function maintainDrops(drops: readonly NodeId[], node: NodeId, change: ConfigChangeKind): NodeId[] {
  switch (change) {
    case 'assign_primary':
    case 'upgrade_to_primary':
    case 'add_secondary':
    case 'upgrade_to_secondary':
      return drops.filter((dropped) => dropped !== node);
    case 'downgrade_to_inactive':
    case 'remove': {
      const next = [...drops.filter((dropped) => dropped !== node), node];
      return next.slice(Math.max(0, next.length - META_LAST_DROPS_MAX));
    }
    case 'downgrade_to_secondary':
      return [...drops];
    default:
      return assertNever(change, 'config change kind');
  }
}

/**
 * The configuration after `change` about `node`, with ballot + 1, or why the change does not fit
 * the current membership. Says nothing about who asked (see checkRequester).
 */
export function applyChange(
  current: PartitionConfiguration,
  change: ConfigChangeKind,
  node: NodeId,
  lastCommittedDecree: bigint,
): ChangeOutcome {
  const refuse = (reason: string): ChangeOutcome => ({ ok: false, error: 'ERR_INVALID_PARAMETERS', reason });
  if (node === '') return refuse(`${change} names no node`);
  let primary = current.primary;
  let secondaries = [...current.secondaries];
  switch (change) {
    case 'assign_primary':
      if (current.primary !== '' || current.secondaries.length > 0) return refuse(`assign_primary needs a partition without members`);
      primary = node;
      break;
    case 'upgrade_to_primary':
      if (current.primary !== '') return refuse(`upgrade_to_primary while ${current.primary} is primary`);
      if (!current.secondaries.includes(node)) return refuse(`upgrade_to_primary of ${node}, which is not a secondary`);
      primary = node;
      secondaries = secondaries.filter((secondary) => secondary !== node);
      break;
    case 'add_secondary':
    case 'upgrade_to_secondary':
      if (current.primary === '') return refuse(`${change} without a primary`);
      if (isMember(current, node)) return refuse(`${change} of ${node}, which is a member already`);
      if (current.secondaries.length + 1 >= META_REPLICA_COUNT_MAX) return refuse(`${change} beyond ${META_REPLICA_COUNT_MAX} replicas`);
      secondaries.push(node);
      break;
    case 'downgrade_to_secondary':
      if (current.primary !== node) return refuse(`downgrade_to_secondary of ${node}, which is not the primary`);
      primary = '';
      secondaries.push(node);
      break;
    case 'downgrade_to_inactive':
    case 'remove':
      if (current.primary === node) primary = '';
      else if (current.secondaries.includes(node)) secondaries = secondaries.filter((secondary) => secondary !== node);
      else return refuse(`${change} of ${node}, which is not a member`);
      break;
    default:
      return assertNever(change, 'config change kind');
  }
  const next: PartitionConfiguration = {
    gpid: current.gpid,
    ballot: current.ballot + 1n,
    maxReplicaCount: current.maxReplicaCount,
    primary,
    secondaries,
    lastDrops: maintainDrops(current.lastDrops, node, change),
    lastCommittedDecree: lastCommittedDecree > current.lastCommittedDecree ? lastCommittedDecree : current.lastCommittedDecree,
  };
  return { ok: true, next };
}

/** Whether `from` may ask for `change` about `node`, given its role in `current`. */
export function checkRequester(
  current: PartitionConfiguration,
  from: NodeId,
  change: ConfigChangeKind,
  node: NodeId,
): { ok: true } | { ok: false; reason: string } {
  switch (change) {
    case 'assign_primary':
    case 'upgrade_to_primary':
      return from === node ? { ok: true } : { ok: false, reason: `${change} must come from ${node} itself, not ${from}` };
    case 'downgrade_to_inactive':
    case 'remove':
      // A member may always take itself out (a restarted replica that cannot vouch for its state).
      if (from === node) return { ok: true };
      return current.primary !== '' && from === current.primary
        ? { ok: true }
        : { ok: false, reason: `${change} must come from the primary (${current.primary || 'none'}) or ${node} itself, not ${from}` };
    case 'add_secondary':
    case 'upgrade_to_secondary':
    case 'downgrade_to_secondary':
      return current.primary !== '' && from === current.primary
        ? { ok: true }
        : { ok: false, reason: `${change} must come from the primary (${current.primary || 'none'}), not ${from}` };
    default:
      return assertNever(change, 'config change kind');
  }
}

/**
 * Judges a replica's request against the current configuration: an identical configuration is
 * an idempotent retry; otherwise the ballot must be current + 1, the requester's role must allow
 * the change, and the proposed membership must be exactly what the change produces.
 */
export function judgeRequest(args: {
  readonly current: PartitionConfiguration;
  readonly from: NodeId;
  readonly change: ConfigChangeKind;
  readonly node: NodeId;
  readonly proposed: PartitionConfiguration;
}): ChangeOutcome | { readonly ok: 'already_applied' } {
  const { current, from, change, node, proposed } = args;
  if (proposed.ballot === current.ballot && sameMembership(proposed, current)) return { ok: 'already_applied' };
  if (proposed.ballot !== current.ballot + 1n) {
    const why = proposed.ballot <= current.ballot ? 'stale' : 'ahead of the meta server';
    return {
      ok: false,
      error: 'ERR_INVALID_VERSION',
      reason: `ballot ${proposed.ballot} is ${why}: current ballot is ${current.ballot}, a change must carry ${current.ballot + 1n}`,
    };
  }
  const requester = checkRequester(current, from, change, node);
  if (!requester.ok) return { ok: false, error: 'ERR_INVALID_PARAMETERS', reason: requester.reason };
  const outcome = applyChange(current, change, node, proposed.lastCommittedDecree);
  if (!outcome.ok) return outcome;
  if (!sameMembership(outcome.next, proposed)) {
    return {
      ok: false,
      error: 'ERR_INVALID_PARAMETERS',
      reason: `proposed members (primary ${proposed.primary || 'none'}, secondaries [${proposed.secondaries.join(', ')}]) are not what ${change} of ${node} gives`,
    };
  }
  return outcome;
}
