// Hostile input on real sockets: random bytes after "THFT", truncated frames, frames with damaged
// bytes or random bodies, and oversized frames, each on its own connection, end in a closed
// connection whose only output (if any) is well-formed error responses, while a connection opened
// before them keeps getting correct answers, over a few hundred fast-check cases with a fixed seed.
import test from 'ava';
import fc from 'fast-check';
import { connect } from 'node:net';
import { RPC_REQUEST_FRAME_BYTES_MAX } from '../../../common/limits.ts';
import { clientRpcs, encodeRequest, ResponseFrameDecoder, ThriftWriter } from '../../../cluster/rpc/index.ts';
import { RpcConnection } from '../../../cluster/rpc/node/index.ts';
import { key, startTestServer, text, utf8 } from '../../support/rpc-server.ts';

const goodFrame = (version: 0 | 1, value: Uint8Array): Uint8Array => {
  const writer = new ThriftWriter();
  encodeRequest(writer, { version, appId: 1, partitionIndex: 0, clientTimeoutMs: 1000, partitionHash: 0n }, clientRpcs.put, 3,
    { kind: 'put', key: key('fuzz', 'k'), value, expireTsSeconds: 0 });
  return writer.toBytes();
};

const THFT = utf8('THFT');
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
};

const frameArb = fc.record({ version: fc.constantFrom<0 | 1>(0, 1), value: fc.uint8Array({ maxLength: 64 }) }).map(({ version, value }) => goodFrame(version, value));

/** Each case: bytes to send and whether to half-close afterwards (a truncated frame waits otherwise). */
const hostile = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((tail) => ({ bytes: concat(THFT, tail), end: true })),
  fc.tuple(frameArb, fc.nat()).map(([frame, cut]) => ({ bytes: frame.subarray(0, cut % frame.length), end: true })),
  fc.tuple(frameArb, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([frame, at, flip]) => {
    const damaged = frame.slice();
    const index = at % damaged.length;
    damaged[index] = (damaged[index] as number) ^ flip;
    return { bytes: damaged, end: true };
  }),
  fc.tuple(frameArb, fc.uint8Array({ minLength: 1, maxLength: 100 })).map(([frame, body]) => {
    // A valid v1 header and meta, then a random body of the declared length.
    const metaLength = new DataView(frame.buffer, frame.byteOffset).getUint32(8);
    const header = frame.slice(0, 16 + metaLength);
    if (new DataView(header.buffer).getUint32(4) === 0) {
      new DataView(header.buffer).setUint32(16, body.length);
      return { bytes: concat(header.subarray(0, 48), body), end: true };
    }
    new DataView(header.buffer).setUint32(12, body.length);
    return { bytes: concat(header, body), end: true };
  }),
  fc.tuple(frameArb, fc.integer({ min: RPC_REQUEST_FRAME_BYTES_MAX + 1, max: 0x7fffffff })).map(([frame, length]) => {
    // Oversized: the declared body length alone is above the frame limit; no half-close needed.
    const bytes = frame.slice();
    const view = new DataView(bytes.buffer);
    view.setUint32(view.getUint32(4) === 0 ? 16 : 12, length);
    return { bytes, end: false };
  }),
);

/** Sends `bytes`, then waits for the server to close; returns what it answered. */
function probe(port: number, bytes: Uint8Array, end: boolean): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Uint8Array[] = [];
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('server kept the connection open')); }, 3000);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => { clearTimeout(timer); resolve(concat(...received)); });
    socket.write(bytes);
    if (end) socket.end();
  });
}

test('hostile connections are closed with at most well-formed error answers; a good connection keeps being served', async (t) => {
  const served = await startTestServer();
  const good = await RpcConnection.connect({ port: served.port });
  try {
    await good.call(clientRpcs.put, { kind: 'put', key: key('steady', 'k'), value: utf8('steady'), expireTsSeconds: 0 });
    let cases = 0;
    await fc.assert(fc.asyncProperty(hostile, async ({ bytes, end }) => {
      cases++;
      const answered = await probe(served.port, bytes, end);
      const decoder = new ResponseFrameDecoder();
      decoder.push(answered);
      for (let step = decoder.next(); step.kind !== 'need_more'; step = decoder.next()) {
        if (step.kind === 'error') return false;
      }
      if (decoder.bufferedBytes !== 0) return false;
      const read = await good.call(clientRpcs.get, { kind: 'get', key: key('steady', 'k') });
      return text(read.value) === 'steady';
    }), { numRuns: 300, seed: 20261122 });
    t.is(cases, 300);
    t.false(good.closed);
    t.is(served.server.connectionCount, 1);
  } finally {
    good.close();
    await served.stop();
  }
});
