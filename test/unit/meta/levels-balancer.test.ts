// Proves what each meta level lets the meta server do on its own (freezed: only record dead
// primaries; steady: cure; lively: also balance primaries), the automatic freeze when too few
// replica servers are alive, and that the primary balancer evens out primary counts; by driving
// MetaCore through MetaDriver and calling planPrimaryMoves directly.
import test from 'ava';
import { planPrimaryMoves } from '../../../cluster/meta/core/balancer.ts';
import { effectiveLevel, levelAllows } from '../../../cluster/meta/core/levels.ts';
import type { NodeId, PartitionConfiguration } from '../../../cluster/meta/core/types.ts';
import { describe, MetaDriver, only } from './meta-harness.ts';

const nodes = ['a', 'b', 'c', 'd'];

test('the levels allow their activities in order', (t) => {
  const table = (['stopped', 'blind', 'freezed', 'steady', 'lively'] as const).map((level) =>
    `${level}: ${(['ddl', 'dead_primary', 'replica_changes', 'cure', 'balance'] as const).filter((a) => levelAllows(level, a)).join(' ')}`);
  t.deepEqual(table, [
    'stopped: ',
    'blind: ',
    'freezed: dead_primary',
    'steady: ddl dead_primary replica_changes cure',
    'lively: ddl dead_primary replica_changes cure balance',
  ]);
});

test('too few alive replica servers freeze the meta server', (t) => {
  const options = { minLiveNodesForUnfreeze: 2, liveNodePercentForUnfreeze: 50 };
  t.is(effectiveLevel({ level: 'lively', aliveCount: 1, knownCount: 1, options }), 'freezed');
  t.is(effectiveLevel({ level: 'lively', aliveCount: 2, knownCount: 5, options }), 'freezed');
  t.is(effectiveLevel({ level: 'lively', aliveCount: 3, knownCount: 5, options }), 'lively');
  t.is(effectiveLevel({ level: 'blind', aliveCount: 3, knownCount: 3, options }), 'blind');
});

test('freezed: no proposals and replica requests refused, but a dead primary is still recorded', (t) => {
  const meta = new MetaDriver({ nodes });
  meta.settle(only(meta.advance(500, nodes), 'proposal'));
  meta.step({ kind: 'set_level', level: 'freezed' });
  const current = meta.config();
  const refused = meta.step({ kind: 'config_update', from: 'a', change: 'remove', node: 'c', config: { ...current, ballot: current.ballot + 1n, secondaries: ['b'] } });
  t.like(refused[0], { kind: 'config_update_reply', error: 'ERR_STATE_FREEZED', retriable: true });
  const actions = meta.advance(1300, ['b', 'c', 'd']);
  meta.persist(actions);
  t.is(describe(meta.config()), 'ballot 4: primary -, secondaries [b, c], drops [a]');
  t.deepEqual(only(meta.advance(2000, ['b', 'c', 'd']), 'proposal'), [], 'no cure while freezed');
  meta.step({ kind: 'set_level', level: 'steady' });
  const cured = only(meta.advance(500, ['b', 'c', 'd']), 'proposal');
  t.like(cured[0], { change: 'upgrade_to_primary', node: 'b' });
});

test('stopped: not even a dead primary is recorded', (t) => {
  const meta = new MetaDriver({ nodes });
  meta.settle(only(meta.advance(500, nodes), 'proposal'));
  meta.step({ kind: 'set_level', level: 'stopped' });
  t.deepEqual(only(meta.advance(2000, ['b', 'c', 'd']), 'persist'), []);
  t.is(meta.config().primary, 'a');
});

/** Four partitions, all with primary a: the meta server cures them to health first. */
function skewed(): MetaDriver {
  const meta = new MetaDriver({ nodes: ['a', 'b', 'c'], partitionCount: 4 });
  meta.settle(only(meta.advance(600, ['a', 'b', 'c']), 'proposal'));
  return meta;
}

const primaries = (meta: MetaDriver) => [0, 1, 2, 3].map((index) => meta.config(index).primary).join('');

test('steady cures but does not balance; lively moves primaries until counts differ by at most one', (t) => {
  const meta = skewed();
  const counts = primaries(meta);
  t.true([0, 1, 2, 3].every((index) => meta.config(index).secondaries.length === 2), 'every partition healthy');
  // Cure spreads new primaries already; force a skew by handing every primary to a.
  for (let index = 0; index < 4; index++) {
    let config = meta.config(index);
    while (config.primary !== 'a') {
      const from = config.primary;
      meta.settle(meta.step({ kind: 'config_update', from, change: 'downgrade_to_secondary', node: from, config: { ...config, ballot: config.ballot + 1n, primary: '', secondaries: [...config.secondaries, from] } }), 1);
      config = meta.config(index);
      meta.settle(meta.step({ kind: 'config_update', from: 'a', change: 'upgrade_to_primary', node: 'a', config: { ...config, ballot: config.ballot + 1n, primary: 'a', secondaries: config.secondaries.filter((n) => n !== 'a') } }), 1);
      config = meta.config(index);
    }
  }
  t.is(primaries(meta), 'aaaa', `started from ${counts}`);
  t.deepEqual(only(meta.advance(1000, ['a', 'b', 'c']), 'proposal'), [], 'steady does not balance');

  meta.step({ kind: 'set_level', level: 'lively' });
  for (let round = 0; round < 10; round++) meta.settle(only(meta.advance(500, ['a', 'b', 'c']), 'proposal'));
  const perNode = new Map<string, number>();
  for (const node of primaries(meta)) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  const values = [...perNode.values()];
  t.true(Math.max(...values) - Math.min(...values) <= 1 && perNode.size === 3, `primaries after balancing: ${primaries(meta)}`);
  t.true([0, 1, 2, 3].every((index) => meta.config(index).secondaries.length === 2), 'still healthy');
});

function config(index: number, primary: NodeId, secondaries: NodeId[]): PartitionConfiguration {
  return { gpid: { appId: 1, partitionIndex: index }, ballot: 3n, maxReplicaCount: 3, primary, secondaries, lastDrops: [], lastCommittedDecree: 0n };
}

test('the balancer moves a primary to the idlest node that already holds a secondary', (t) => {
  const configs = [config(0, 'a', ['b', 'c']), config(1, 'a', ['b', 'c']), config(2, 'a', ['c', 'd']), config(3, 'b', ['a', 'c'])];
  const moves = planPrimaryMoves({ configs, aliveNodes: ['a', 'b', 'c', 'd'], movesMax: 10 });
  t.deepEqual(moves.map((m) => `${m.config.gpid.partitionIndex}: ${m.from} -> ${m.to}`), ['0: a -> c', '2: a -> d']);
  t.deepEqual(planPrimaryMoves({ configs, aliveNodes: ['a', 'b', 'c', 'd'], movesMax: 1 }).length, 1);
  t.deepEqual(planPrimaryMoves({ configs: [config(0, 'a', ['b']), config(1, 'b', ['a'])], aliveNodes: ['a', 'b'], movesMax: 10 }), []);
});
