// The edge transport: every call is one HTTP request, `POST <server>/rpc` carrying the same THFT
// request frame the Node transport writes to its socket, answered by the THFT response frame
// (cluster/rpc/node/http-side.ts serves it on every server's port). Web standards only (fetch,
// AbortController, setTimeout, ReadableStream), so it runs in Workers, Vercel Edge and Node alike.
// Failures become the same TransportErrors as over TCP: the server's error name from the frame,
// ERR_TIMEOUT, ERR_SESSION_RESET when the request could not be made or the answer was cut off.

import { RpcCodecError } from '../../cluster/rpc/codec-error.ts';
import type { ErrorName } from '../../cluster/rpc/error-code.ts';
import { decodeResponse, encodeRequest } from '../../cluster/rpc/rpc-codec.ts';
import type { RpcMethod } from '../../cluster/rpc/rpc-methods.ts';
import { ThriftWriter } from '../../cluster/rpc/thrift-writer.ts';
import { CLIENT_EDGE_REQUESTS_IN_FLIGHT_MAX, RPC_HTTP_BODY_BYTES_MAX, RPC_RESPONSE_FRAME_BYTES_MAX } from '../../common/limits.ts';
import { TransportError, type Transport, type TransportCallOptions } from '../core/transport.ts';

/** What the transport needs of a fetch Response; the global Response of every runtime has it. */
export interface FetchResponseLike {
  readonly status: number;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

export interface FetchInitLike {
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  readonly signal: AbortSignal;
}

/** The global fetch, or any function of the same shape (a service binding's fetch, a test double). */
export type FetchLike = (url: string, init: FetchInitLike) => Promise<FetchResponseLike>;

export interface FetchTransportOptions {
  /** Default: the global fetch, looked up at each call. */
  readonly fetch?: FetchLike;
  /**
   * The URL of a server's RPC endpoint. Default `http://<address>/rpc`. Replica addresses come
   * from the meta server as "ip:port"; a deployment that reaches the servers through a proxy or a
   * tunnel maps them here.
   */
  readonly rpcUrl?: (address: string) => string;
}

/** Why a request was aborted, to name the failure. */
type AbortCause = 'timeout' | 'caller' | 'closed';

interface InFlight {
  readonly controller: AbortController;
  cause: AbortCause | null;
  readonly oneWay: boolean;
  readonly done: Promise<unknown>;
}

export class FetchTransport implements Transport {
  private readonly fetch: FetchLike;
  private readonly rpcUrl: (address: string) => string;
  private readonly inFlight = new Set<InFlight>();
  private nextSeqid = 1;
  private closed = false;

  constructor(options: FetchTransportOptions = {}) {
    const injected = options.fetch;
    // Called as a plain function: some runtimes refuse fetch invoked as a method of another object.
    this.fetch = injected === undefined ? (url, init) => fetch(url, init) : (url, init) => injected(url, init);
    this.rpcUrl = options.rpcUrl ?? ((address) => `http://${address}/rpc`);
  }

  async call<Request, Response>(address: string, method: RpcMethod<Request, Response>, request: Request, options: TransportCallOptions): Promise<Response> {
    const seqid = this.takeSeqid();
    const frame = this.frameOf(address, method, request, seqid, options);
    const body = await this.exchange(address, frame, options, false, async (reply) => {
      if (reply.status !== 200) throw await statusError(reply, address);
      return readBounded(reply, address);
    });
    const decoded = decodeResponse(body, method);
    if (!decoded.ok) throw new TransportError('ERR_INVALID_DATA', `unreadable ${method.name} response: ${decoded.error.message}`, address);
    const { head, response } = decoded.value;
    if (head.seqid !== seqid) throw new TransportError('ERR_INVALID_DATA', `${method.name} response carries seqid ${head.seqid}, sent ${seqid}`, address);
    if (head.error !== 'ERR_OK') throw new TransportError(head.error, `${method.name} answered ${head.error}`, address);
    return response as Response;
  }

  send<Request>(address: string, method: RpcMethod<Request, unknown>, request: Request, options: TransportCallOptions): void {
    let frame: Uint8Array;
    try {
      frame = this.frameOf(address, method, request, this.takeSeqid(), options);
    } catch {
      return;
    }
    this.exchange(address, frame, { timeoutMs: options.timeoutMs }, true, async (reply) => {
      await reply.body?.cancel();
    }).catch(() => undefined);
  }

  /**
   * Fails the calls still pending with ERR_SESSION_RESET and refuses new ones. One-way requests
   * already sent are left to finish (each within its own timeout), so a Worker that passes this
   * promise to waitUntil lets its scanners' clear_scanner reach the server.
   */
  async close(): Promise<void> {
    this.closed = true;
    const oneWay: Promise<unknown>[] = [];
    for (const request of this.inFlight) {
      if (request.oneWay) {
        oneWay.push(request.done);
      } else if (request.cause === null) {
        request.cause = 'closed';
        request.controller.abort();
      }
    }
    await Promise.allSettled(oneWay);
  }

  private takeSeqid(): number {
    const seqid = this.nextSeqid;
    this.nextSeqid = seqid >= 0x7fffffff ? 1 : seqid + 1;
    return seqid;
  }

  private frameOf<Request>(address: string, method: RpcMethod<Request, unknown>, request: Request, seqid: number, options: TransportCallOptions): Uint8Array {
    if (this.closed) throw new TransportError('ERR_SERVICE_NOT_ACTIVE', 'the client is closed', address);
    const writer = new ThriftWriter();
    try {
      encodeRequest(writer, { version: 1, ...options.routing, clientTimeoutMs: Math.max(1, Math.ceil(options.timeoutMs)) }, method, seqid, request);
    } catch (error) {
      // A value the wire cannot carry.
      if (error instanceof RpcCodecError) throw new TransportError('ERR_INVALID_PARAMETERS', error.message, address, { cause: error });
      throw error;
    }
    if (writer.length > RPC_HTTP_BODY_BYTES_MAX) {
      throw new TransportError('ERR_INVALID_PARAMETERS', `${method.name} request frame of ${writer.length} bytes exceeds ${RPC_HTTP_BODY_BYTES_MAX}`, address);
    }
    return writer.toBytes();
  }

  /**
   * POSTs one frame and hands the answer to `consume`; the timeout and the caller's signal cover
   * both, so a body that stops arriving fails the call like a missing answer.
   */
  private async exchange<T>(
    address: string,
    frame: Uint8Array,
    options: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined },
    oneWay: boolean,
    consume: (reply: FetchResponseLike) => Promise<T>,
  ): Promise<T> {
    if (this.inFlight.size >= CLIENT_EDGE_REQUESTS_IN_FLIGHT_MAX) {
      throw new TransportError('ERR_BUSY', `${CLIENT_EDGE_REQUESTS_IN_FLIGHT_MAX} requests are in flight already`, address);
    }
    const { signal, timeoutMs } = options;
    if (signal?.aborted === true) throw aborted(address, signal);
    const controller = new AbortController();
    let settle = (): void => undefined;
    const request: InFlight = { controller, cause: null, oneWay, done: new Promise<void>((resolve) => { settle = resolve; }) };
    const abort = (cause: AbortCause) => (): void => {
      if (request.cause !== null) return;
      request.cause = cause;
      controller.abort();
    };
    const onCallerAbort = abort('caller');
    const timer = setTimeout(abort('timeout'), Math.max(1, timeoutMs));
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.inFlight.add(request);
    try {
      const reply = await this.fetch(this.rpcUrl(address), {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: frame,
        signal: controller.signal,
      });
      return await consume(reply);
    } catch (error) {
      throw this.failure(error, request.cause, address, timeoutMs, signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onCallerAbort);
      this.inFlight.delete(request);
      settle();
    }
  }

  private failure(error: unknown, cause: AbortCause | null, address: string, timeoutMs: number, signal: AbortSignal | undefined): TransportError {
    switch (cause) {
      case 'timeout': return new TransportError('ERR_TIMEOUT', `no answer from ${address} within ${timeoutMs} ms`, address, { cause: error });
      case 'caller': return aborted(address, signal);
      case 'closed': return new TransportError('ERR_SESSION_RESET', 'the client was closed', address, { cause: error });
      case null:
        if (error instanceof TransportError) return error;
        return new TransportError('ERR_SESSION_RESET', `POST ${this.rpcUrl(address)} failed: ${messageOf(error)}`, address, { cause: error });
    }
  }
}

function aborted(address: string, signal: AbortSignal | undefined): TransportError {
  return new TransportError('ERR_THREAD_INTERRUPTED', 'aborted by the caller', address, { cause: signal?.reason });
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // Node's fetch says only "fetch failed" and keeps the reason in cause.
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/**
 * A non-200 answer. The server answers 400 when it could not read the frame, 413 when it is too
 * large, 404/405 when the address serves no /rpc. A gateway in front may refuse the caller
 * (401/403), throttle (429), or fail to reach the server (502-504, handled like a lost connection).
 */
async function statusError(reply: FetchResponseLike, address: string): Promise<TransportError> {
  await reply.body?.cancel().catch(() => undefined);
  const status = reply.status;
  return new TransportError(STATUS_ERRORS.get(status) ?? 'ERR_NETWORK_FAILURE', `POST /rpc on ${address} answered HTTP ${status}`, address);
}

const STATUS_ERRORS: ReadonlyMap<number, ErrorName> = new Map<number, ErrorName>([
  [204, 'ERR_INVALID_DATA'], [400, 'ERR_INVALID_DATA'],
  [401, 'ERR_ACL_DENY'], [403, 'ERR_ACL_DENY'],
  [404, 'ERR_HANDLER_NOT_FOUND'], [405, 'ERR_HANDLER_NOT_FOUND'],
  [413, 'ERR_INVALID_PARAMETERS'],
  [429, 'ERR_BUSY'],
  [502, 'ERR_SESSION_RESET'], [503, 'ERR_SESSION_RESET'], [504, 'ERR_SESSION_RESET'],
]);

/** The whole body, refused once it grows past the largest response frame. */
async function readBounded(reply: FetchResponseLike, address: string): Promise<Uint8Array> {
  const declared = Number(reply.headers.get('content-length') ?? '0');
  if (declared > RPC_RESPONSE_FRAME_BYTES_MAX) {
    await reply.body?.cancel().catch(() => undefined);
    throw new TransportError('ERR_INVALID_DATA', `response of ${declared} bytes exceeds ${RPC_RESPONSE_FRAME_BYTES_MAX}`, address);
  }
  if (reply.body === null) return new Uint8Array(0);
  const reader = reply.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > RPC_RESPONSE_FRAME_BYTES_MAX) {
        await reader.cancel().catch(() => undefined);
        throw new TransportError('ERR_INVALID_DATA', `response exceeds ${RPC_RESPONSE_FRAME_BYTES_MAX} bytes`, address);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof TransportError) throw error;
    throw new TransportError('ERR_SESSION_RESET', `the response from ${address} was cut off: ${messageOf(error)}`, address, { cause: error });
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}
