// Proves the replica server's client RPC layer stamps replica answers as Pegasus does and turns
// each refusal into the error name clients act on: unknown or dropped partitions, a lease that
// expired (also while a read was in progress), a replica that is inactive, and a server already
// handling its bound of requests. The replica here is a stand-in whose answers the test controls.
import test from 'ava';
import { ManualClock } from '../../../../common/clock.ts';
import { ReplicaRefusal } from '../../../../cluster/replica/host/replica-refusal.ts';
import type { ReplicaHost } from '../../../../cluster/replica/host/replica-host.ts';
import { ClientRequests, type HostedEntry } from '../../../../cluster/replica/server/client-requests.ts';
import { ReplicaMetrics } from '../../../../cluster/replica/server/replica-metrics.ts';
import { HandlerTable, RpcErrorReply } from '../../../../cluster/rpc/node/handler-table.ts';
import type { IncomingCall } from '../../../../cluster/rpc/rpc-codec.ts';
import { clientRpcs, type AnyRpcMethod } from '../../../../cluster/rpc/rpc-methods.ts';
import type { RequestHeader } from '../../../../cluster/rpc/request-frame.ts';
import { encodeKey } from '../../../../cluster/storage/key-schema.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);
const header: RequestHeader = { version: 1, appId: 3, partitionIndex: 1, clientTimeoutMs: 1000, partitionHash: 0n, threadHash: 0, isBackupRequest: false };
const callOf = (method: AnyRpcMethod, request: unknown, overrides: Partial<RequestHeader> = {}): IncomingCall =>
  ({ kind: 'call', header: { ...header, ...overrides }, method, seqid: 1, request });

function setup(options: { inFlightMax?: number } = {}) {
  const state = { leaseValid: true, dropped: false };
  const gates: Array<() => void> = [];
  let refusal: ReplicaRefusal | undefined;
  const replica = {
    gpid: { appId: 3, partitionIndex: 1 },
    write: async () => {
      if (refusal !== undefined) throw refusal;
      await new Promise<void>((resolve) => gates.push(resolve));
      return { kind: 'update_response', error: 0, decree: 7n };
    },
    read: async () => {
      await new Promise<void>((resolve) => gates.push(resolve));
      return { kind: 'read_response', error: 0, value: utf8('v') };
    },
  } as unknown as ReplicaHost;
  const entry = (): HostedEntry => ({ replica, app: { appId: 3, name: 't', partitionCount: 4, status: state.dropped ? 'dropped' : 'available' } });
  const clock = new ManualClock();
  const metrics: ReplicaMetrics = new ReplicaMetrics({ replicas: () => [], requestsInFlight: (): number => requests.requestsInFlight, leaseValid: () => state.leaseValid, transport: () => undefined });
  const requests: ClientRequests = new ClientRequests({
    server: '127.0.0.1:9', clock, metrics,
    hosted: (gpid) => (gpid.appId === 3 && gpid.partitionIndex === 1 ? entry() : undefined),
    leaseValid: () => state.leaseValid,
  }, options.inFlightMax);
  const table = new HandlerTable();
  requests.register(table);
  const put = { kind: 'put' as const, key: encodeKey(utf8('h'), utf8('s')), value: utf8('v'), expireTsSeconds: 0 };
  const get = { kind: 'get' as const, key: encodeKey(utf8('h'), utf8('s')) };
  const invoke = (method: AnyRpcMethod, request: unknown, overrides: Partial<RequestHeader> = {}) =>
    table.handlerOf(method)(request, callOf(method, request, overrides));
  const openGates = () => gates.splice(0).forEach((open) => open());
  return { state, invoke, put, get, openGates, metrics, requests, refuseWith: (value: ReplicaRefusal) => { refusal = value; } };
}

const errorOf = (answer: unknown) => (answer instanceof RpcErrorReply ? answer.error : 'ERR_OK');

test('answers are the replica\'s, stamped with app, partition and server', async (t) => {
  const { invoke, put, openGates } = setup();
  const answer = invoke(clientRpcs.put as AnyRpcMethod, put);
  await Promise.resolve();
  openGates();
  t.deepEqual(await answer, { kind: 'update_response', error: 0, decree: 7n, appId: 3, partitionIndex: 1, server: '127.0.0.1:9' });
});

test('unknown and dropped partitions are ERR_OBJECT_NOT_FOUND', async (t) => {
  const { invoke, get, state } = setup();
  t.is(errorOf(await invoke(clientRpcs.get as AnyRpcMethod, get, { partitionIndex: 2 })), 'ERR_OBJECT_NOT_FOUND');
  state.dropped = true;
  t.is(errorOf(await invoke(clientRpcs.get as AnyRpcMethod, get)), 'ERR_OBJECT_NOT_FOUND');
});

test('no lease, or a lease lost while a read ran, is ERR_INVALID_STATE', async (t) => {
  const { invoke, get, state, openGates } = setup();
  state.leaseValid = false;
  t.is(errorOf(await invoke(clientRpcs.get as AnyRpcMethod, get)), 'ERR_INVALID_STATE');
  state.leaseValid = true;
  const answer = invoke(clientRpcs.get as AnyRpcMethod, get);
  await Promise.resolve();
  state.leaseValid = false;
  openGates();
  t.is(errorOf(await answer), 'ERR_INVALID_STATE');
});

test('an inactive replica\'s refusal reaches the client as ERR_INVALID_STATE; others pass as they are', async (t) => {
  const { invoke, put, refuseWith } = setup();
  refuseWith(new ReplicaRefusal('ERR_INACTIVE_STATE', 'lease expired'));
  t.is(errorOf(await invoke(clientRpcs.put as AnyRpcMethod, put)), 'ERR_INVALID_STATE');
  refuseWith(new ReplicaRefusal('ERR_NOT_ENOUGH_MEMBER', 'alone'));
  t.is(errorOf(await invoke(clientRpcs.put as AnyRpcMethod, put)), 'ERR_NOT_ENOUGH_MEMBER');
});

test('beyond the bound of requests in flight the server answers ERR_BUSY', async (t) => {
  const { invoke, put, openGates, requests, metrics } = setup({ inFlightMax: 2 });
  const first = invoke(clientRpcs.put as AnyRpcMethod, put);
  const second = invoke(clientRpcs.put as AnyRpcMethod, put);
  t.is(requests.requestsInFlight, 2);
  t.is(errorOf(await invoke(clientRpcs.put as AnyRpcMethod, put)), 'ERR_BUSY');
  await Promise.resolve();
  openGates();
  t.is(errorOf(await first), 'ERR_OK');
  t.is(errorOf(await second), 'ERR_OK');
  t.is(requests.requestsInFlight, 0);
  const text = await metrics.text();
  t.regex(text, /pegasus_replica_requests_total\{table="t",op="put",result="ERR_BUSY"\} 1/);
  t.regex(text, /pegasus_replica_requests_total\{table="t",op="put",result="ERR_OK"\} 2/);
});
