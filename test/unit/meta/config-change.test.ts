// Proves the rules for a replica's configuration change request: only ballot = current + 1, only
// a change legal for the requester's role and exactly the membership that change produces, with
// last_drops maintained as Pegasus does; checked by calling judgeRequest on small configurations.
import test from 'ava';
import { applyChange, judgeRequest, maintainDrops } from '../../../cluster/meta/core/config-change.ts';
import type { PartitionConfiguration } from '../../../cluster/meta/core/types.ts';
import { describe } from './meta-harness.ts';

/** The resulting configuration as one line, or the refusal's code. */
const outcome = (verdict: ReturnType<typeof judgeRequest>): string =>
  verdict.ok === true ? describe(verdict.next) : verdict.ok === false ? verdict.error : 'already applied';

const base: PartitionConfiguration = {
  gpid: { appId: 1, partitionIndex: 0 },
  ballot: 5n,
  maxReplicaCount: 3,
  primary: 'a',
  secondaries: ['b', 'c'],
  lastDrops: [],
  lastCommittedDecree: 10n,
};

const proposed = (over: Partial<PartitionConfiguration>): PartitionConfiguration => ({ ...base, ballot: 6n, ...over });

test('the primary removes a secondary with ballot + 1; the node goes to last_drops', (t) => {
  const verdict = judgeRequest({ current: base, from: 'a', change: 'remove', node: 'c', proposed: proposed({ secondaries: ['b'], lastCommittedDecree: 12n }) });
  t.is(outcome(verdict), 'ballot 6: primary a, secondaries [b], drops [c]');
  t.like(verdict, { ok: true, next: { lastCommittedDecree: 12n } });
});

test('a stale ballot is refused with ERR_INVALID_VERSION and says which ballot is current', (t) => {
  const verdict = judgeRequest({ current: base, from: 'a', change: 'remove', node: 'c', proposed: proposed({ ballot: 5n, secondaries: ['b'] }) });
  t.like(verdict, { ok: false, error: 'ERR_INVALID_VERSION' });
  t.regex((verdict as { reason: string }).reason, /ballot 5 is stale: current ballot is 5, a change must carry 6/);
  const older = judgeRequest({ current: base, from: 'a', change: 'remove', node: 'c', proposed: proposed({ ballot: 3n, secondaries: ['b'] }) });
  t.like(older, { ok: false, error: 'ERR_INVALID_VERSION' });
});

test('a ballot that skips ahead is refused too', (t) => {
  const verdict = judgeRequest({ current: base, from: 'a', change: 'remove', node: 'c', proposed: proposed({ ballot: 8n, secondaries: ['b'] }) });
  t.like(verdict, { ok: false, error: 'ERR_INVALID_VERSION' });
  t.regex((verdict as { reason: string }).reason, /ahead of the meta server/);
});

test('a retry of the change already in effect is answered as done', (t) => {
  const current = { ...base, ballot: 6n, secondaries: ['b'], lastDrops: ['c'] };
  t.deepEqual(judgeRequest({ current, from: 'a', change: 'remove', node: 'c', proposed: proposed({ secondaries: ['b'] }) }), { ok: 'already_applied' });
});

test('only the primary may add or remove members', (t) => {
  const verdict = judgeRequest({ current: base, from: 'b', change: 'remove', node: 'c', proposed: proposed({ secondaries: ['b'] }) });
  t.like(verdict, { ok: false, error: 'ERR_INVALID_PARAMETERS' });
  t.regex((verdict as { reason: string }).reason, /must come from the primary \(a\) or c itself, not b/);
  const learner = judgeRequest({ current: base, from: 'b', change: 'upgrade_to_secondary', node: 'd', proposed: proposed({ secondaries: ['b', 'c', 'd'] }) });
  t.like(learner, { ok: false, error: 'ERR_INVALID_PARAMETERS' });
});

test('a member may take itself out, even without a primary', (t) => {
  const primaryless = { ...base, primary: '', lastDrops: ['a'] };
  t.is(outcome(judgeRequest({ current: primaryless, from: 'c', change: 'downgrade_to_inactive', node: 'c', proposed: proposed({ primary: '', secondaries: ['b'] }) })), 'ballot 6: primary -, secondaries [b], drops [a, c]');
  t.is(outcome(judgeRequest({ current: base, from: 'a', change: 'downgrade_to_inactive', node: 'a', proposed: proposed({ primary: '' }) })), 'ballot 6: primary -, secondaries [b, c], drops [a]');
});

test('a candidate asks to become primary only for itself, and only when there is no primary', (t) => {
  const primaryless = { ...base, primary: '', lastDrops: ['a'] };
  t.is(
    outcome(judgeRequest({ current: primaryless, from: 'b', change: 'upgrade_to_primary', node: 'b', proposed: proposed({ primary: 'b', secondaries: ['c'] }) })),
    'ballot 6: primary b, secondaries [c], drops [a]',
  );
  t.like(judgeRequest({ current: primaryless, from: 'c', change: 'upgrade_to_primary', node: 'b', proposed: proposed({ primary: 'b', secondaries: ['c'] }) }), {
    ok: false,
    error: 'ERR_INVALID_PARAMETERS',
  });
  t.like(judgeRequest({ current: base, from: 'b', change: 'upgrade_to_primary', node: 'b', proposed: proposed({ primary: 'b', secondaries: ['c'] }) }), {
    ok: false,
    error: 'ERR_INVALID_PARAMETERS',
  });
});

test('a proposed membership that is not what the change gives is refused', (t) => {
  const verdict = judgeRequest({ current: base, from: 'a', change: 'remove', node: 'c', proposed: proposed({ secondaries: [] }) });
  t.like(verdict, { ok: false, error: 'ERR_INVALID_PARAMETERS' });
  t.regex((verdict as { reason: string }).reason, /not what remove of c gives/);
});

test('upgrading a learner adds it and takes it off last_drops; adding a member twice is refused', (t) => {
  const current = { ...base, secondaries: ['b'], lastDrops: ['c'] };
  t.is(
    outcome(judgeRequest({ current, from: 'a', change: 'upgrade_to_secondary', node: 'c', proposed: proposed({ secondaries: ['b', 'c'] }) })),
    'ballot 6: primary a, secondaries [b, c], drops []',
  );
  t.like(applyChange(base, 'upgrade_to_secondary', 'b', 10n), { ok: false, error: 'ERR_INVALID_PARAMETERS' });
});

test('handing over the primary role makes the old primary a secondary', (t) => {
  t.is(
    outcome(judgeRequest({ current: base, from: 'a', change: 'downgrade_to_secondary', node: 'a', proposed: proposed({ primary: '', secondaries: ['b', 'c', 'a'] }) })),
    'ballot 6: primary -, secondaries [b, c, a], drops []',
  );
});

test('assign_primary needs a partition without members', (t) => {
  const empty = { ...base, primary: '', secondaries: [], lastDrops: ['a', 'b'] };
  t.is(outcome(applyChange(empty, 'assign_primary', 'b', 10n)), 'ballot 6: primary b, secondaries [], drops [a]');
  t.like(applyChange(base, 'assign_primary', 'b', 10n), { ok: false });
});

test('last_drops keeps the three newest, newest last, without duplicates', (t) => {
  let drops: string[] = [];
  for (const node of ['a', 'b', 'c', 'b', 'd']) drops = maintainDrops(drops, node, 'downgrade_to_inactive');
  t.deepEqual(drops, ['c', 'b', 'd']);
  t.deepEqual(maintainDrops(drops, 'b', 'add_secondary'), ['c', 'd']);
  t.deepEqual(maintainDrops(drops, 'b', 'downgrade_to_secondary'), ['c', 'b', 'd']);
});

test('the committed decree recorded never goes back', (t) => {
  t.like(applyChange(base, 'remove', 'c', 3n), { ok: true, next: { lastCommittedDecree: 10n } });
});
