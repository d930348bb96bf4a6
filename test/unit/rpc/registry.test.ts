// Proves an internal RPC can be added under our own name with its own struct and travels in the
// same THFT framing as the client RPCs, and that the registry refuses duplicate and malformed names.
import test from 'ava';
import {
  createRpcRegistry, decodeRequest, decodeResponse, defineRpc, defineStruct, encodeErrorResponse, encodeRequest,
  encodeResponse, RequestFrameDecoder, t as types, ThriftWriter, type Gpid,
} from '../../../cluster/rpc/index.ts';

interface PrepareRequest {
  readonly kind: 'prepare';
  readonly pid: Gpid;
  readonly ballot: bigint;
  readonly decree: bigint;
  readonly updates: readonly Uint8Array[];
}
interface PrepareAck {
  readonly err: 'ERR_OK' | 'ERR_INVALID_STATE';
  readonly ballot: bigint;
}

const prepareRequest = defineStruct<PrepareRequest>('prepare_request', [
  { id: 1, name: 'pid', type: types.gpid },
  { id: 2, name: 'ballot', type: types.i64 },
  { id: 3, name: 'decree', type: types.i64 },
  { id: 4, name: 'updates', type: types.list(types.blob) },
], { kind: 'prepare' });
const prepareAck = defineStruct<PrepareAck>('prepare_ack', [
  { id: 1, name: 'err', type: types.errorCode as never },
  { id: 2, name: 'ballot', type: types.i64 },
]);
const prepare = defineRpc('RPC_PTS_PREPARE', types.struct(prepareRequest), types.struct(prepareAck));

test('an internal RPC registered under our own name round-trips through the THFT framing', (t) => {
  const registry = createRpcRegistry().register(prepare);
  const request: PrepareRequest = {
    kind: 'prepare', pid: { appId: 2, partitionIndex: 7 }, ballot: 3n, decree: 41n, updates: [new Uint8Array([1, 2, 3])],
  };
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 1, appId: 2, partitionIndex: 7, clientTimeoutMs: 5000, partitionHash: 0n }, prepare, 100, request);
  const decoder = new RequestFrameDecoder();
  decoder.push(writer.toBytes());
  const step = decoder.next();
  if (step.kind !== 'frame') return t.fail(step.kind);
  const incoming = decodeRequest(step.frame, registry);
  if (incoming.kind !== 'call') return t.fail(incoming.kind);
  t.is(incoming.method, prepare);
  t.deepEqual(incoming.request, request);

  const reply = new ThriftWriter();
  encodeResponse(reply, prepare, 100, { err: 'ERR_OK', ballot: 3n });
  const decoded = decodeResponse(reply.toBytes(), prepare);
  t.deepEqual(decoded.ok ? decoded.value.response : decoded.error.message, { err: 'ERR_OK', ballot: 3n });
  t.is(decoded.ok ? decoded.value.head.name : '', 'RPC_PTS_PREPARE_ACK');

  reply.reset();
  encodeErrorResponse(reply, prepare.name, 101, 'ERR_INVALID_STATE');
  const failed = decodeResponse(reply.toBytes(), prepare);
  t.deepEqual(failed.ok ? [failed.value.head.error, failed.value.response] : failed.error.message, ['ERR_INVALID_STATE', undefined]);
});

test('without registration the same request is answered ERR_HANDLER_NOT_FOUND', (t) => {
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 0, appId: 2, partitionIndex: 7, clientTimeoutMs: 5000, partitionHash: 0n }, prepare, 5, {
    kind: 'prepare', pid: { appId: 2, partitionIndex: 7 }, ballot: 3n, decree: 41n, updates: [],
  });
  const decoder = new RequestFrameDecoder();
  decoder.push(writer.toBytes());
  const step = decoder.next();
  if (step.kind !== 'frame') return t.fail(step.kind);
  const incoming = decodeRequest(step.frame, createRpcRegistry());
  t.is(incoming.kind === 'reject' ? incoming.error.wireError : incoming.kind, 'ERR_HANDLER_NOT_FOUND');
});

test('the registry refuses a name twice, and names must be upper case without _ACK', (t) => {
  const registry = createRpcRegistry();
  t.throws(() => registry.register(prepare).register(prepare), { message: /registered twice/ });
  t.throws(() => defineRpc('rpc_lower', types.i64, null), { message: /upper case/ });
  t.throws(() => defineRpc('RPC_X_ACK', types.i64, null), { message: /_ACK/ });
  t.is(registry.names().length, 20);
  t.is(registry.getByResponseName('RPC_RRDB_RRDB_GET_ACK')?.name, 'RPC_RRDB_RRDB_GET');
});

test('a malformed argument of a known RPC is answered ERR_INVALID_DATA with its seqid', (t) => {
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 1, appId: 1, partitionIndex: 0, clientTimeoutMs: 1, partitionHash: 0n }, prepare, 77, {
    kind: 'prepare', pid: { appId: 2, partitionIndex: 7 }, ballot: 3n, decree: 41n, updates: [],
  });
  const bytes = writer.toBytes();
  const decoder = new RequestFrameDecoder();
  decoder.push(bytes.subarray(0, bytes.length - 1)); // drop the args stop byte, keep the frame length
  decoder.push(new Uint8Array([0x0b]));
  const step = decoder.next();
  if (step.kind !== 'frame') return t.fail(step.kind);
  const incoming = decodeRequest(step.frame, createRpcRegistry().register(prepare));
  if (incoming.kind !== 'reject') return t.fail(incoming.kind);
  t.is(incoming.seqid, 77);
  t.is(incoming.error.wireError, 'ERR_INVALID_DATA');
  t.is(incoming.error.code, 'truncated');
});
