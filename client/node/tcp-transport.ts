// The Node transport: THFT over TCP, one connection per server address (opened on first use,
// opened again after it broke), any number of calls in flight on it (RpcConnection pairs answers
// by seqid). Failures become TransportErrors: the server's error name, ERR_TIMEOUT, or
// ERR_SESSION_RESET when the connection broke or could not be made.

import { RpcCallError, RpcConnection } from '../../cluster/rpc/node/rpc-connection.ts';
import { RpcCodecError } from '../../cluster/rpc/codec-error.ts';
import type { RpcMethod } from '../../cluster/rpc/rpc-methods.ts';
import { CLIENT_CONNECTIONS_MAX } from '../../common/limits.ts';
import { TransportError, type Transport, type TransportCallOptions } from '../core/transport.ts';

export class TcpTransport implements Transport {
  private readonly connections = new Map<string, Promise<RpcConnection>>();
  private closed = false;

  async call<Request, Response>(address: string, method: RpcMethod<Request, Response>, request: Request, options: TransportCallOptions): Promise<Response> {
    const connection = await this.connectionTo(address, options.timeoutMs, options.signal);
    let call: Promise<Response>;
    try {
      call = connection.call(method, request, { timeoutMs: Math.max(1, Math.ceil(options.timeoutMs)), routing: { version: 1, ...options.routing } });
    } catch (error) {
      // The request could not be encoded: a value the wire cannot carry.
      if (error instanceof RpcCodecError) throw new TransportError('ERR_INVALID_PARAMETERS', error.message, address, { cause: error });
      throw error;
    }
    try {
      return await withAbort(call, options.signal, address);
    } catch (error) {
      if (error instanceof RpcCallError) throw new TransportError(error.code, error.message, address, { cause: error });
      throw error;
    }
  }

  send<Request>(address: string, method: RpcMethod<Request, unknown>, request: Request, options: TransportCallOptions): void {
    this.connectionTo(address, options.timeoutMs, undefined)
      .then((connection) => connection.send(method, request, { timeoutMs: Math.ceil(options.timeoutMs), routing: { version: 1, ...options.routing } }))
      .catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const open = [...this.connections.values()];
    this.connections.clear();
    for (const connection of await Promise.allSettled(open)) {
      if (connection.status === 'fulfilled') connection.value.close();
    }
  }

  /** The open connection to `address`, made now if there is none or the last one broke. */
  private async connectionTo(address: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<RpcConnection> {
    if (this.closed) throw new TransportError('ERR_SERVICE_NOT_ACTIVE', 'the client is closed', address);
    let pending = this.connections.get(address);
    if (pending !== undefined) {
      const ready = await pending.catch(() => null);
      if (ready !== null && !ready.closed) return ready;
      if (this.connections.get(address) === pending) this.connections.delete(address);
      pending = this.connections.get(address);
    }
    if (pending === undefined) {
      this.evictIfFull();
      pending = connect(address);
      this.connections.set(address, pending);
      const made = pending;
      made.catch(() => {
        if (this.connections.get(address) === made) this.connections.delete(address);
      });
    }
    const connecting = withTimeout(pending, timeoutMs, address);
    const connection = await withAbort(connecting, signal, address);
    if (this.closed) {
      connection.close();
      throw new TransportError('ERR_SERVICE_NOT_ACTIVE', 'the client is closed', address);
    }
    return connection;
  }

  /** At the bound, drops connections with nothing pending (broken ones first). */
  private evictIfFull(): void {
    if (this.connections.size < CLIENT_CONNECTIONS_MAX) return;
    for (const [address, pending] of this.connections) {
      void pending.then((connection) => {
        if (connection.closed || connection.pendingCount === 0) {
          if (this.connections.get(address) === pending) this.connections.delete(address);
          connection.close();
        }
      }, () => undefined);
    }
    if (this.connections.size >= CLIENT_CONNECTIONS_MAX) {
      throw new TransportError('ERR_BUSY', `${CLIENT_CONNECTIONS_MAX} server connections are open already`, '');
    }
  }
}

async function connect(address: string): Promise<RpcConnection> {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 0xffff) {
    throw new TransportError('ERR_NETWORK_FAILURE', `address ${JSON.stringify(address)} is not "host:port"`, address);
  }
  try {
    return await RpcConnection.connect({ host, port });
  } catch (error) {
    throw new TransportError('ERR_SESSION_RESET', `cannot connect to ${address}: ${(error as Error).message}`, address, { cause: error });
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, address: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TransportError('ERR_TIMEOUT', `no connection to ${address} within ${timeoutMs} ms`, address)), timeoutMs);
    promise.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Rejects as soon as `signal` fires; the underlying call still ends by its own timeout. */
function withAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, address: string): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(new TransportError('ERR_THREAD_INTERRUPTED', 'aborted by the caller', address, { cause: signal.reason }));
    if (signal.aborted) {
      onAbort();
      promise.catch(() => undefined);
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then((value) => {
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    }, (error: unknown) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}
