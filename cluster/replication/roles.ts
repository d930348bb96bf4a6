// Legal role transitions of a replica (Pegasus partition_status). The core changes role only
// through one function per target role, each checking its predecessor against this table.
import { assert } from '../../common/assert.ts';
import type { ReplicaRole } from './types.ts';

/** For each role, the roles it may be entered from. `error` is terminal. */
export const LEGAL_PREDECESSORS: Readonly<Record<ReplicaRole, readonly ReplicaRole[]>> = {
  // A secondary upgraded by meta, a candidate that waited inactive for meta's answer, or a
  // primary confirmed under a higher ballot.
  primary: ['inactive', 'secondary', 'primary'],
  // A learner upgraded, a primary handing over, a transiently inactive secondary resuming.
  secondary: ['potential_secondary', 'secondary', 'primary', 'inactive'],
  // Invited by a primary: from nothing, or re-invited under a new signature.
  potential_secondary: ['inactive', 'potential_secondary', 'secondary'],
  inactive: ['primary', 'secondary', 'potential_secondary', 'inactive'],
  error: ['primary', 'secondary', 'potential_secondary', 'inactive', 'error'],
};

export function isLegalTransition(from: ReplicaRole, to: ReplicaRole): boolean {
  return LEGAL_PREDECESSORS[to].includes(from);
}

export function assertLegalTransition(from: ReplicaRole, to: ReplicaRole): void {
  assert(isLegalTransition(from, to), `illegal role transition ${from} -> ${to}`);
}
