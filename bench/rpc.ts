// RPC codec benchmark: the server's per-request work and a client's per-response work on the
// shapes that dominate a workload: a get request, a put request with a 1 KiB value, a read
// response with a 1 KiB value, and a multi_get response of 100 records of 100 bytes. Each case
// runs for a fixed time per round; the median round's ops/s is printed.
//
//   npm run bench:rpc               full run
//   npm run bench:rpc -- --quick    short run

import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import {
  clientRpcs, createRpcRegistry, decodeRequest, decodeResponse, encodeRequest, encodeResponse, RequestFrameDecoder, ThriftWriter,
} from '../cluster/rpc/index.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const rounds = args.quick === true ? 3 : 9;
const roundMs = args.quick === true ? 200 : 500;

const registry = createRpcRegistry();
const routing = { version: 1, appId: 2, partitionIndex: 4, clientTimeoutMs: 1000, partitionHash: 0x8c2f8445b4cbfc3cn } as const;
const stamp = { appId: 2, partitionIndex: 4, server: '127.0.0.1:34801' } as const;
const filled = (bytes: number): Uint8Array => new Uint8Array(bytes).fill(0x61);

function requestBytes<R>(method: Parameters<typeof encodeRequest<R>>[2], request: R): Uint8Array {
  const writer = new ThriftWriter();
  encodeRequest(writer, routing, method, 1, request);
  return writer.toBytes();
}

const getRequest = { kind: 'get', key: filled(20) } as const;
const putRequest = { kind: 'put', key: filled(20), value: filled(1024), expireTsSeconds: 0 } as const;
const readResponse = { kind: 'read_response', error: 0, value: filled(1024), ...stamp } as const;
const multiGetResponse = {
  kind: 'multi_get_response', error: 0, ...stamp,
  kvs: Array.from({ length: 100 }, (_, i) => ({ key: filled(10 + (i % 5)), value: filled(100) })),
} as const;
const getFrame = requestBytes(clientRpcs.get, getRequest);
const putFrame = requestBytes(clientRpcs.put, putRequest);
const readFrame = (() => { const w = new ThriftWriter(); encodeResponse(w, clientRpcs.get, 1, readResponse); return w.toBytes(); })();
const multiGetFrame = (() => { const w = new ThriftWriter(); encodeResponse(w, clientRpcs.multiGet, 1, multiGetResponse); return w.toBytes(); })();

// One decoder, as on one connection.
const decoder = new RequestFrameDecoder();
function serve(frame: Uint8Array): void {
  decoder.push(frame);
  const step = decoder.next();
  if (step.kind !== 'frame' || decodeRequest(step.frame, registry).kind !== 'call') throw new Error('bench input did not decode');
}

const writer = new ThriftWriter(4096);
const cases: [string, () => void][] = [
  ['decode get request (frame + args)', () => serve(getFrame)],
  ['decode put request, 1 KiB value', () => serve(putFrame)],
  ['encode get request', () => { writer.reset(); encodeRequest(writer, routing, clientRpcs.get, 1, getRequest); }],
  ['encode read response, 1 KiB value', () => { writer.reset(); encodeResponse(writer, clientRpcs.get, 1, readResponse); }],
  ['decode read response, 1 KiB value', () => { if (!decodeResponse(readFrame, clientRpcs.get).ok) throw new Error('bad'); }],
  ['encode multi_get response, 100 x 100 B', () => { writer.reset(); encodeResponse(writer, clientRpcs.multiGet, 1, multiGetResponse); }],
  ['decode multi_get response, 100 x 100 B', () => { if (!decodeResponse(multiGetFrame, clientRpcs.multiGet).ok) throw new Error('bad'); }],
];

function round(run: () => void): number {
  let operations = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < roundMs) {
    for (let i = 0; i < 1000; i++) run();
    operations += 1000;
    elapsed = performance.now() - start;
  }
  return (operations * 1000) / elapsed;
}

console.log(`rpc codec, ${rounds} rounds of ${roundMs} ms, median ops/s; ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, node ${process.version}`);
for (const [name, run] of cases) {
  for (let i = 0; i < 2000; i++) run();
  const results = Array.from({ length: rounds }, () => round(run)).sort((a, b) => a - b);
  const median = results[Math.floor(rounds / 2)] ?? 0;
  console.log(`${name.padEnd(42)} ${Math.round(median).toLocaleString('en-US').padStart(12)} ops/s`);
}
