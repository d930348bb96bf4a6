// Proves the careful choice of a primary after every replica of a partition was lost: the meta
// server waits for and asks the last dropped nodes, picks the last member when its log holds
// every decree known to be committed, and refuses (with a diagnosis) rather than pick a stale
// one; by calling decideDdd on hand-made reports and by driving MetaCore from a store where the
// partition has no members left.
import test from 'ava';
import { encodePartition, encodeTable, partitionKey, tableKey } from '../../../cluster/meta/core/codec.ts';
import { decideDdd } from '../../../cluster/meta/core/ddd.ts';
import { MetaCore } from '../../../cluster/meta/core/meta-core.ts';
import type { NodeId, PartitionConfiguration, ReplicaReport } from '../../../cluster/meta/core/types.ts';
import { describe, testOptions } from './meta-harness.ts';

const gpid = { appId: 1, partitionIndex: 0 };
/** Every member lost: c left first, then b, then the last primary a. */
const lost: PartitionConfiguration = {
  gpid,
  ballot: 9n,
  maxReplicaCount: 3,
  primary: '',
  secondaries: [],
  lastDrops: ['c', 'b', 'a'],
  lastCommittedDecree: 15n,
};

const replica = (ballot: bigint, committed: bigint, prepared: bigint): ReplicaReport => ({
  gpid,
  ballot,
  lastCommittedDecree: committed,
  lastPreparedDecree: prepared,
});

function decide(alive: NodeId[], reports: Record<NodeId, ReplicaReport | 'none'>, config = lost, candidateCount: 1 | 2 = 2): string {
  const decision = decideDdd({ config, isAlive: (node) => alive.includes(node), report: (node) => reports[node], candidateCount });
  return decision.kind === 'choose' ? `choose ${decision.node}` : `${decision.kind}: ${decision.reason}`;
}

test('waits until the two newest drops are back, asking those that are', (t) => {
  t.is(decide(['c'], { c: replica(5n, 10n, 10n) }), 'wait: waiting for a, b to come back');
  t.is(decide(['a', 'c'], {}), 'wait: waiting for b to come back; asking a for their replica state');
  const decision = decideDdd({ config: lost, isAlive: () => true, report: () => undefined, candidateCount: 2 });
  t.like(decision, { kind: 'wait', ask: ['a', 'b'] });
});

test('with synced logs the newest drop alone is enough', (t) => {
  t.is(decide(['a'], { a: replica(9n, 20n, 20n) }, lost, 1), 'choose a');
  t.is(decide(['b', 'c'], { b: replica(8n, 15n, 15n) }, lost, 1), 'wait: waiting for a to come back');
});

test('an older drop with data is never chosen while the newest ones are missing', (t) => {
  t.is(decide(['b', 'c'], { b: replica(8n, 15n, 15n), c: replica(9n, 40n, 40n) }), 'wait: waiting for a to come back');
});

test('the newest drop, the last member, is chosen when it holds every committed decree', (t) => {
  t.is(decide(['a', 'b', 'c'], { a: replica(9n, 20n, 22n), b: replica(8n, 15n, 15n) }), 'choose a');
});

test('a longer tail elsewhere does not win: it is uncommitted, maybe from an older primary', (t) => {
  // b left before a, so whatever b holds beyond what it saw committed was never committed.
  t.is(decide(['a', 'b'], { a: replica(9n, 18n, 20n), b: replica(9n, 19n, 23n) }), 'choose a');
  t.is(decide(['a', 'b'], { a: replica(8n, 18n, 20n), b: replica(9n, 19n, 23n) }), 'choose a', 'nor a larger ballot');
});

test('a single drop is the only candidate and is waited for', (t) => {
  const single = { ...lost, lastDrops: ['a'] };
  t.is(decide([], {}, single), 'wait: waiting for a to come back');
  t.is(decide(['a'], { a: replica(9n, 15n, 16n) }, single), 'choose a');
});

test('refuses when the newest drop holds no replica any more', (t) => {
  t.is(decide(['a', 'b'], { a: 'none', b: replica(8n, 15n, 15n) }), 'stuck: the newest drop a holds no replica: writes committed last may be lost');
});

test('refuses when the newest lost decrees known to be committed (an unsynced log tail)', (t) => {
  t.is(
    decide(['a', 'b'], { a: replica(9n, 12n, 14n), b: replica(8n, 10n, 10n) }),
    'stuck: the newest drop a prepared only up to decree 14 but the meta server knows decree 15 committed',
  );
  t.is(
    decide(['a', 'b'], { a: replica(9n, 15n, 16n), b: replica(8n, 17n, 17n) }),
    'stuck: the newest drop a prepared only up to decree 16 but b knows decree 17 committed',
  );
  t.is(decide(['a'], { a: replica(9n, 15n, 16n) }, lost, 1), 'choose a', 'without waiting for b, nobody can tell');
});

function lostPartitionStore(): Map<string, string> {
  return new Map([
    [tableKey(1), encodeTable({ appId: 1, name: 't', partitionCount: 1, maxReplicaCount: 3, status: 'available' })],
    [partitionKey(gpid), encodePartition(lost)],
  ]);
}

test('end to end: the meta server asks the candidates, then proposes the best, and accepts only that one', (t) => {
  let now = 0;
  const core = MetaCore.recover(testOptions, now, lostPartitionStore()).core;
  const beacon = (from: NodeId) => core.step({ kind: 'beacon', nowMs: now, from, sentMs: now });
  now = 1300;
  core.step({ kind: 'tick', nowMs: now }); // a, b, c known from last_drops, all silent: dead
  t.false(core.isAlive('a'));
  beacon('c');
  const asked = [...beacon('b'), ...beacon('a')].filter((a) => a.kind === 'query_replicas');
  t.deepEqual(asked.map((a) => a.kind === 'query_replicas' && a.to).sort(), ['a', 'b']);
  t.regex(core.status(gpid)!.diagnosis, /asking a, b for their replica state/);

  const fromA = core.step({ kind: 'replica_reports', nowMs: now, from: 'a', configSync: false, replicas: [replica(9n, 15n, 18n)], absent: [] });
  t.deepEqual(fromA.filter((a) => a.kind === 'proposal'), [], 'b has not answered yet');
  const fromB = core.step({ kind: 'replica_reports', nowMs: now, from: 'b', configSync: false, replicas: [replica(8n, 12n, 12n)], absent: [] });
  const proposals = fromB.filter((a) => a.kind === 'proposal');
  t.like(proposals, [{ kind: 'proposal', to: 'a', change: 'assign_primary', node: 'a' }]);
  t.is(proposals.length, 1);

  const proposal = { ...lost, ballot: 10n, primary: 'a', lastDrops: ['c', 'b'] };
  const fromWrongNode = core.step({ kind: 'config_update', nowMs: now, from: 'b', change: 'assign_primary', node: 'b', config: { ...proposal, primary: 'b', lastDrops: ['c', 'a'] } });
  t.like(fromWrongNode[0], { kind: 'config_update_reply', error: 'ERR_INVALID_STATE' });
  const accepted = core.step({ kind: 'config_update', nowMs: now, from: 'a', change: 'assign_primary', node: 'a', config: proposal });
  const persist = accepted[0];
  if (persist?.kind !== 'persist') return t.fail('expected a persist');
  core.step({ kind: 'persisted', nowMs: now, key: persist.key, version: persist.version });
  t.is(describe(core.config(gpid)), 'ballot 10: primary a, secondaries [], drops [c, b]');
});

test('end to end: a newest drop that reports no replica leaves the partition stuck with a diagnosis', (t) => {
  const core = MetaCore.recover(testOptions, 0, lostPartitionStore()).core;
  for (const from of ['a', 'b', 'c']) core.step({ kind: 'beacon', nowMs: 10, from, sentMs: 10 });
  core.step({ kind: 'replica_reports', nowMs: 10, from: 'a', configSync: true, replicas: [], absent: [] });
  const actions = core.step({ kind: 'replica_reports', nowMs: 10, from: 'b', configSync: false, replicas: [replica(8n, 15n, 15n)], absent: [] });
  t.deepEqual(actions.filter((a) => a.kind === 'proposal'), []);
  t.is(core.status(gpid)!.diagnosis, 'stuck: the newest drop a holds no replica: writes committed last may be lost');
});

test('candidates of several lost partitions get one question each', (t) => {
  const second = { ...lost, gpid: { appId: 1, partitionIndex: 1 } };
  const store = new Map([
    [tableKey(1), encodeTable({ appId: 1, name: 't', partitionCount: 2, maxReplicaCount: 3, status: 'available' })],
    [partitionKey(gpid), encodePartition(lost)],
    [partitionKey(second.gpid), encodePartition(second)],
  ]);
  const core = MetaCore.recover(testOptions, 0, store).core;
  for (const from of ['a', 'b', 'c']) core.step({ kind: 'beacon', nowMs: 10, from, sentMs: 10 });
  const queries = core.step({ kind: 'tick', nowMs: 600 }).filter((a) => a.kind === 'query_replicas');
  t.deepEqual(queries, [
    { kind: 'query_replicas', to: 'a', gpids: [gpid, second.gpid] },
    { kind: 'query_replicas', to: 'b', gpids: [gpid, second.gpid] },
  ]);
});

test('end to end: a choice overturned by a later report is withdrawn', (t) => {
  const core = MetaCore.recover(testOptions, 0, lostPartitionStore()).core;
  for (const from of ['a', 'b', 'c']) core.step({ kind: 'beacon', nowMs: 10, from, sentMs: 10 });
  core.step({ kind: 'replica_reports', nowMs: 10, from: 'a', configSync: false, replicas: [replica(9n, 15n, 18n)], absent: [] });
  const chosen = core.step({ kind: 'replica_reports', nowMs: 10, from: 'b', configSync: false, replicas: [replica(8n, 12n, 12n)], absent: [] });
  t.like(chosen.filter((a) => a.kind === 'proposal'), [{ change: 'assign_primary', node: 'a' }]);
  // b's newer report shows a decree committed beyond a's log: the choice is withdrawn and a's
  // request refused.
  core.step({ kind: 'replica_reports', nowMs: 20, from: 'b', configSync: false, replicas: [replica(8n, 19n, 19n)], absent: [] });
  t.is(core.status(gpid)!.diagnosis, 'stuck: the newest drop a prepared only up to decree 18 but b knows decree 19 committed');
  const request = core.step({ kind: 'config_update', nowMs: 20, from: 'a', change: 'assign_primary', node: 'a', config: { ...lost, ballot: 10n, primary: 'a', lastDrops: ['c', 'b'] } });
  t.like(request[0], { kind: 'config_update_reply', error: 'ERR_INVALID_STATE' });
});
