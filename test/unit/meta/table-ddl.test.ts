// Proves the table DDL beyond create: a soft drop takes effect only once persisted (routing says
// ERR_BUSY_DROPPING until then), a dropped table is neither routed nor cured, its replicas become
// garbage only after the reserve time, a recall within it (optionally renamed) serves the same
// partitions again, and refused requests change nothing; driven through MetaDriver.
import test from 'ava';
import { MetaCore } from '../../../cluster/meta/core/meta-core.ts';
import type { MetaAction } from '../../../cluster/meta/core/types.ts';
import { describe, gpid0, MetaDriver, only, testOptions } from './meta-harness.ts';

const nodes = ['a', 'b', 'c', 'd'];
const wallMs = 1_800_000_000_000;
const hourMs = 3_600_000;

function healthy(): MetaDriver {
  const meta = new MetaDriver({ nodes });
  meta.settle(only(meta.advance(500, nodes), 'proposal'));
  return meta;
}

function dropped(meta: MetaDriver, reserveMs = hourMs): MetaAction[] {
  return meta.persist(meta.step({ kind: 'drop_table', requestId: 1, name: 't', reserveMs, wallMs }));
}

test('a drop is persisted before it takes effect, then members are told and routing says not found', (t) => {
  const meta = healthy();
  const request = meta.step({ kind: 'drop_table', requestId: 5, name: 't', reserveMs: hourMs, wallMs });
  t.deepEqual(request.map((a) => a.kind), ['persist']);
  t.is(meta.core.route('t').error, 'ERR_BUSY_DROPPING');
  t.is(meta.core.table('t')?.status, 'dropping');
  t.like(meta.step({ kind: 'drop_table', requestId: 6, name: 't', reserveMs: hourMs, wallMs })[0], { kind: 'drop_table_reply', error: 'ERR_BUSY_DROPPING' });
  t.like(meta.step({ kind: 'create_table', requestId: 7, name: 't', partitionCount: 1, maxReplicaCount: 3 })[0], { kind: 'create_table_reply', error: 'ERR_BUSY_DROPPING' });
  const after = meta.persist(request);
  t.deepEqual(only(after, 'drop_table_reply'), [{ kind: 'drop_table_reply', requestId: 5, error: 'ERR_OK', reason: '', appId: 1 }]);
  t.deepEqual(only(after, 'notify_config').map((n) => n.to).sort(), ['a', 'b', 'c']);
  t.is(meta.core.route('t').error, 'ERR_OBJECT_NOT_FOUND');
  t.is(meta.core.table('t'), undefined);
  t.like(meta.core.tableById(1), { status: 'dropped', dropExpireAtMs: wallMs + hourMs });
  t.regex(meta.store.get('apps/1')!, /"status":"dropped","drop_expire_at_ms":1800003600000/);
  t.is(describe(meta.config()), 'ballot 3: primary a, secondaries [b, c], drops []', 'the partition configuration is kept for a recall');
});

test('a dropped table is not cured and its replicas may not change their configuration', (t) => {
  const meta = healthy();
  dropped(meta);
  // The primary dies: nothing is downgraded or proposed for a table nobody serves.
  const later = meta.advance(3000, ['b', 'c', 'd']);
  t.deepEqual(only(later, 'persist'), []);
  t.deepEqual(only(later, 'proposal'), []);
  const config = meta.config();
  const update = meta.step({ kind: 'config_update', from: 'b', change: 'remove', node: 'c', config: { ...config, ballot: config.ballot + 1n, primary: 'b', secondaries: [] } });
  t.like(update[0], { kind: 'config_update_reply', error: 'ERR_OBJECT_NOT_FOUND', reason: 'table 1 is dropped' });
});

test('a recall is persisted before it takes effect; the same members serve again and cure resumes', (t) => {
  const meta = healthy();
  dropped(meta);
  meta.advance(3000, ['b', 'c', 'd']); // a dies meanwhile
  const request = meta.step({ kind: 'recall_table', requestId: 9, appId: 1, wallMs: wallMs + 60_000 });
  t.deepEqual(request.map((a) => a.kind), ['persist']);
  t.is(meta.core.route('t').error, 'ERR_BUSY_CREATING');
  t.like(meta.step({ kind: 'recall_table', requestId: 10, appId: 1, wallMs: wallMs + 60_000 })[0], { error: 'ERR_BUSY_CREATING' });
  t.like(meta.step({ kind: 'create_table', requestId: 11, name: 't', partitionCount: 1, maxReplicaCount: 3 })[0], { error: 'ERR_BUSY_CREATING' }, 'the name is reserved for the recall');
  const after = meta.persist(request);
  t.deepEqual(only(after, 'recall_table_reply'), [{ kind: 'recall_table_reply', requestId: 9, error: 'ERR_OK', reason: '', appId: 1, name: 't' }]);
  t.deepEqual(only(after, 'notify_config').map((n) => n.to).sort(), ['a', 'b', 'c']);
  t.is(meta.core.route('t').error, 'ERR_OK');
  t.regex(meta.store.get('apps/1')!, /"status":"available"}$/);
  // The dead primary is downgraded at once now that the table is served again.
  t.deepEqual(only(after, 'persist').map((p) => p.key), ['apps/1/0']);
  meta.persist(after);
  t.is(describe(meta.config()), 'ballot 4: primary -, secondaries [b, c], drops [a]');
});

test('a second create of a table still being created is told it is busy, then that it exists', (t) => {
  const meta = healthy();
  const first = meta.step({ kind: 'create_table', requestId: 1, name: 'users', partitionCount: 2, maxReplicaCount: 3 });
  t.like(meta.step({ kind: 'create_table', requestId: 2, name: 'users', partitionCount: 2, maxReplicaCount: 3 })[0], { error: 'ERR_BUSY_CREATING', reason: 'table users is being created or recalled' });
  t.like(meta.step({ kind: 'drop_table', requestId: 3, name: 'users', reserveMs: 0, wallMs })[0], { error: 'ERR_BUSY_CREATING' });
  meta.settle(first);
  t.like(meta.step({ kind: 'create_table', requestId: 4, name: 'users', partitionCount: 2, maxReplicaCount: 3 })[0], { error: 'ERR_APP_EXIST' });
});

test('a dropped name may be reused; the old table is recalled under a new name', (t) => {
  const meta = healthy();
  dropped(meta);
  const create = meta.step({ kind: 'create_table', requestId: 2, name: 't', partitionCount: 2, maxReplicaCount: 3 });
  meta.settle(create);
  t.is(meta.core.route('t').table?.appId, 2);
  t.like(meta.step({ kind: 'recall_table', requestId: 3, appId: 1, wallMs })[0], { error: 'ERR_APP_EXIST', reason: 'a table named t exists; recall under a new name' });
  const recall = meta.step({ kind: 'recall_table', requestId: 4, appId: 1, newName: 't_old', wallMs });
  t.like(only(meta.persist(recall), 'recall_table_reply')[0], { error: 'ERR_OK', appId: 1, name: 't_old' });
  t.is(meta.core.route('t_old').table?.appId, 1);
  t.is(meta.core.route('t').table?.appId, 2);
  t.deepEqual(meta.core.tables().map((table) => [table.appId, table.name, table.status]), [[1, 't_old', 'available'], [2, 't', 'available']]);
});

test('refused drops and recalls say why and change nothing', (t) => {
  const meta = healthy();
  const before = new Map(meta.store);
  t.like(meta.step({ kind: 'drop_table', requestId: 1, name: 'nope', reserveMs: 0, wallMs })[0], { error: 'ERR_APP_NOT_EXIST', reason: 'table nope does not exist' });
  t.like(meta.step({ kind: 'drop_table', requestId: 1, name: 't', reserveMs: -1, wallMs })[0], { error: 'ERR_INVALID_PARAMETERS' });
  t.like(meta.step({ kind: 'recall_table', requestId: 1, appId: 1, wallMs })[0], { error: 'ERR_APP_EXIST', reason: 'table 1 (t) is available, not dropped' });
  t.like(meta.step({ kind: 'recall_table', requestId: 1, appId: 42, wallMs })[0], { error: 'ERR_APP_NOT_EXIST' });
  t.deepEqual(meta.store, before);
  t.is(meta.core.route('t').error, 'ERR_OK');
  dropped(meta);
  t.like(meta.step({ kind: 'recall_table', requestId: 1, appId: 1, newName: 'bad/name', wallMs })[0], { error: 'ERR_INVALID_PARAMETERS' });
  t.like(meta.step({ kind: 'recall_table', requestId: 1, appId: 1, wallMs: wallMs + hourMs })[0], { error: 'ERR_APP_NOT_EXIST', reason: 'table 1 (t) is past its reserve time; its data is garbage' });
  t.is(meta.core.tableById(1)?.status, 'dropped');
});

test('replicas of a dropped table become garbage only once its reserve time has passed', (t) => {
  const meta = healthy();
  dropped(meta);
  const report = [{ gpid: gpid0, ballot: 3n, lastCommittedDecree: 0n, lastPreparedDecree: 0n }];
  const sync = () => only(meta.step({ kind: 'replica_reports', from: 'b', configSync: true, replicas: report, absent: [] }), 'config_sync_reply')[0];
  meta.step({ kind: 'tick', wallMs: wallMs + hourMs - 1 });
  t.deepEqual(sync()?.garbage, []);
  t.deepEqual(sync()?.configs, [meta.config()], 'the member still hears of the partition (the table is sent as dropped)');
  meta.step({ kind: 'tick', wallMs: wallMs + hourMs });
  t.deepEqual(sync()?.garbage, [gpid0]);
  t.true(meta.core.isExpired(1));
});

test('a restart keeps a persisted drop and forgets one that was never persisted', (t) => {
  const meta = healthy();
  meta.step({ kind: 'drop_table', requestId: 1, name: 't', reserveMs: hourMs, wallMs });
  const unpersisted = MetaCore.recover(testOptions, meta.nowMs, meta.store).core;
  t.is(unpersisted.route('t').error, 'ERR_OK');
  const persistedDrop = healthy();
  dropped(persistedDrop);
  const restarted = MetaCore.recover(testOptions, persistedDrop.nowMs, persistedDrop.store).core;
  t.like(restarted.tableById(1), { status: 'dropped', dropExpireAtMs: wallMs + hourMs });
  t.is(restarted.route('t').error, 'ERR_OBJECT_NOT_FOUND');
  const recall = restarted.step({ kind: 'recall_table', nowMs: persistedDrop.nowMs, requestId: 1, appId: 1, wallMs });
  t.like(recall[0], { kind: 'persist', key: 'apps/1' });
});

test('a meta level below steady refuses drop and recall', (t) => {
  const meta = healthy();
  meta.step({ kind: 'set_level', level: 'freezed' });
  t.like(meta.step({ kind: 'drop_table', requestId: 1, name: 't', reserveMs: 0, wallMs })[0], { kind: 'drop_table_reply', error: 'ERR_STATE_FREEZED' });
  t.like(meta.step({ kind: 'recall_table', requestId: 1, appId: 1, wallMs })[0], { kind: 'recall_table_reply', error: 'ERR_STATE_FREEZED' });
});
