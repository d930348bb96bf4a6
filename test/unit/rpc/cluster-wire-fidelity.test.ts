// Proves the internal RPC structs carry what the real replication core sends, not just what the
// arbitraries imagine: the scripted scenario driver runs ReplicaCores through writes, LT_APP and
// LT_CACHE learning and a reconfiguration with every peer message replaced by its decoded copy
// from a whole RPC_PEG_PEER frame; each copy is deep-equal to the original and the scenario ends
// with the new node holding every value. The same for the real meta core: every input a replica
// server sends it and every action it addresses to one goes through a whole frame first.
import test from 'ava';
import type { MetaAction, MetaInput } from '../../../cluster/meta/core/index.ts';
import {
  clusterRpcs, createClusterRpcRegistry, decodeRequest, decodeRequestFrame, encodeRequest, ThriftWriter,
  type FromMetaEnvelope, type MetaToReplicaMessage, type PeerEnvelope, type ReplicaToMetaMessage, type RpcMethod,
} from '../../../cluster/rpc/index.ts';
import type { InFlight } from '../../scenario/driver.ts';
import { Driver } from '../../scenario/driver.ts';
import { SCENARIO_OPTIONS } from '../../scenario/options.ts';
import { RealMeta } from '../../scenario/real-meta.ts';

const registry = createClusterRpcRegistry();
const app = { appId: 1, name: 'temp', partitionCount: 1, status: 'available' } as const;

function overTheWire<R>(method: RpcMethod<R, unknown>, request: R): R {
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 1, appId: 1, partitionIndex: 0, clientTimeoutMs: 1000, partitionHash: 0n }, method, 1, request);
  const frame = decodeRequestFrame(writer.toBytes());
  if (!frame.ok) throw frame.error;
  const incoming = decodeRequest(frame.value, registry);
  if (incoming.kind !== 'call') throw incoming.error;
  return incoming.request as R;
}

test('every peer message of a learning and reconfiguration scenario survives the wire unchanged', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2', 'n3'], core: { ...SCENARIO_OPTIONS, prepareListCapacity: 4, mutationsInFlightMax: 2 } });
  const kinds = new Set<string>();
  const push = d.network.push.bind(d.network);
  d.network.push = (...items: InFlight[]): number => push(...items.map((item) => {
    const envelope: PeerEnvelope = { from: item.from, app, message: item.message };
    const copy = overTheWire(clusterRpcs.peer, envelope);
    t.deepEqual(copy, envelope, item.message.kind);
    kinds.add(item.message.kind);
    return { ...item, message: copy.message };
  }));

  d.formGroup('n1', ['n2']);
  for (let i = 1; i <= 6; i += 1) {
    d.write('n1', `k${i}`, `v${i}`);
    d.settle();
  }
  d.checkpoint('n1');
  for (let i = 7; i <= 12; i += 1) {
    d.write('n1', `k${i}`, `v${i}`);
    d.settle();
  }
  d.propose('n1', 'add_secondary', 'n3');
  d.settle();
  d.propose('n1', 'remove', 'n2');
  d.settle(30);

  for (let i = 1; i <= 12; i += 1) t.is(d.value('n3', `k${i}`), `v${i}`, `k${i}`);
  t.deepEqual([...kinds].sort(), [
    'group_check', 'group_check_ack', 'learn_completion_notify', 'learn_request', 'learn_response', 'prepare', 'prepare_ack', 'remove_replica',
  ]);
});

/** The replica server's message behind a meta core input, or undefined for the meta server's own inputs. */
function replicaMessageOf(input: MetaInput): ReplicaToMetaMessage | undefined {
  if (input.kind === 'beacon') return { kind: 'beacon', from: input.from, sentMs: input.sentMs };
  if (input.kind === 'config_update') {
    return { kind: 'config_update', from: input.from, request: { kind: input.change, node: input.node, config: input.config } };
  }
  if (input.kind === 'replica_reports') {
    return { kind: 'replica_reports', from: input.from, replicas: input.replicas, absent: input.absent ?? [], configSync: input.configSync };
  }
  return undefined;
}

function isForReplica(action: MetaAction): action is Extract<MetaAction, MetaToReplicaMessage> {
  return 'to' in action;
}

test('every meta core input from a replica and every action to one survives the wire unchanged', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2', 'n3'], core: SCENARIO_OPTIONS });
  const meta = new RealMeta(d, ['n1', 'n2', 'n3']);
  const kinds = new Set<string>();
  const inner = meta as unknown as { step(input: MetaInput): MetaAction[]; perform(actions: readonly MetaAction[]): void };
  const step = inner.step.bind(meta);
  inner.step = (input) => {
    const message = replicaMessageOf(input);
    if (message !== undefined) {
      t.deepEqual(overTheWire(clusterRpcs.replicaToMeta, message), message);
      kinds.add(`to meta: ${message.kind}`);
    }
    return step(input);
  };
  const perform = inner.perform.bind(meta);
  inner.perform = (actions) => perform(actions.map((action) => {
    if (!isForReplica(action)) return action;
    const envelope: FromMetaEnvelope = { from: 'meta', apps: [app], message: action };
    const copy = overTheWire(clusterRpcs.fromMeta, envelope);
    t.deepEqual(copy, envelope);
    kinds.add(`from meta: ${action.kind}`);
    return copy.message as typeof action;
  }));
  const tick = (): void => {
    meta.advance(100);
    d.tick();
    d.deliverAll();
  };

  tick();
  meta.createTable('t');
  for (let i = 0; i < 60; i += 1) tick();
  d.write('n1', 'a', '1');
  d.crash('n3');
  d.write('n1', 'b', '2');
  for (let i = 0; i < 40; i += 1) tick();
  meta.crash({ heldWritesLand: true });
  meta.restart();
  d.restart('n3');
  for (let i = 0; i < 80; i += 1) tick();

  t.is(d.value('n1', 'b'), '2');
  for (const kind of ['to meta: beacon', 'to meta: config_update', 'from meta: beacon_ack', 'from meta: proposal',
    'from meta: config_update_reply', 'from meta: notify_config']) {
    t.true(kinds.has(kind), `${kind} in ${[...kinds].join(', ')}`);
  }
});
