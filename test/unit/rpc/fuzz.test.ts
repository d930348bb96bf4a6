// Proves, with fast-check, that hostile bytes never escape the codec as anything but a clear
// RpcCodecError: random streams, mutated and truncated valid frames and oversized headers fed in
// random chunks to the frame decoders, then to request and response decoding, always end in a
// frame, need_more or an error value (never another throw, never a hang); and that random client
// requests and responses survive an encode/decode round trip.
import test from 'ava';
import fc from 'fast-check';
import {
  clientRpcs, createRpcRegistry, decodeRequest, decodeRequestFrame, decodeResponse, encodeRequest, encodeResponse, RequestFrameDecoder,
  ResponseFrameDecoder, RpcCodecError, ThriftWriter, type ResponseSide, type RpcCodecErrorCode,
} from '../../../cluster/rpc/index.ts';
import { RPC_REQUEST_FRAME_BYTES_MAX } from '../../../common/limits.ts';
import { fixture } from './fixture-hex.ts';

const registry = createRpcRegistry();
const methods = Object.values(clientRpcs);
const seeds = ['get-request-v1.hex', 'get-request-v0.hex', 'clear-scanner-request-v1.hex', 'java/java-multi-get-request.hex', 'java/java-check-and-mutate-request.hex', 'java/java-create-app-request.hex'].map(fixture);
const responseSeeds = ['get-response.hex', 'get-response-object-not-found.hex', 'java/java-query-cfg-response.hex', 'java/java-get-scanner-response.hex', 'java/java-list-apps-response.hex'].map(fixture);

/** Splits bytes at the given cut points. */
function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

/** Feeds chunks to a request decoder and decodes every frame; returns how the stream ended. */
function serve(chunks: Uint8Array[]): 'error' | 'need_more' {
  const decoder = new RequestFrameDecoder();
  let steps = 0;
  for (const chunk of chunks) {
    decoder.push(chunk);
    for (;;) {
      steps += 1;
      if (steps > 10_000) throw new Error('decoder does not make progress');
      const step = decoder.next();
      if (step.kind === 'need_more') break;
      if (step.kind === 'error') {
        if (!(step.error instanceof RpcCodecError)) throw new Error('not an RpcCodecError');
        return 'error';
      }
      const incoming = decodeRequest(step.frame, registry);
      if (incoming.kind !== 'call' && !(incoming.error instanceof RpcCodecError)) throw new Error('bad reject');
    }
  }
  return 'need_more';
}

function mutate(bytes: Uint8Array, edits: [number, number][]): Uint8Array {
  const copy = bytes.slice();
  for (const [at, value] of edits) copy[at % copy.length] = value;
  return copy;
}

const cuts = fc.array(fc.nat(), { maxLength: 6 });
const edits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });

test('random bytes end in an error or a wait, never a throw', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), cuts, (bytes, cutPoints) => {
    serve(chunked(bytes, cutPoints));
  }), { numRuns: 500 });
  t.is(serve([new Uint8Array([0x47, 0x45, 0x54, 0x20])]), 'error');
});

test('random bytes after a valid THFT prefix end in an error or a wait, never a throw', (t) => {
  const prefix = fc.constantFrom(new Uint8Array([0x54, 0x48, 0x46, 0x54, 0, 0, 0, 1]), new Uint8Array([0x54, 0x48, 0x46, 0x54, 0, 0, 0, 0, 0, 0, 0, 48]));
  fc.assert(fc.property(prefix, fc.uint8Array({ maxLength: 300 }), cuts, (head, tail, cutPoints) => {
    serve(chunked(new Uint8Array([...head, ...tail]), cutPoints));
  }), { numRuns: 500 });
  t.pass();
});

test('mutated valid frames decode or fail with RpcCodecError only', (t) => {
  fc.assert(fc.property(fc.constantFrom(...seeds), edits, cuts, (seed, changes, cutPoints) => {
    serve(chunked(mutate(seed, changes), cutPoints));
  }), { numRuns: 1000 });
  t.pass();
});

test('a truncated frame waits for more and never yields a partial frame', (t) => {
  fc.assert(fc.property(fc.constantFrom(...seeds), fc.nat(), (seed, cut) => {
    const end = cut % seed.length;
    const decoder = new RequestFrameDecoder();
    decoder.push(seed.subarray(0, end));
    t.is(decoder.next().kind, 'need_more');
  }), { numRuns: 300 });
});

test('oversized frames and metas are refused from the header alone, and the error sticks', (t) => {
  const v0 = new Uint8Array(48);
  const view = new DataView(v0.buffer);
  v0.set([0x54, 0x48, 0x46, 0x54]);
  view.setUint32(8, 48);
  view.setUint32(16, RPC_REQUEST_FRAME_BYTES_MAX);
  const decoder = new RequestFrameDecoder();
  decoder.push(v0);
  const step = decoder.next();
  t.is(step.kind === 'error' ? step.error.code : step.kind, 'too_large');
  decoder.push(fixture('get-request-v0.hex'));
  t.is(decoder.next().kind, 'error');

  const v1 = new Uint8Array(16);
  v1.set([0x54, 0x48, 0x46, 0x54, 0, 0, 0, 1]);
  new DataView(v1.buffer).setUint32(8, 0xffffffff);
  const metaDecoder = new RequestFrameDecoder();
  metaDecoder.push(v1);
  const metaStep = metaDecoder.next();
  t.is(metaStep.kind === 'error' ? metaStep.error.code : metaStep.kind, 'too_large');

  const cases: [number[], RpcCodecErrorCode][] = [
    [[0x54, 0x48, 0x46, 0x54, 0, 0, 0, 2], 'bad_version'],
    [[0x54, 0x48, 0x46, 0x54, 0, 0, 0, 0, 0, 0, 0, 47, ...new Array<number>(36).fill(0)], 'bad_header_length'],
    [[0x52, 0x44, 0x53, 0x4e], 'bad_signature'],
  ];
  for (const [bytes, code] of cases) {
    const d = new RequestFrameDecoder();
    d.push(new Uint8Array(bytes));
    const s = d.next();
    t.is(s.kind === 'error' ? s.error.code : s.kind, code);
  }

  const responses = new ResponseFrameDecoder();
  responses.push(new Uint8Array([0x7f, 0xff, 0xff, 0xff]));
  const r = responses.next();
  t.is(r.kind === 'error' ? r.error.code : r.kind, 'too_large');
});

test('random and mutated response bytes decode or fail with RpcCodecError only', (t) => {
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.constantFrom(...responseSeeds), edits).map(([seed, changes]) => mutate(seed, changes)),
  );
  fc.assert(fc.property(input, cuts, fc.constantFrom(...methods.filter((m) => m.response !== null)), (bytes, cutPoints, method) => {
    const decoder = new ResponseFrameDecoder();
    let steps = 0;
    for (const chunk of chunked(bytes, cutPoints)) {
      decoder.push(chunk);
      for (let step = decoder.next(); step.kind !== 'need_more'; step = decoder.next()) {
        steps += 1;
        if (steps > 10_000) throw new Error('no progress');
        if (step.kind === 'error') return;
        const decoded = decodeResponse(step.frame, method as ResponseSide<unknown>);
        if (!decoded.ok && !(decoded.error instanceof RpcCodecError)) throw new Error('bad error');
      }
    }
  }), { numRuns: 1000 });
  t.pass();
});

const blob = fc.uint8Array({ maxLength: 40 });
const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const keyValue = fc.record({ key: blob, value: blob, expireTsSeconds: i32 }, { requiredKeys: ['key', 'value'] });

test('random multi_get requests and scan responses round-trip', (t) => {
  const multiGet = fc.record({
    kind: fc.constant('multi_get' as const), hashKey: blob, sortKeys: fc.array(blob, { maxLength: 5 }), maxKvCount: i32, maxKvSize: i32,
    noValue: fc.boolean(), startSortkey: blob, stopSortkey: blob, startInclusive: fc.boolean(), stopInclusive: fc.boolean(),
    sortKeyFilterType: i32, sortKeyFilterPattern: blob, reverse: fc.boolean(),
  });
  const routing = fc.record({
    version: fc.constantFrom(0 as const, 1 as const), appId: i32, partitionIndex: i32, clientTimeoutMs: i32,
    partitionHash: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  });
  fc.assert(fc.property(routing, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), multiGet, (route, seqid, request) => {
    const writer = new ThriftWriter(8);
    encodeRequest(writer, route, clientRpcs.multiGet, seqid, request);
    const decoder = new RequestFrameDecoder();
    decoder.push(writer.toBytes());
    const step = decoder.next();
    if (step.kind !== 'frame') throw new Error(step.kind);
    t.like(step.frame.header, { ...route });
    const incoming = decodeRequest(step.frame, registry);
    if (incoming.kind !== 'call') throw new Error(incoming.error.message);
    t.deepEqual(incoming.request, request);
    t.is(incoming.seqid, seqid);
  }), { numRuns: 100 });

  const scan = fc.record({
    kind: fc.constant('scan_response' as const), error: fc.constantFrom(0 as const, 1 as const, 7 as const),
    kvs: fc.array(keyValue, { maxLength: 5 }), contextId: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    appId: i32, partitionIndex: i32, server: fc.string(), kvCount: i32,
  }, { requiredKeys: ['kind', 'error', 'kvs', 'contextId', 'appId', 'partitionIndex', 'server'] });
  fc.assert(fc.property(scan, (response) => {
    const writer = new ThriftWriter(8);
    encodeResponse(writer, clientRpcs.scan, 1, response);
    const decoded = decodeResponse(writer.toBytes(), clientRpcs.scan);
    if (!decoded.ok) throw new Error(decoded.error.message);
    t.deepEqual(decoded.value.response, response);
  }), { numRuns: 100 });
});

test('a one-shot frame (an HTTP body) that is cut short or has bytes after it is refused clearly', (t) => {
  fc.assert(fc.property(fc.constantFrom(...seeds), fc.nat(), (seed, cut) => {
    const result = decodeRequestFrame(seed.subarray(0, cut % seed.length));
    t.is(result.ok ? 'ok' : result.error.code, 'truncated');
  }), { numRuns: 200 });
  const extra = decodeRequestFrame(new Uint8Array([...fixture('get-request-v1.hex'), 0]));
  t.regex(extra.ok ? 'ok' : extra.error.message, /1 bytes after the request frame/);
});

test('response frames with a wrong length, unknown error name, wrong name or type are refused', (t) => {
  const good = fixture('get-response.hex');
  const code = (bytes: Uint8Array): string => {
    const result = decodeResponse(bytes, clientRpcs.get);
    return result.ok ? 'ok' : result.error.code;
  };
  t.is(code(good), 'ok');
  t.is(code(good.subarray(0, good.length - 1)), 'bad_header_length');
  t.is(code(mutate(good, [[8, 0x58]])), 'unknown_error_name'); // "ERX_OK"
  t.is(code(mutate(good, [[42, 0x4c]])), 'bad_message'); // "..._ACL"
  t.is(code(mutate(good, [[17, 0x01]])), 'bad_message'); // CALL instead of REPLY
  const short = new ResponseFrameDecoder();
  short.push(new Uint8Array([0, 0, 0, 5]));
  const step = short.next();
  t.is(step.kind === 'error' ? step.error.code : step.kind, 'bad_header_length');
});
