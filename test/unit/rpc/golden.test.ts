// Proves the THFT framing byte for byte against the reference's worked example (section 4.6): the
// v1 and v0 get requests decode to the expected routing header and request, encode back to the
// same bytes, and the get response encodes to and decodes from the listed bytes; error replies,
// unknown RPC names and one-way clear_scanner frame as Pegasus does.
import test from 'ava';
import {
  callRequest, clientRpcs, createRpcRegistry, decodeRequest, decodeRequestFrame, decodeResponse, encodeErrorResponse,
  encodeRequest, encodeResponse, RequestFrameDecoder, ResponseFrameDecoder, ThriftWriter,
} from '../../../cluster/rpc/index.ts';
import { fixture, toHex, utf8 } from './fixture-hex.ts';

const key = new Uint8Array([0x00, 0x01, 0x61, 0x62]);
const partitionHash = 0x8c2f8445b4cbfc3cn;

test('the v1 get request decodes to its routing header and a storage get request', (t) => {
  const frame = decodeRequestFrame(fixture('get-request-v1.hex'));
  if (!frame.ok) return t.fail(frame.error.message);
  t.deepEqual(frame.value.header, {
    version: 1, appId: 2, partitionIndex: 4, clientTimeoutMs: 1000, threadHash: 2 * 7919 + 4,
    partitionHash, isBackupRequest: false,
  });
  const incoming = decodeRequest(frame.value, createRpcRegistry());
  if (incoming.kind !== 'call') return t.fail(incoming.error.message);
  t.is(incoming.method, clientRpcs.get);
  t.is(incoming.seqid, 1);
  t.deepEqual(incoming.request, { kind: 'get', key });
  t.deepEqual(callRequest(incoming, clientRpcs.get)?.key, key);
  t.is(callRequest(incoming, clientRpcs.put), undefined);
});

test('the v1 get request encodes to the reference bytes', (t) => {
  const writer = new ThriftWriter(16);
  encodeRequest(writer, { version: 1, appId: 2, partitionIndex: 4, clientTimeoutMs: 1000, partitionHash }, clientRpcs.get, 1, { kind: 'get', key });
  t.is(toHex(writer.toBytes()), toHex(fixture('get-request-v1.hex')));
});

test('the v0 get request decodes and encodes like the reference header', (t) => {
  const bytes = fixture('get-request-v0.hex');
  const frame = decodeRequestFrame(bytes);
  if (!frame.ok) return t.fail(frame.error.message);
  t.deepEqual(frame.value.header, {
    version: 0, appId: 2, partitionIndex: 4, clientTimeoutMs: 1000, threadHash: 0x3de2,
    partitionHash, isBackupRequest: false,
  });
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 0, appId: 2, partitionIndex: 4, clientTimeoutMs: 1000, partitionHash }, clientRpcs.get, 1, { kind: 'get', key });
  t.is(toHex(writer.toBytes()), toHex(bytes));
});

test('the get response encodes to the reference bytes and decodes back', (t) => {
  const response = {
    kind: 'read_response', error: 0, value: utf8('v'), appId: 2, partitionIndex: 4, server: '127.0.0.1:34801',
  } as const;
  const writer = new ThriftWriter();
  encodeResponse(writer, clientRpcs.get, 1, response);
  const bytes = fixture('get-response.hex');
  t.is(toHex(writer.toBytes()), toHex(bytes));
  const decoded = decodeResponse(bytes, clientRpcs.get);
  if (!decoded.ok) return t.fail(decoded.error.message);
  t.deepEqual(decoded.value, { head: { error: 'ERR_OK', name: 'RPC_RRDB_RRDB_GET_ACK', seqid: 1, resultOffset: 47 }, response });
});

test('an error reply has the error name, the _ACK message and no body', (t) => {
  const writer = new ThriftWriter();
  encodeErrorResponse(writer, 'RPC_RRDB_RRDB_GET', 7, 'ERR_OBJECT_NOT_FOUND');
  t.is(toHex(writer.toBytes()), toHex(fixture('get-response-object-not-found.hex')));
  const decoded = decodeResponse(writer.toBytes(), clientRpcs.get);
  if (!decoded.ok) return t.fail(decoded.error.message);
  t.deepEqual(decoded.value, { head: { error: 'ERR_OBJECT_NOT_FOUND', name: 'RPC_RRDB_RRDB_GET_ACK', seqid: 7, resultOffset: decoded.value.head.resultOffset } });
  t.false('response' in decoded.value);
});

test('an unknown RPC name is rejected with ERR_HANDLER_NOT_FOUND under its own name', (t) => {
  const bytes = fixture('get-request-v1.hex');
  const frame = decodeRequestFrame(bytes);
  if (!frame.ok) return t.fail(frame.error.message);
  const registry = createRpcRegistry();
  const renamed = { ...frame.value, body: frame.value.body.slice() };
  renamed.body.set(utf8('RPC_RRDB_RRDB_GOT'), 8);
  const incoming = decodeRequest(renamed, registry);
  if (incoming.kind !== 'reject') return t.fail(incoming.kind);
  t.is(incoming.name, 'RPC_RRDB_RRDB_GOT');
  t.is(incoming.seqid, 1);
  t.is(incoming.error.code, 'unknown_rpc');
  t.is(incoming.error.wireError, 'ERR_HANDLER_NOT_FOUND');
  t.true(incoming.answerable);
});

test('clear_scanner is one-way: encoded as a CALL with an i64 argument, and never answered', (t) => {
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 1, appId: 2, partitionIndex: 4, clientTimeoutMs: 1000, partitionHash: 0n }, clientRpcs.clearScanner, 9, { kind: 'clear_scanner', contextId: 42n });
  t.is(toHex(writer.toBytes()), toHex(fixture('clear-scanner-request-v1.hex')));
  const decoder = new RequestFrameDecoder();
  decoder.push(writer.toBytes());
  const step = decoder.next();
  if (step.kind !== 'frame') return t.fail(step.kind);
  const incoming = decodeRequest(step.frame, createRpcRegistry());
  if (incoming.kind !== 'call') return t.fail(incoming.kind);
  t.deepEqual(incoming.request, { kind: 'clear_scanner', contextId: 42n });
  t.is(incoming.method.response, null);
  t.throws(() => encodeResponse(new ThriftWriter(), clientRpcs.clearScanner, 9, undefined as never), { message: /one-way/ });
});

test('frames split anywhere across chunks come out whole and in order', (t) => {
  const one = fixture('get-request-v1.hex');
  const two = fixture('get-request-v0.hex');
  const stream = new Uint8Array([...one, ...two, ...one]);
  for (let cut = 0; cut <= stream.length; cut += 7) {
    const decoder = new RequestFrameDecoder();
    const seen: number[] = [];
    for (const chunk of [stream.subarray(0, cut), stream.subarray(cut)]) {
      decoder.push(chunk);
      for (let step = decoder.next(); step.kind === 'frame'; step = decoder.next()) seen.push(step.frame.header.version);
    }
    t.deepEqual(seen, [1, 0, 1]);
    t.is(decoder.bufferedBytes, 0);
  }
  const responses = new ResponseFrameDecoder();
  const response = fixture('get-response.hex');
  for (const byte of [...response, ...response]) responses.push(new Uint8Array([byte]));
  const first = responses.next();
  const second = responses.next();
  t.is(first.kind === 'frame' ? toHex(first.frame) : first.kind, toHex(response));
  t.is(second.kind === 'frame' ? toHex(second.frame) : second.kind, toHex(response));
  t.is(responses.next().kind, 'need_more');
});

test('a value that cannot be encoded leaves the writer as it was', (t) => {
  const writer = new ThriftWriter();
  encodeErrorResponse(writer, 'RPC_RRDB_RRDB_GET', 7, 'ERR_OBJECT_NOT_FOUND');
  const before = toHex(writer.toBytes());
  t.throws(() => encodeResponse(writer, clientRpcs.get, 8, { kind: 'read_response', error: 0, value: 'v' as never, appId: 1, partitionIndex: 0, server: '' }), {
    message: /read_response\.value: expected Uint8Array/,
  });
  t.throws(() => encodeRequest(writer, { version: 1, appId: 2, partitionIndex: 4, clientTimeoutMs: 1000, partitionHash: 0n }, clientRpcs.get, 1, { kind: 'get', key: null as never }));
  t.is(toHex(writer.toBytes()), before);
});
