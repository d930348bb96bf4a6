// The fetch transport's own decisions, with an injected fetch standing in for the network (a unit
// test of error paths; the transport against real servers is in test/conformance/client-transport
// and test/integration/edge): the request it sends, the URL mapping, how HTTP statuses and broken
// answers become error names, the response size bound, and that close lets one-way requests finish.
import test from 'ava';
import { FetchTransport, type FetchInitLike, type FetchLike, type FetchResponseLike } from '../../../client/edge/fetch-transport.ts';
import { TransportError, type TransportCallOptions } from '../../../client/core/transport.ts';
import { clientRpcs, createRpcRegistry, decodeRequest, decodeRequestFrame, encodeErrorResponse, encodeResponse, ThriftWriter } from '../../../cluster/rpc/index.ts';
import type { ErrorName } from '../../../cluster/rpc/error-code.ts';
import { RPC_RESPONSE_FRAME_BYTES_MAX } from '../../../common/limits.ts';

const options: TransportCallOptions = { timeoutMs: 1000, routing: { appId: 3, partitionIndex: 5, partitionHash: 77n } };
const getRequest = { kind: 'get', key: Uint8Array.of(0, 1, 104, 115) } as const;
const readResponse = { kind: 'read_response', error: 0, value: Uint8Array.of(9), appId: 3, partitionIndex: 5, server: '' } as const;

interface Seen {
  readonly url: string;
  readonly init: FetchInitLike;
}

/** A fetch that records what it was given and answers with `answer(seqid of the request)`. */
function fakeFetch(answer: (seqid: number) => Response | Promise<Response>): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url, init) => {
    seen.push({ url, init });
    const frame = decodeRequestFrame(init.body);
    if (!frame.ok) throw new Error(frame.error.message);
    const call = decodeRequest(frame.value, createRpcRegistry());
    if (call.kind !== 'call') throw new Error('not a call');
    return answer(call.seqid);
  };
  return { fetch, seen };
}

function frame(write: (writer: ThriftWriter) => void): Uint8Array {
  const writer = new ThriftWriter();
  write(writer);
  return writer.toBytes();
}

const ok = (seqid: number): Response => new Response(frame((writer) => encodeResponse(writer, clientRpcs.get, seqid, readResponse)), { status: 200 });

test('a call POSTs one request frame to http://<address>/rpc and decodes the answer', async (t) => {
  const { fetch, seen } = fakeFetch(ok);
  const transport = new FetchTransport({ fetch });
  const response = await transport.call('10.1.2.3:34801', clientRpcs.get, getRequest, options);
  t.deepEqual(new Uint8Array(response.value), Uint8Array.of(9));
  t.is(seen.length, 1);
  t.is(seen[0]?.url, 'http://10.1.2.3:34801/rpc');
  t.is(seen[0]?.init.method, 'POST');
  t.is(seen[0]?.init.headers['content-type'], 'application/octet-stream');
  const sent = decodeRequestFrame(seen[0]?.init.body ?? new Uint8Array());
  t.true(sent.ok);
  if (!sent.ok) return;
  t.like(sent.value.header, { appId: 3, partitionIndex: 5, partitionHash: 77n, clientTimeoutMs: 1000 });
});

test('rpcUrl maps an address to the URL a deployment reaches it at', async (t) => {
  const { fetch, seen } = fakeFetch(ok);
  const transport = new FetchTransport({ fetch, rpcUrl: (address) => `https://gateway.example/nodes/${address}/rpc` });
  await transport.call('10.1.2.3:34801', clientRpcs.get, getRequest, options);
  t.is(seen[0]?.url, 'https://gateway.example/nodes/10.1.2.3:34801/rpc');
});

test('the server\'s error name in the response frame becomes the TransportError\'s code', async (t) => {
  const { fetch } = fakeFetch((seqid) => new Response(frame((writer) => encodeErrorResponse(writer, clientRpcs.get.name, seqid, 'ERR_INVALID_STATE')), { status: 200 }));
  const error = await t.throwsAsync(new FetchTransport({ fetch }).call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError });
  t.is(error?.code, 'ERR_INVALID_STATE');
  t.is(error?.server, 'h:1');
});

test('HTTP statuses other than 200 become error names the retry policy understands', async (t) => {
  const cases: Array<[number, ErrorName]> = [
    [204, 'ERR_INVALID_DATA'], [400, 'ERR_INVALID_DATA'], [413, 'ERR_INVALID_PARAMETERS'],
    [404, 'ERR_HANDLER_NOT_FOUND'], [405, 'ERR_HANDLER_NOT_FOUND'],
    [401, 'ERR_ACL_DENY'], [403, 'ERR_ACL_DENY'], [429, 'ERR_BUSY'],
    [502, 'ERR_SESSION_RESET'], [503, 'ERR_SESSION_RESET'], [504, 'ERR_SESSION_RESET'],
    [500, 'ERR_NETWORK_FAILURE'], [302, 'ERR_NETWORK_FAILURE'],
  ];
  for (const [status, code] of cases) {
    const { fetch } = fakeFetch(() => new Response(status === 204 ? null : 'x', { status }));
    const error = await t.throwsAsync(new FetchTransport({ fetch }).call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError });
    t.is(error?.code, code, `HTTP ${status}`);
    t.regex(error?.message ?? '', new RegExp(`HTTP ${status}`));
  }
});

test('an answer that is not the response to this call is ERR_INVALID_DATA', async (t) => {
  const wrongSeqid = fakeFetch((seqid) => ok(seqid + 1));
  const seqidError = await t.throwsAsync(new FetchTransport({ fetch: wrongSeqid.fetch }).call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError });
  t.is(seqidError?.code, 'ERR_INVALID_DATA');
  t.regex(seqidError?.message ?? '', /seqid/);
  const wrongMethod = fakeFetch((seqid) => new Response(frame((writer) => encodeErrorResponse(writer, clientRpcs.ttl.name, seqid, 'ERR_INVALID_STATE')), { status: 200 }));
  const methodError = await t.throwsAsync(new FetchTransport({ fetch: wrongMethod.fetch }).call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError });
  t.is(methodError?.code, 'ERR_INVALID_DATA');
  t.regex(methodError?.message ?? '', /RPC_RRDB_RRDB_TTL_ACK/);
  const garbage = fakeFetch(() => new Response('not a frame', { status: 200 }));
  t.is((await t.throwsAsync(new FetchTransport({ fetch: garbage.fetch }).call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError }))?.code, 'ERR_INVALID_DATA');
});

test('a body larger than the largest response frame is refused while it streams, and its stream cancelled', async (t) => {
  let cancelled = false;
  let pulled = 0;
  const chunk = new Uint8Array(1 << 20);
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(chunk);
    },
    cancel() {
      cancelled = true;
    },
  });
  const fetch: FetchLike = async () => ({ status: 200, headers: new Headers(), body: endless });
  const error = await t.throwsAsync(new FetchTransport({ fetch }).call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError });
  t.is(error?.code, 'ERR_INVALID_DATA');
  t.true(cancelled);
  t.true(pulled <= Math.ceil(RPC_RESPONSE_FRAME_BYTES_MAX / chunk.length) + 2, `stopped near the bound, after ${pulled} chunks`);
  const declared: FetchLike = async () => ({ status: 200, headers: new Headers({ 'content-length': String(RPC_RESPONSE_FRAME_BYTES_MAX + 1) }), body: null });
  t.is((await t.throwsAsync(new FetchTransport({ fetch: declared }).call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError }))?.code, 'ERR_INVALID_DATA');
});

test('a fetch that rejects is ERR_SESSION_RESET with the reason; one that never answers is ERR_TIMEOUT', async (t) => {
  const refused: FetchLike = async () => {
    throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
  };
  const error = await t.throwsAsync(new FetchTransport({ fetch: refused }).call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError });
  t.is(error?.code, 'ERR_SESSION_RESET');
  t.regex(error?.message ?? '', /ECONNREFUSED/);
  let signal: AbortSignal | undefined;
  const silent: FetchLike = (_url, init) => new Promise<FetchResponseLike>((_resolve, reject) => {
    signal = init.signal;
    init.signal.addEventListener('abort', () => reject(new Error('aborted')));
  });
  const timeout = await t.throwsAsync(new FetchTransport({ fetch: silent }).call('h:1', clientRpcs.get, getRequest, { ...options, timeoutMs: 20 }), { instanceOf: TransportError });
  t.is(timeout?.code, 'ERR_TIMEOUT');
  t.true(signal?.aborted, 'the request was aborted, not left running');
});

test('a request frame too large for POST /rpc is refused before anything is sent', async (t) => {
  const { fetch, seen } = fakeFetch(ok);
  const huge = { kind: 'put', key: Uint8Array.of(0, 1, 104), value: new Uint8Array(3 << 20), expireTsSeconds: 0 } as const;
  const error = await t.throwsAsync(new FetchTransport({ fetch }).call('h:1', clientRpcs.put, huge, options), { instanceOf: TransportError });
  t.is(error?.code, 'ERR_INVALID_PARAMETERS');
  t.is(seen.length, 0);
});

test('close fails pending calls, refuses new ones, and waits for one-way requests already sent', async (t) => {
  const releases: Array<() => void> = [];
  const fetch: FetchLike = (_url, init) => new Promise<FetchResponseLike>((resolve, reject) => {
    releases.push(() => resolve(new Response(null, { status: 204 })));
    init.signal.addEventListener('abort', () => reject(new Error('aborted')));
  });
  const transport = new FetchTransport({ fetch });
  const pending = transport.call('h:1', clientRpcs.get, getRequest, options);
  transport.send('h:1', clientRpcs.clearScanner, { kind: 'clear_scanner', contextId: 1n }, options);
  let closed = false;
  const closing = transport.close().then(() => {
    closed = true;
  });
  t.is((await t.throwsAsync(pending, { instanceOf: TransportError }))?.code, 'ERR_SESSION_RESET');
  await new Promise((resolve) => setTimeout(resolve, 10));
  t.false(closed, 'close waits for the one-way request');
  releases[1]?.();
  await closing;
  t.true(closed);
  t.is((await t.throwsAsync(transport.call('h:1', clientRpcs.get, getRequest, options), { instanceOf: TransportError }))?.code, 'ERR_SERVICE_NOT_ACTIVE');
});
