// Proves the internal RPC structs carry every cluster message kind exactly: fast-check round trips
// through whole THFT request (and response) frames give back deep-equal TypeScript shapes (bigints
// near ±2^63, empty mutations, absent optional parts as present-but-undefined keys), and that
// truncated, random or subtly wrong bytes (unknown kind, two kinds, missing field, unknown enum
// name, unsafe integer) fail with an RpcCodecError naming the place, never a half-built value.
import test from 'ava';
import fc from 'fast-check';
import {
  clusterRpcs, createClusterRpcRegistry, decodeRequest, decodeRequestFrame, decodeResponse, defineStruct, encodeRequest, encodeResponse,
  readStruct, readValue, RpcCodecError, t as types, ThriftReader, ThriftWriter, writeStruct, writeValue, type AnyRpcMethod, type RpcMethod,
} from '../../../cluster/rpc/index.ts';
import { appSummarySchema, peerEnvelopeSchema, replicaToMetaType } from '../../../cluster/rpc/cluster-structs.ts';
import { peerMessageType } from '../../../cluster/rpc/peer-structs.ts';
import {
  checkpointChunkRequest, checkpointChunkResponse, fromMetaEnvelope, oneOfEachKind, peerEnvelope, replicaToMeta,
} from '../../support/cluster-arbitraries.ts';
import { fixture, parseHex, toHex } from './fixture-hex.ts';

const registry = createClusterRpcRegistry();
const routing = { version: 1 as const, appId: 0, partitionIndex: 0, clientTimeoutMs: 1000, partitionHash: 0n };
const runs = { seed: 20261122, numRuns: 300 };

const encodeWith = <S>(schema: Parameters<typeof writeStruct<S>>[1], value: S): Uint8Array => {
  const writer = new ThriftWriter();
  writeStruct(writer, schema, value);
  return writer.toBytes();
};

function requestFrame<R>(method: RpcMethod<R, unknown>, request: R): Uint8Array {
  const writer = new ThriftWriter();
  encodeRequest(writer, routing, method, 7, request);
  return writer.toBytes();
}

function decodeCall(frame: Uint8Array): { readonly method: AnyRpcMethod; readonly request: unknown } {
  const parsed = decodeRequestFrame(frame);
  if (!parsed.ok) throw parsed.error;
  const incoming = decodeRequest(parsed.value, registry);
  if (incoming.kind !== 'call') throw incoming.error;
  return incoming;
}

function roundTrip<R>(method: RpcMethod<R, unknown>, request: R): unknown {
  const call = decodeCall(requestFrame(method, request));
  if (call.method !== method) throw new Error(`decoded as ${call.method.name}`);
  return call.request;
}

test('every peer message kind round-trips in RPC_PEG_PEER', (t) => {
  fc.assert(fc.property(peerEnvelope, (envelope) => {
    t.deepEqual(roundTrip(clusterRpcs.peer, envelope), envelope);
  }), runs);
});

test('every replica -> meta message kind round-trips in RPC_PEG_REPLICA_TO_META', (t) => {
  fc.assert(fc.property(replicaToMeta, (message) => {
    t.deepEqual(roundTrip(clusterRpcs.replicaToMeta, message), message);
  }), runs);
});

test('every meta -> replica message kind round-trips in RPC_PEG_FROM_META', (t) => {
  fc.assert(fc.property(fromMetaEnvelope, (envelope) => {
    t.deepEqual(roundTrip(clusterRpcs.fromMeta, envelope), envelope);
  }), runs);
});

test('checkpoint chunk requests and responses round-trip', (t) => {
  fc.assert(fc.property(checkpointChunkRequest, checkpointChunkResponse, (request, response) => {
    t.deepEqual(roundTrip(clusterRpcs.checkpointChunk, request), request);
    const writer = new ThriftWriter();
    encodeResponse(writer, clusterRpcs.checkpointChunk, 9, response);
    const decoded = decodeResponse(writer.toBytes(), clusterRpcs.checkpointChunk);
    if (!decoded.ok) throw decoded.error;
    t.deepEqual(decoded.value.response, response);
    // A plain Uint8Array of its own, not a view into the received frame.
    t.is(decoded.value.response?.bytes.constructor, Uint8Array);
    t.is(decoded.value.response?.bytes.byteOffset, 0);
  }), { ...runs, numRuns: 100 });
});

test('the samples cover every kind of every union', (t) => {
  const kinds = oneOfEachKind(1);
  t.is(new Set(kinds.peer.map((envelope) => envelope.message.kind)).size, 8);
  t.is(new Set(kinds.toMeta.map((message) => message.kind)).size, 3);
  t.is(new Set(kinds.fromMeta.map((envelope) => envelope.message.kind)).size, 7);
});

test('absent optional parts decode as present keys holding undefined, exactly the core shapes', (t) => {
  const [envelope] = fc.sample(peerEnvelope, { seed: 3, numRuns: 1 }) as [typeof peerEnvelope extends fc.Arbitrary<infer E> ? E : never];
  const message = {
    kind: 'learn_response', gpid: { appId: 1, partitionIndex: 2 }, error: 'ERR_OK', signature: 2 ** 40, config: {
      gpid: { appId: 1, partitionIndex: 2 }, ballot: 3n, maxReplicaCount: 3, primary: 'a:1', secondaries: [], lastDrops: [], lastCommittedDecree: 0n,
    },
    learnType: 'LT_CACHE', discardLearnerState: false, checkpointDecree: undefined, mutations: [], committedDecree: 5n, prepareStartDecree: 0n,
  } as const;
  const decoded = roundTrip(clusterRpcs.peer, { ...envelope, message }) as { message: Record<string, unknown> };
  t.true(Object.hasOwn(decoded.message, 'checkpointDecree'));
  t.is(decoded.message['checkpointDecree'], undefined);
  t.is(decoded.message['kind'], 'learn_response');
});

test('a beacon has the documented union layout (golden bytes)', (t) => {
  const writer = new ThriftWriter();
  writeValue(writer, replicaToMetaType, { kind: 'beacon', from: 'a', sentMs: 1.5 });
  const golden = `
    0c 00 01                      # union field 1: beacon (struct)
      0b 00 01 00 00 00 01 61     # 1: from "a"
      04 00 02 3f f8 00 00 00 00 00 00   # 2: sentMs 1.5 (double)
      00                          # end of beacon
    00                            # end of union`;
  t.is(toHex(writer.toBytes()), toHex(parseHex(golden)));
  t.deepEqual(readValue(new ThriftReader(parseHex(golden)), replicaToMetaType), { kind: 'beacon', from: 'a', sentMs: 1.5 });
});

test('a prepare envelope has the documented layout (golden fixture)', (t) => {
  const config = {
    gpid: { appId: 2, partitionIndex: 3 }, ballot: 5n, maxReplicaCount: 3, primary: 'a:1', secondaries: ['b:2'], lastDrops: [], lastCommittedDecree: 6n,
  };
  const envelope = {
    from: 'a:1',
    app: { appId: 2, name: 't', partitionCount: 4, status: 'available' },
    message: {
      kind: 'prepare', gpid: { appId: 2, partitionIndex: 3 }, config, learnerSignature: 0,
      mutation: { ballot: 5n, decree: 7n, lastCommittedDecree: 6n, timestampUs: 8n, requests: [new Uint8Array([0xab])], sizeBytes: 1 },
      committedDecree: 6n,
    },
  } as const;
  const golden = fixture('peer-envelope-prepare.hex');
  t.is(toHex(encodeWith(peerEnvelopeSchema, envelope)), toHex(golden));
  t.deepEqual(readStruct(new ThriftReader(golden), peerEnvelopeSchema), envelope);
});

function decodeError(bytes: Uint8Array, read: (reader: ThriftReader) => unknown): RpcCodecError {
  try {
    read(new ThriftReader(bytes));
  } catch (error) {
    if (error instanceof RpcCodecError) return error;
    throw error;
  }
  throw new Error('decoded without error');
}

test('every truncation of an encoded envelope fails with a codec error', (t) => {
  fc.assert(fc.property(peerEnvelope, fc.nat(), (envelope, cut) => {
    const writer = new ThriftWriter();
    writeStruct(writer, peerEnvelopeSchema, envelope);
    const bytes = writer.toBytes();
    const error = decodeError(bytes.subarray(0, cut % bytes.length), (reader) => readStruct(reader, peerEnvelopeSchema));
    t.true(['truncated', 'missing_field', 'invalid_value'].includes(error.code), error.message);
  }), runs);
});

test('random bytes either fail with a codec error or decode into a value that re-encodes identically', (t) => {
  let failures = 0;
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
    let value: unknown;
    try {
      value = readValue(new ThriftReader(bytes), peerMessageType);
    } catch (error) {
      if (!(error instanceof RpcCodecError)) throw error;
      failures++;
      return;
    }
    const writer = new ThriftWriter();
    writeValue(writer, peerMessageType, value);
    t.deepEqual(readValue(new ThriftReader(writer.toBytes()), peerMessageType), value);
  }), { ...runs, numRuns: 1000 });
  t.true(failures > 900);
});

test('a union naming no kind this build knows, or two kinds, is refused', (t) => {
  const beaconBody = '0b 00 01 00 00 00 01 61  04 00 02 3f f8 00 00 00 00 00 00  00';
  const unknownKind = decodeError(parseHex(`0c 00 63 ${beaconBody} 00`), (reader) => readValue(reader, replicaToMetaType));
  t.is(unknownKind.code, 'invalid_value');
  t.regex(unknownKind.message, /peg_replica_to_meta carries no kind this server knows/);
  const reportsBody = '0b 00 01 00 00 00 01 61  0f 00 02 0c 00 00 00 00  0f 00 03 0c 00 00 00 00  02 00 04 01  00';
  const twoKinds = decodeError(parseHex(`0c 00 01 ${beaconBody} 0c 00 03 ${reportsBody} 00`), (reader) => readValue(reader, replicaToMetaType));
  t.regex(twoKinds.message, /peg_replica_to_meta carries 2 kinds \(beacon, replica_reports\)/);
  const writer = new ThriftWriter();
  const encodeUnknown = t.throws(() => writeValue(writer, peerMessageType, { kind: 'promote_everyone' }), { instanceOf: RpcCodecError });
  t.regex(encodeUnknown?.message ?? '', /unknown kind "promote_everyone"/);
});

test('a missing required field is an error on decode and on encode, naming the field', (t) => {
  const lookalike = defineStruct<{ appId: number; name: string; partitionCount: number }>('peg_app_summary', [
    { id: 1, name: 'appId', type: types.i32 as never },
    { id: 2, name: 'name', type: types.string as never },
    { id: 3, name: 'partitionCount', type: types.i32 as never },
  ]);
  const bytes = encodeWith(lookalike, { appId: 1, name: 'x', partitionCount: 8 });
  const error = decodeError(bytes, (reader) => readStruct(reader, appSummarySchema));
  t.is(error.code, 'missing_field');
  t.regex(error.message, /peg_app_summary\.status/);
  const encode = t.throws(() => encodeWith(appSummarySchema, { appId: 1, name: 'x', partitionCount: 8 } as never), { instanceOf: RpcCodecError });
  t.is(encode?.code, 'missing_field');
});

test('unknown enum names and integers beyond safe range are refused with their field path', (t) => {
  const lookalike = defineStruct<{ appId: number; name: string; partitionCount: number; status: string }>('peg_app_summary', [
    { id: 1, name: 'appId', type: types.i32 as never },
    { id: 2, name: 'name', type: types.string as never },
    { id: 3, name: 'partitionCount', type: types.i32 as never },
    { id: 4, name: 'status', type: types.string as never },
  ]);
  const badStatus = decodeError(encodeWith(lookalike, { appId: 1, name: 'x', partitionCount: 8, status: 'creating' }), (reader) => readStruct(reader, appSummarySchema));
  t.is(badStatus.code, 'invalid_value');
  t.regex(badStatus.message, /peg_app_summary\.status: "creating" is not a valid app status \(available, dropped\)/);

  // A learn_request whose signature (i64) is 2^60: beyond Number.MAX_SAFE_INTEGER.
  const learnRequest = parseHex(`
    0c 00 05
      0c 00 01 00 00 00 00 00 00 00 01
      0a 00 02 10 00 00 00 00 00 00 00
      0a 00 03 00 00 00 00 00 00 00 00
      0a 00 04 00 00 00 00 00 00 00 00
      00
    00`);
  const unsafe = decodeError(learnRequest, (reader) => readValue(reader, peerMessageType));
  t.regex(unsafe.message, /peg_learn_request\.signature: 1152921504606846976 is beyond a safe integer/);
});

test('a request frame of a cluster RPC with garbage arguments is rejected, not called', (t) => {
  fc.assert(fc.property(peerEnvelope, fc.nat(), fc.integer({ min: 1, max: 255 }), (envelope, at, flip) => {
    const frame = requestFrame(clusterRpcs.peer, envelope).slice();
    // Damage a byte of the args (after the 16-byte header, its meta and the message header).
    const index = frame.length - 1 - (at % Math.max(1, frame.length - 80));
    frame[index] = (frame[index] as number) ^ flip;
    const parsed = decodeRequestFrame(frame);
    if (!parsed.ok) return;
    const incoming = decodeRequest(parsed.value, registry);
    if (incoming.kind === 'call') {
      // Damage that still decodes must give a value the strict encoder accepts whole.
      t.notThrows(() => requestFrame(clusterRpcs.peer, incoming.request as typeof envelope));
    } else {
      t.true(incoming.kind === 'fatal' || incoming.error instanceof RpcCodecError);
    }
  }), runs);
});
