// Proves each decision of the guardian on small hand-built partitions (calling the pure `cure`),
// and the wait for a dropped node end to end through MetaCore: who gets promoted, which learner
// is added and when, which extra member is removed.
import test from 'ava';
import { cure, type ClusterView, type PartitionView } from '../../../cluster/meta/core/guardian.ts';
import type { NodeId, PartitionConfiguration } from '../../../cluster/meta/core/types.ts';
import { describe, MetaDriver, only, testOptions } from './meta-harness.ts';

const options = { assignDelayMsForDropouts: 5000, minReplicasFor2pc: 2, lostReplicaCandidates: 2 as const };

function cluster(args: { alive: NodeId[]; primaries?: Record<NodeId, number>; replicas?: Record<NodeId, number> }): ClusterView {
  return {
    isAlive: (node) => args.alive.includes(node),
    aliveNodes: [...args.alive].sort(),
    primaryCount: (node) => args.primaries?.[node] ?? 0,
    replicaCount: (node) => args.replicas?.[node] ?? 0,
  };
}

function partition(config: Partial<PartitionConfiguration>, extra: Partial<PartitionView> = {}): PartitionView {
  return {
    config: {
      gpid: { appId: 1, partitionIndex: 0 },
      ballot: 7n,
      maxReplicaCount: 3,
      primary: '',
      secondaries: [],
      lastDrops: [],
      lastCommittedDecree: 0n,
      ...config,
    },
    lastDropAtMs: undefined,
    plannedPrimary: undefined,
    report: () => undefined,
    ...extra,
  };
}

const decide = (view: PartitionView, c: ClusterView, nowMs = 0) => {
  const decision = cure(view, c, nowMs, options);
  return decision.kind === 'propose' ? `${decision.change} ${decision.node} via ${decision.to}` : `${decision.kind}: ${'reason' in decision ? decision.reason : ''}`;
};

test('a new partition is assigned to the alive node with fewest primaries', (t) => {
  t.is(decide(partition({}), cluster({ alive: ['a', 'b', 'c'], primaries: { a: 2, b: 1, c: 1 }, replicas: { b: 5, c: 3 } })), 'assign_primary c via c');
  t.is(decide(partition({}), cluster({ alive: [] })), 'wait: new partition and no alive node');
});

test('when the primary is gone, the alive secondary on the node with fewest primaries is promoted', (t) => {
  const view = partition({ secondaries: ['b', 'c', 'd'], lastDrops: ['a'] });
  t.is(decide(view, cluster({ alive: ['b', 'c', 'd'], primaries: { b: 3, c: 1, d: 2 } })), 'upgrade_to_primary c via c');
  t.is(decide(view, cluster({ alive: ['b', 'd'], primaries: { b: 3, c: 0, d: 2 } })), 'upgrade_to_primary d via d', 'dead c is skipped');
  t.is(decide(view, cluster({ alive: ['a'] })), 'wait: no primary and every secondary is dead');
});

test('a dead secondary is proposed for removal to the primary', (t) => {
  t.is(decide(partition({ primary: 'a', secondaries: ['b', 'c'] }), cluster({ alive: ['a', 'b'] })), 'downgrade_to_inactive c via a');
});

test('a healthy partition needs nothing', (t) => {
  t.is(decide(partition({ primary: 'a', secondaries: ['b', 'c'] }), cluster({ alive: ['a', 'b', 'c', 'd'] })), 'healthy: ');
});

test('with too few members and nobody recently dropped, the alive outsider with fewest replicas learns', (t) => {
  const view = partition({ primary: 'a', secondaries: ['b'] });
  t.is(decide(view, cluster({ alive: ['a', 'b', 'c', 'd', 'e'], replicas: { c: 4, d: 2, e: 3 } })), 'add_secondary d via a');
  t.is(decide(view, cluster({ alive: ['a', 'b'] })), 'wait: 2 of 3 replicas and no other alive node');
});

test('a recently dropped node is waited for, and re-added as soon as it is back', (t) => {
  const view = partition({ primary: 'a', secondaries: ['b'], lastDrops: ['c'] }, { lastDropAtMs: 1000 });
  const withoutC = cluster({ alive: ['a', 'b', 'd'] });
  t.is(decide(view, withoutC, 2000), 'wait: waiting 4000 ms more for dropped c to come back');
  t.is(decide(view, cluster({ alive: ['a', 'b', 'c', 'd'] }), 2000), 'add_secondary c via a');
  t.is(decide(view, withoutC, 6000), 'add_secondary d via a', 'after the delay anyone will do');
});

test('with fewer members than the write path needs, nobody is waited for; dropped nodes are preferred', (t) => {
  const view = partition({ primary: 'a', secondaries: [], lastDrops: ['d', 'b', 'c'] }, { lastDropAtMs: 1000 });
  t.is(decide(view, cluster({ alive: ['a', 'd', 'e'] }), 1500), 'add_secondary d via a');
  t.is(decide(view, cluster({ alive: ['a', 'b', 'd', 'e'] }), 1500), 'add_secondary b via a', 'newest alive drop first');
  t.is(decide(view, cluster({ alive: ['a', 'e'] }), 1500), 'add_secondary e via a');
});

test('an extra member is removed from the busiest node', (t) => {
  const view = partition({ primary: 'a', secondaries: ['b', 'c', 'd'] });
  t.is(decide(view, cluster({ alive: ['a', 'b', 'c', 'd'], replicas: { b: 3, c: 9, d: 4 } })), 'remove c via a');
});

test('the balancer\'s planned primary is preferred when it is an alive secondary', (t) => {
  const view = partition({ secondaries: ['b', 'c'] }, { plannedPrimary: 'c' });
  t.is(decide(view, cluster({ alive: ['b', 'c'], primaries: { b: 0, c: 5 } })), 'upgrade_to_primary c via c');
  t.is(decide(view, cluster({ alive: ['b'], primaries: { b: 0, c: 5 } })), 'upgrade_to_primary b via b');
});

test('end to end: after a secondary dies the meta server waits the assign delay before adding a new node', (t) => {
  const meta = new MetaDriver({ nodes: ['a', 'b', 'c', 'd'] });
  meta.settle(only(meta.advance(500, ['a', 'b', 'c', 'd']), 'proposal'));
  t.is(describe(meta.config()), 'ballot 3: primary a, secondaries [b, c], drops []');
  // c falls silent: it is removed, then nobody is added while the delay runs.
  meta.settle(only(meta.advance(1300, ['a', 'b', 'd']), 'proposal'));
  t.is(describe(meta.config()), 'ballot 4: primary a, secondaries [b], drops [c]');
  const during = meta.advance(testOptions.assignDelayMsForDropouts - 500, ['a', 'b', 'd']);
  t.deepEqual(only(during, 'proposal'), []);
  t.regex(meta.core.status({ appId: 1, partitionIndex: 0 })!.diagnosis, /^wait: waiting \d+ ms more for dropped c to come back$/);
  // Once the delay is over, d learns.
  const after = only(meta.advance(1000, ['a', 'b', 'd']), 'proposal');
  t.deepEqual(after.map((p) => `${p.change} ${p.node} via ${p.to}`), ['add_secondary d via a']);
  meta.settle(after.slice(0, 1));
  t.is(describe(meta.config()), 'ballot 5: primary a, secondaries [b, d], drops [c]');
});

test('end to end: a dropped node that comes back within the delay is re-added instead of a new one', (t) => {
  const meta = new MetaDriver({ nodes: ['a', 'b', 'c', 'd'] });
  meta.settle(only(meta.advance(500, ['a', 'b', 'c', 'd']), 'proposal'));
  meta.settle(only(meta.advance(1300, ['a', 'b', 'd']), 'proposal'));
  const back = only(meta.advance(200, ['a', 'b', 'c', 'd']), 'proposal');
  t.deepEqual(back.map((p) => `${p.change} ${p.node} via ${p.to}`), ['add_secondary c via a']);
  meta.settle(back.slice(0, 1));
  t.is(describe(meta.config()), 'ballot 5: primary a, secondaries [b, c], drops []');
});

test('end to end: the assign delay can be changed while running', (t) => {
  const meta = new MetaDriver({ nodes: ['a', 'b', 'c', 'd'] });
  meta.settle(only(meta.advance(500, ['a', 'b', 'c', 'd']), 'proposal'));
  meta.settle(only(meta.advance(1300, ['a', 'b', 'd']), 'proposal'));
  t.deepEqual(only(meta.advance(600, ['a', 'b', 'd']), 'proposal'), []);
  meta.core.setAssignDelayMs(0);
  t.throws(() => meta.core.setAssignDelayMs(-1), { message: /must not be negative/ });
  const proposals = only(meta.advance(600, ['a', 'b', 'd']), 'proposal');
  t.deepEqual(proposals.slice(0, 1).map((p) => `${p.change} ${p.node} via ${p.to}`), ['add_secondary d via a']);
});

test('end to end: a proposal is not flipped to a node that merely looks better a moment later', (t) => {
  const options = { ...testOptions, minLiveNodesForUnfreeze: 1, liveNodePercentForUnfreeze: 0 };
  const meta = new MetaDriver({ nodes: [], partitionCount: 2, options });
  const first = only(meta.advance(100, ['a']), 'proposal');
  t.deepEqual(first.map((p) => `${p.change} ${p.node} for ${p.config.gpid.partitionIndex}`), ['assign_primary a for 0', 'assign_primary a for 1']);
  // b arrives with no primaries at all; the outstanding proposals stay with a.
  t.deepEqual(only(meta.advance(100, ['a', 'b']), 'proposal'), []);
  t.deepEqual(meta.core.status({ appId: 1, partitionIndex: 0 })?.proposal, { to: 'a', change: 'assign_primary', node: 'a' });
  // If a never acts, the choice is reconsidered after a few resend intervals.
  const later = only(meta.advance(3 * testOptions.proposalResendMs + 100, ['a', 'b']), 'proposal');
  t.true(later.some((p) => p.node === 'b'), later.map((p) => `${p.change} ${p.node}`).join(', '));
});
