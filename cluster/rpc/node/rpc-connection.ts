// A THFT client connection for tests and server-to-server calls. Calls carry increasing seqids and
// are paired with responses by seqid, so any number may be in flight and answers may come in any
// order. Requests issued in the same turn of the event loop go out in one socket write. A call
// fails with RpcCallError: the server's error name, ERR_TIMEOUT after its timeout, or
// ERR_SESSION_RESET when the connection closes first (every pending call fails then).
//
//   const connection = await RpcConnection.connect({ host: '127.0.0.1', port });
//   const read = await connection.call(clientRpcs.get, { kind: 'get', key });
//   connection.send(clientRpcs.clearScanner, { kind: 'clear_scanner', contextId: 7n });
//   connection.close();

import { connect, type Socket } from 'node:net';
import { assert } from '../../../common/assert.ts';
import {
  RPC_CALL_TIMEOUT_MS_DEFAULT, RPC_CLIENT_PENDING_CALLS_MAX, RPC_REQUEST_FRAME_BYTES_MAX, RPC_WRITE_COALESCE_BYTES_MAX,
} from '../../../common/limits.ts';
import { RpcCodecError } from '../codec-error.ts';
import type { ErrorName } from '../error-code.ts';
import type { RequestRouting } from '../request-frame.ts';
import { ResponseFrameDecoder } from '../response-frame.ts';
import { decodeResponse, decodeResponseHead, encodeRequest } from '../rpc-codec.ts';
import type { AnyRpcMethod, RpcMethod } from '../rpc-methods.ts';
import { ThriftWriter } from '../thrift-writer.ts';
import { PegasusError } from '../../../common/errors.ts';

/** Failures where the same call may succeed later or elsewhere (after a routing refresh). */
const RETRIABLE: ReadonlySet<ErrorName> = new Set<ErrorName>([
  'ERR_TIMEOUT', 'ERR_SESSION_RESET', 'ERR_BUSY', 'ERR_TRY_AGAIN', 'ERR_FORWARD_TO_OTHERS', 'ERR_INVALID_STATE',
  'ERR_OBJECT_NOT_FOUND', 'ERR_NOT_ENOUGH_MEMBER', 'ERR_NETWORK_FAILURE', 'ERR_CAPACITY_EXCEEDED', 'ERR_PARENT_PARTITION_MISUSED',
]);

export class RpcCallError extends PegasusError<ErrorName> {
  override readonly name = 'RpcCallError';
  constructor(code: ErrorName, message: string) {
    super(code, `${code}: ${message}`, RETRIABLE.has(code));
  }
}

export interface ConnectOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  readonly port: number;
  /** Gives up connecting after this long; default: the system's own timeout. */
  readonly connectTimeoutMs?: number;
  /** A request encoding to a larger frame throws RpcCodecError 'too_large' and is not sent. */
  readonly requestFrameBytesMax?: number;
}

export interface CallOptions {
  readonly timeoutMs?: number;
  /** Header fields; default v1, app 0, partition 0, no partition hash. */
  readonly routing?: Partial<RequestRouting>;
}

interface Pending {
  readonly method: AnyRpcMethod;
  readonly resolve: (response: unknown) => void;
  readonly reject: (error: RpcCallError) => void;
  readonly timer: NodeJS.Timeout;
}

export class RpcConnection {
  private readonly pending = new Map<number, Pending>();
  private readonly decoder = new ResponseFrameDecoder();
  private readonly out = new ThriftWriter(4096);
  private flushScheduled = false;
  private nextSeqid = 1;
  private closedReason: string | null = null;

  private constructor(private readonly socket: Socket, private readonly requestFrameBytesMax: number) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Uint8Array) => this.receive(chunk));
    socket.on('error', (error) => this.fail(`connection error: ${error.message}`));
    socket.on('close', () => this.fail('connection closed'));
  }

  static connect(options: ConnectOptions): Promise<RpcConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host ?? '127.0.0.1', port: options.port });
      const timeoutMs = options.connectTimeoutMs;
      const timer = timeoutMs === undefined
        ? undefined
        : setTimeout(() => socket.destroy(new Error(`connect to ${options.host ?? '127.0.0.1'}:${options.port} timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RpcConnection(socket, options.requestFrameBytesMax ?? RPC_REQUEST_FRAME_BYTES_MAX));
      });
    });
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  get closed(): boolean {
    return this.closedReason !== null;
  }

  /** Requests encoded or handed to the socket and not yet sent (grows while the peer does not read). */
  get writeBufferedBytes(): number {
    return this.socket.writableLength + this.out.length;
  }

  /** Sends a request and resolves with its response, or rejects with RpcCallError. */
  call<Request, Response>(method: RpcMethod<Request, Response>, request: Request, options: CallOptions = {}): Promise<Response> {
    assert(method.response !== null, `${method.name} is one-way: use send`);
    if (this.closedReason !== null) return Promise.reject(new RpcCallError('ERR_SESSION_RESET', this.closedReason));
    if (this.pending.size >= RPC_CLIENT_PENDING_CALLS_MAX) {
      return Promise.reject(new RpcCallError('ERR_BUSY', `${this.pending.size} calls already pending`));
    }
    const timeoutMs = options.timeoutMs ?? RPC_CALL_TIMEOUT_MS_DEFAULT;
    const seqid = this.write(method, request, timeoutMs, options.routing);
    return new Promise<Response>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(seqid);
        reject(new RpcCallError('ERR_TIMEOUT', `${method.name} seqid ${seqid} got no response in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(seqid, { method: method as AnyRpcMethod, resolve: resolve as (response: unknown) => void, reject, timer });
    });
  }

  /** Sends a one-way request: nothing comes back. */
  send<Request>(method: RpcMethod<Request, unknown>, request: Request, options: CallOptions = {}): void {
    assert(method.response === null, `${method.name} has a response: use call`);
    if (this.closedReason !== null) return;
    this.write(method, request, options.timeoutMs ?? RPC_CALL_TIMEOUT_MS_DEFAULT, options.routing);
  }

  /** Writes raw bytes (tests of malformed input). */
  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  close(): void {
    this.socket.destroy();
    this.fail('closed by the caller');
  }

  private write<Request>(method: RpcMethod<Request, unknown>, request: Request, timeoutMs: number, routing: Partial<RequestRouting> = {}): number {
    const seqid = this.nextSeqid;
    this.nextSeqid = this.nextSeqid >= 0x7fffffff ? 1 : this.nextSeqid + 1;
    const start = this.out.length;
    encodeRequest(this.out, {
      version: routing.version ?? 1,
      appId: routing.appId ?? 0,
      partitionIndex: routing.partitionIndex ?? 0,
      clientTimeoutMs: routing.clientTimeoutMs ?? timeoutMs,
      partitionHash: routing.partitionHash ?? 0n,
      ...(routing.isBackupRequest === undefined ? {} : { isBackupRequest: routing.isBackupRequest }),
    }, method, seqid, request);
    const frameBytes = this.out.length - start;
    if (frameBytes > this.requestFrameBytesMax) {
      // The server would close the connection on it, failing every other call in flight.
      this.out.truncate(start);
      throw new RpcCodecError('too_large', `${method.name} request frame of ${frameBytes} bytes exceeds ${this.requestFrameBytesMax}`);
    }
    if (this.out.length >= RPC_WRITE_COALESCE_BYTES_MAX) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return seqid;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closedReason !== null || this.out.length === 0) return;
    this.socket.write(this.out.toBytes());
    this.out.reset();
  }

  private receive(chunk: Uint8Array): void {
    this.decoder.push(chunk);
    for (;;) {
      const step = this.decoder.next();
      if (step.kind === 'need_more') return;
      if (step.kind === 'error') {
        this.socket.destroy();
        this.fail(`bad response framing: ${step.error.message}`);
        return;
      }
      const head = decodeResponseHead(step.frame);
      if (!head.ok) {
        this.socket.destroy();
        this.fail(`unreadable response: ${head.error.message}`);
        return;
      }
      const call = this.pending.get(head.value.seqid);
      if (call === undefined) continue; // timed out already
      this.pending.delete(head.value.seqid);
      clearTimeout(call.timer);
      const decoded = decodeResponse(step.frame, call.method);
      if (!decoded.ok) call.reject(new RpcCallError('ERR_INVALID_DATA', decoded.error.message));
      else if (decoded.value.head.error !== 'ERR_OK') call.reject(new RpcCallError(decoded.value.head.error, `${call.method.name} answered ${decoded.value.head.error}`));
      else call.resolve(decoded.value.response);
    }
  }

  private fail(reason: string): void {
    if (this.closedReason === null) this.closedReason = reason;
    for (const [seqid, call] of this.pending) {
      clearTimeout(call.timer);
      call.reject(new RpcCallError('ERR_SESSION_RESET', `${call.method.name} seqid ${seqid}: ${reason}`));
    }
    this.pending.clear();
  }
}
