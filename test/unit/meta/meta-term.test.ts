// Proves the meta server's term driver against a scripted store: a failed write is retried until
// it lands and the request is answered only after, a term stopped mid-request answers
// ERR_FORWARD_TO_OTHERS and ignores writes that land later, a write refused for good ends the
// term, and every message to a replica server carries the tables it is about.
import test from 'ava';
import { ManualClock } from '../../../common/clock.ts';
import { MetaMetrics } from '../../../cluster/meta/shell/metrics.ts';
import { MetaTerm } from '../../../cluster/meta/shell/meta-term.ts';
import type { MetaStore } from '../../../cluster/meta/store/meta-store.ts';
import { MetaStoreError } from '../../../cluster/meta/store/meta-store.ts';
import type { ClusterOutbound, FromMetaEnvelope } from '../../../cluster/rpc/cluster-messages.ts';
import { testOptions } from './meta-harness.ts';

/** A store in memory whose puts can be made to fail or to wait. */
class ScriptedStore implements MetaStore {
  readonly values = new Map<string, string>();
  readonly puts: string[] = [];
  failures: MetaStoreError[] = [];
  gate: Promise<void> | undefined;

  async put(key: string, value: string): Promise<void> {
    this.puts.push(key);
    await this.gate;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.values.set(key, value);
  }
  delete(key: string): Promise<void> {
    this.values.delete(key);
    return Promise.resolve();
  }
  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.values.get(key));
  }
  entries(): Promise<[string, string][]> {
    return Promise.resolve([...this.values].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

class RecordingOutbound implements ClusterOutbound {
  readonly sent: { to: string; envelope: FromMetaEnvelope }[] = [];
  sendPeer(): void {}
  sendToMeta(): void {}
  sendToReplica(to: string, envelope: FromMetaEnvelope): void {
    this.sent.push({ to, envelope });
  }
  fetchCheckpointChunk(): never {
    throw new Error('not used');
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function term(store: ScriptedStore, fatal: string[] = []) {
  const outbound = new RecordingOutbound();
  const instance = new MetaTerm({
    self: '127.0.0.1:1',
    store,
    outbound,
    core: { ...testOptions, minLiveNodesForUnfreeze: 1 },
    clock: new ManualClock(),
    metrics: new MetaMetrics({ core: () => undefined, minReplicasFor2pc: 2 }),
    log: () => undefined,
    onFatal: (reason) => fatal.push(reason),
    persistRetryMs: 5,
  });
  return { term: instance, outbound };
}

test('a failed write is retried until it lands, and the request is answered only then', async (t) => {
  const store = new ScriptedStore();
  const { term: meta } = term(store);
  t.true(await meta.begin());
  store.failures = [new MetaStoreError('ERR_TIMEOUT', 'slow', true), new MetaStoreError('ERR_TIMEOUT', 'slow', true)];
  const answer = await meta.ddl({ kind: 'create_table', name: 'users', partitionCount: 2, maxReplicaCount: 3 });
  t.deepEqual(answer, { error: 'ERR_OK', reason: '', appId: 1, name: '' });
  t.deepEqual(store.puts.slice(0, 3), ['apps/1', 'apps/1', 'apps/1'], 'the first write was tried three times');
  t.deepEqual([...store.values.keys()].sort(), ['apps/1', 'apps/1/0', 'apps/1/1']);
  t.regex(store.values.get('apps/1')!, /"status":"available"/);
  t.is(meta.ready?.route('users').error, 'ERR_OK');
  meta.stop();
});

test('a term stopped mid-request answers ERR_FORWARD_TO_OTHERS, and a write landing later changes nothing', async (t) => {
  const store = new ScriptedStore();
  const { term: meta } = term(store);
  await meta.begin();
  let open = (): void => undefined;
  store.gate = new Promise((resolve) => (open = resolve));
  const pending = meta.ddl({ kind: 'create_table', name: 'users', partitionCount: 1, maxReplicaCount: 3 });
  await new Promise((resolve) => setTimeout(resolve, 5));
  t.deepEqual(store.puts, ['apps/1'], 'the first write is in flight');
  meta.stop();
  t.like(await pending, { error: 'ERR_FORWARD_TO_OTHERS' });
  open();
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.is(meta.ready, undefined);
  t.deepEqual(store.puts, ['apps/1'], 'nothing after the write that was in flight');
  t.like(await meta.ddl({ kind: 'drop_table', name: 'users', reserveMs: 0 }), { error: 'ERR_FORWARD_TO_OTHERS' });
});

test('a write the store refuses for good ends the term', async (t) => {
  const store = new ScriptedStore();
  const fatal: string[] = [];
  const { term: meta } = term(store, fatal);
  await meta.begin();
  store.failures = [new MetaStoreError('ERR_FORWARD_TO_OTHERS', 'not leading', false)];
  void meta.ddl({ kind: 'create_table', name: 'users', partitionCount: 1, maxReplicaCount: 3 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.deepEqual(fatal, ['the meta store refused apps/1: ERR_FORWARD_TO_OTHERS']);
  meta.stop();
});

test('every message to a replica server carries the tables it is about', async (t) => {
  const store = new ScriptedStore();
  const { term: meta, outbound } = term(store);
  await meta.begin();
  await meta.ddl({ kind: 'create_table', name: 'users', partitionCount: 2, maxReplicaCount: 1 });
  meta.receive({ kind: 'beacon', from: '127.0.0.1:9', sentMs: 0 });
  meta.receive({
    kind: 'replica_reports',
    from: '127.0.0.1:9',
    configSync: true,
    absent: [],
    replicas: [{ gpid: { appId: 7, partitionIndex: 0 }, ballot: 1n, lastCommittedDecree: 0n, lastPreparedDecree: 0n }],
  });
  const ack = outbound.sent.find((s) => s.envelope.message.kind === 'beacon_ack');
  t.deepEqual(ack?.envelope.apps, []);
  const proposal = outbound.sent.find((s) => s.envelope.message.kind === 'proposal');
  t.deepEqual(proposal?.envelope.apps, [{ appId: 1, name: 'users', partitionCount: 2, status: 'available' }]);
  const sync = outbound.sent.find((s) => s.envelope.message.kind === 'config_sync_reply');
  t.like(sync?.envelope.message, { garbage: [{ appId: 7, partitionIndex: 0 }] });
  t.deepEqual(sync?.envelope.apps, [], 'an unknown table has no summary');
  meta.stop();
});
