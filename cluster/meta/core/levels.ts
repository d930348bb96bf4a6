// Meta function levels (Pegasus meta_function_level): what the meta server may change on its
// own at each level, and the automatic freeze when too few replica servers are alive.
import { assertNever } from '../../../common/assert.ts';
import type { MetaOptions } from './options.ts';
import { META_LEVEL_VALUE, type MetaLevel } from './types.ts';

/**
 * The activities a level gates:
 * - ddl: create tables;
 * - dead_primary: record that a dead primary is no longer primary (the meta server's own bookkeeping);
 * - replica_changes: accept configuration changes that replicas ask for;
 * - cure: the guardian's proposals (assign primaries, add and remove members);
 * - balance: the balancer's proposals.
 */
export type MetaActivity = 'ddl' | 'dead_primary' | 'replica_changes' | 'cure' | 'balance';

export function levelAllows(level: MetaLevel, activity: MetaActivity): boolean {
  const value = META_LEVEL_VALUE[level];
  switch (activity) {
    case 'dead_primary':
      return value >= META_LEVEL_VALUE.freezed;
    case 'ddl':
    case 'replica_changes':
    case 'cure':
      return value >= META_LEVEL_VALUE.steady;
    case 'balance':
      return value >= META_LEVEL_VALUE.lively;
    default:
      return assertNever(activity, 'meta activity');
  }
}

/** The set level, lowered to freezed while too few replica servers are alive. */
export function effectiveLevel(args: {
  readonly level: MetaLevel;
  readonly aliveCount: number;
  readonly knownCount: number;
  readonly options: Pick<MetaOptions, 'minLiveNodesForUnfreeze' | 'liveNodePercentForUnfreeze'>;
}): MetaLevel {
  const { level, aliveCount, knownCount, options } = args;
  if (META_LEVEL_VALUE[level] <= META_LEVEL_VALUE.freezed) return level;
  const tooFew = aliveCount < options.minLiveNodesForUnfreeze ||
    aliveCount * 100 < options.liveNodePercentForUnfreeze * knownCount;
  return tooFew ? 'freezed' : level;
}
