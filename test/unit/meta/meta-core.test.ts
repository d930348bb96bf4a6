// Proves MetaCore's contract with its shell: a change is persisted before it takes effect (no
// reply, notification or routing change before `persisted`), stale and concurrent requests are
// refused with clear reasons, dead nodes are removed, and a restart from the store loses nothing
// that was persisted; driven step by step through MetaDriver with short timings.
import test from 'ava';
import { MetaCore } from '../../../cluster/meta/core/meta-core.ts';
import { describe, gpid0, MetaDriver, only, testOptions } from './meta-harness.ts';

const nodes = ['a', 'b', 'c', 'd'];

/** A driver whose partition 0 is healthy with primary a and secondaries b, c. */
function healthy(): MetaDriver {
  const meta = new MetaDriver({ nodes });
  const assign = only(meta.advance(500, nodes), 'proposal');
  meta.settle(assign);
  return meta;
}

test('a new partition gets a primary, then learners up to the replica count', (t) => {
  const meta = new MetaDriver({ nodes });
  const proposals = only(meta.advance(500, nodes), 'proposal');
  t.deepEqual(proposals.map((p) => [p.to, p.change, p.node]), [['a', 'assign_primary', 'a']]);
  meta.settle(proposals);
  t.is(describe(meta.config()), 'ballot 3: primary a, secondaries [b, c], drops []');
  t.is(meta.core.status(gpid0)?.diagnosis, '');
});

test('a change takes effect only after the store reports it persisted', (t) => {
  const meta = healthy();
  const before = meta.config();
  const request = meta.step({ kind: 'config_update', from: 'a', change: 'remove', node: 'c', config: { ...before, ballot: before.ballot + 1n, secondaries: ['b'] } });
  t.deepEqual(request.map((a) => a.kind), ['persist']);
  t.is(meta.config(), before, 'routing still sees the old configuration');
  // While it is being written, any other change of the partition waits.
  const busy = meta.step({ kind: 'config_update', from: 'a', change: 'remove', node: 'b', config: { ...before, ballot: before.ballot + 1n, secondaries: ['c'] } });
  t.like(busy[0], { kind: 'config_update_reply', error: 'ERR_BUSY', retriable: true });
  const after = meta.persist(request);
  t.is(describe(meta.config()), 'ballot 4: primary a, secondaries [b], drops [c]');
  t.like(after[0], { kind: 'config_update_reply', to: 'a', error: 'ERR_OK', config: meta.config() });
  t.deepEqual(only(after, 'notify_config').map((n) => n.to).sort(), ['b', 'c']);
  // The store holds exactly the configuration now in effect.
  t.regex(meta.store.get('apps/1/0')!, /"ballot":"4".*"last_drops":\["c"\]/);
});

test('a late duplicate of an old persisted report changes nothing', (t) => {
  const meta = healthy();
  t.deepEqual(meta.step({ kind: 'persisted', key: 'apps/1/0', version: 2n }), []);
  t.deepEqual(meta.step({ kind: 'persisted', key: 'apps/1/0', version: 99n }), []);
  t.is(meta.config().ballot, 3n);
});

test('stale ballots, unknown partitions and requests from dead nodes are refused with a reason', (t) => {
  const meta = healthy();
  const current = meta.config();
  const stale = meta.step({ kind: 'config_update', from: 'a', change: 'remove', node: 'c', config: { ...current, ballot: current.ballot, secondaries: ['b'] } });
  t.like(stale[0], { kind: 'config_update_reply', error: 'ERR_INVALID_VERSION', retriable: false, config: current });
  const missing = meta.step({ kind: 'config_update', from: 'a', change: 'remove', node: 'c', config: { ...current, gpid: { appId: 7, partitionIndex: 0 } } });
  t.like(missing[0], { error: 'ERR_OBJECT_NOT_FOUND' });
  meta.advance(1300, ['a', 'b', 'c']); // d falls silent
  t.false(meta.core.isAlive('d'));
  const fromDead = meta.step({ kind: 'config_update', from: 'd', change: 'remove', node: 'c', config: { ...current, ballot: current.ballot + 1n, secondaries: ['b'] } });
  t.like(fromDead[0], { error: 'ERR_INVALID_STATE', reason: 'd is not alive for the meta server' });
});

test('assign_primary is accepted only for the node the meta server proposed', (t) => {
  const meta = new MetaDriver({ nodes });
  const config = meta.config();
  const early = meta.step({ kind: 'config_update', from: 'b', change: 'assign_primary', node: 'b', config: { ...config, ballot: 1n, primary: 'b' } });
  t.like(early[0], { error: 'ERR_INVALID_STATE', reason: 'assign_primary of b was not proposed by the meta server' });
});

test('when a primary dies the meta server downgrades it itself, then promotes a secondary', (t) => {
  const meta = healthy();
  const actions = meta.advance(1300, ['b', 'c', 'd']);
  t.deepEqual(only(actions, 'node_state'), [{ kind: 'node_state', node: 'a', alive: false }]);
  const persists = only(actions, 'persist');
  t.is(persists.length, 1);
  t.like(meta.config(), { primary: 'a' }, 'not in effect before persisted');
  const after = meta.persist(persists);
  t.is(describe(meta.config()), 'ballot 4: primary -, secondaries [b, c], drops [a]');
  t.deepEqual(only(after, 'config_update_reply'), [], 'nobody asked, nobody is answered');
  t.deepEqual(only(after, 'notify_config').map((n) => n.to).sort(), ['a', 'b', 'c']);
  // b and c each have no primary: the tie goes to b.
  t.deepEqual(only(after, 'proposal').map((p) => [p.to, p.change, p.node]), [['b', 'upgrade_to_primary', 'b']]);
  meta.settle(only(after, 'proposal'));
  t.like(meta.config(), { primary: 'b' });
});

test('a dead secondary is removed through its primary and recorded in last_drops', (t) => {
  const meta = healthy();
  const proposals = only(meta.advance(1300, ['a', 'b', 'd']), 'proposal');
  t.deepEqual(proposals.map((p) => [p.to, p.change, p.node]), [['a', 'downgrade_to_inactive', 'c']]);
  meta.settle(proposals.slice(0, 1), 2);
  t.is(describe(meta.config()), 'ballot 4: primary a, secondaries [b], drops [c]');
});

test('a proposal nobody acts on is sent again after the resend interval, not before', (t) => {
  const meta = new MetaDriver({ nodes });
  t.is(only(meta.advance(500, nodes), 'proposal').length, 1);
  t.is(only(meta.advance(100, nodes), 'proposal').length, 0);
  t.is(only(meta.advance(500, nodes), 'proposal').length, 1);
});

test('a restart loses an unpersisted change and keeps a persisted one', (t) => {
  const meta = healthy();
  const current = meta.config();
  const removeC = { ...current, ballot: current.ballot + 1n, secondaries: ['b'] };
  const request = { kind: 'config_update' as const, from: 'a', change: 'remove' as const, node: 'c', config: removeC };
  meta.step(request); // persist issued, never completed
  const restarted = MetaCore.recover(testOptions, meta.nowMs, meta.store).core;
  t.is(restarted.config(gpid0)?.ballot, current.ballot, 'the unpersisted change is gone');
  restarted.step({ kind: 'beacon', nowMs: meta.nowMs, from: 'a', sentMs: meta.nowMs });
  const retry = restarted.step({ ...request, nowMs: meta.nowMs });
  t.deepEqual(retry.map((a) => a.kind), ['persist']);
  const persist = retry[0]!;
  if (persist.kind !== 'persist') return t.fail();
  meta.store.set(persist.key, persist.value);
  // The reply is lost in a second restart; the retried request is then answered as done.
  const again = MetaCore.recover(testOptions, meta.nowMs, meta.store).core;
  again.step({ kind: 'beacon', nowMs: meta.nowMs, from: 'a', sentMs: meta.nowMs });
  t.like(again.step({ ...request, nowMs: meta.nowMs })[0], { kind: 'config_update_reply', error: 'ERR_OK', config: { ballot: removeC.ballot } });
});

test('nodes named in stored configurations get one grace period after a restart', (t) => {
  const meta = healthy();
  const restarted = MetaCore.recover(testOptions, 10_000, meta.store).core;
  t.true(restarted.isAlive('c'));
  t.deepEqual(restarted.step({ kind: 'tick', nowMs: 11_000 }).filter((a) => a.kind === 'node_state'), []);
  t.is(restarted.step({ kind: 'tick', nowMs: 11_300 }).filter((a) => a.kind === 'node_state').length, 3);
});

test('create_table persists the table, then its partitions, then marks it available and answers', (t) => {
  const meta = new MetaDriver({ nodes });
  const first = meta.step({ kind: 'create_table', requestId: 7, name: 'users', partitionCount: 4, maxReplicaCount: 3 });
  t.deepEqual(first.map((a) => a.kind), ['persist']);
  t.is(meta.core.tableConfigs('users'), undefined, 'not routable while being created');
  const partitions = meta.persist(first);
  t.is(only(partitions, 'persist').length, 4);
  const last = meta.persist(partitions);
  t.deepEqual(last.map((a) => a.kind), ['persist']);
  t.deepEqual(only(meta.persist(last), 'create_table_reply'), [{ kind: 'create_table_reply', requestId: 7, error: 'ERR_OK', reason: '', appId: 2 }]);
  t.is(meta.core.tableConfigs('users')?.length, 4);
  t.like(meta.step({ kind: 'create_table', requestId: 8, name: 'users', partitionCount: 4, maxReplicaCount: 3 })[0], { error: 'ERR_APP_EXIST' });
  t.like(meta.step({ kind: 'create_table', requestId: 9, name: 'x', partitionCount: 3, maxReplicaCount: 3 })[0], { error: 'ERR_INVALID_PARAMETERS' });
});

test('a table creation interrupted by a restart is finished from the store', (t) => {
  const meta = new MetaDriver({ nodes });
  const first = meta.step({ kind: 'create_table', requestId: 1, name: 'users', partitionCount: 2, maxReplicaCount: 3 });
  const partitions = meta.persist(first);
  meta.persist(partitions.slice(0, 1));
  const { core, actions } = MetaCore.recover(testOptions, meta.nowMs, meta.store);
  t.deepEqual(actions.map((a) => a.kind === 'persist' && a.key), ['apps/2/1']);
  const next = core.step({ kind: 'persisted', nowMs: meta.nowMs, key: 'apps/2/1', version: 0n });
  t.deepEqual(next.map((a) => a.kind === 'persist' && a.key), ['apps/2']);
  core.step({ kind: 'persisted', nowMs: meta.nowMs, key: 'apps/2', version: 2n });
  t.is(core.tableConfigs('users')?.length, 2);
});

test('config sync answers with the partitions the node is or was part of, and marks unknown tables as garbage', (t) => {
  const meta = healthy();
  const reply = meta.step({
    kind: 'replica_reports',
    from: 'b',
    configSync: true,
    replicas: [
      { gpid: gpid0, ballot: 3n, lastCommittedDecree: 0n, lastPreparedDecree: 0n },
      { gpid: { appId: 9, partitionIndex: 0 }, ballot: 1n, lastCommittedDecree: 0n, lastPreparedDecree: 0n },
    ],
    absent: [],
  });
  t.deepEqual(only(reply, 'config_sync_reply'), [{ kind: 'config_sync_reply', to: 'b', configs: [meta.config()], garbage: [{ appId: 9, partitionIndex: 0 }] }]);
  t.deepEqual(only(meta.step({ kind: 'replica_reports', from: 'd', configSync: true, replicas: [], absent: [] }), 'config_sync_reply')[0]?.configs, []);
});

test('a damaged store entry stops recovery with the key named', (t) => {
  const store = new Map([['apps/1/0', '{"pid":{"app_id":1,"partition_index":3},"ballot":"1"}']]);
  t.throws(() => MetaCore.recover(testOptions, 0, store), { message: /apps\/1\/0: pid does not match the key/ });
  t.throws(() => MetaCore.recover(testOptions, 0, new Map([['apps/1/0', '{"pid":{"app_id":1,"partition_index":0},"primary":"","ballot":1}']])), {
    message: /apps\/1\/0: ballot is not a decimal string/,
  });
  t.throws(() => MetaCore.recover(testOptions, 0, new Map([['tables/1', '{}']])), { message: /tables\/1: unknown key/ });
});

test('a primary that dies while its own change is being persisted is downgraded right after', (t) => {
  const meta = healthy();
  const before = meta.config();
  const request = meta.step({ kind: 'config_update', from: 'a', change: 'remove', node: 'c', config: { ...before, ballot: before.ballot + 1n, secondaries: ['b'] } });
  const whileWriting = meta.advance(1300, ['b', 'c', 'd']);
  t.deepEqual(only(whileWriting, 'persist'), [], 'one write at a time per partition');
  const after = meta.persist(request);
  t.is(describe(meta.config()), 'ballot 4: primary a, secondaries [b], drops [c]');
  t.like(after[0], { kind: 'config_update_reply', to: 'a', error: 'ERR_OK' });
  meta.persist(after);
  t.is(describe(meta.config()), 'ballot 5: primary -, secondaries [b], drops [c, a]');
});
