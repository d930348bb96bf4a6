// One destination of the cluster transport: a lazily opened RpcConnection, reopened after failures
// with jittered exponential backoff. One-way messages wait in a bounded queue while the connection
// opens or backs off (the oldest are shed: the cores resend what matters) and are shed while the
// peer reads slower than the socket bound. A closed connection is noticed at the next send, which
// reconnects at once. Nothing here throws into the caller for a network failure.
//
//   idle --send/call--> connecting --ok--> connected --connection closed, next send--> connecting
//                            \--fail--> backoff --timer, queue non-empty--> connecting
//                                              \--timer, queue empty--> idle

import type { Clock } from '../../../common/clock.ts';
import type { Random } from '../../../common/random.ts';
import { RpcCodecError } from '../codec-error.ts';
import type { RpcMethod } from '../rpc-methods.ts';
import { RpcCallError, RpcConnection } from './rpc-connection.ts';
import type { RpcLog } from './thft-connection.ts';

export interface ClusterTransportCounters {
  /** One-way messages handed to a connection. */
  sent: number;
  /** One-way messages shed: queue full, slow peer, unencodable, bad address, or left at close. */
  dropped: number;
  /** Connection attempts after a destination's first. */
  reconnects: number;
  connectFailures: number;
}

export interface ClusterLinkSettings {
  readonly queueMessagesMax: number;
  readonly sendBufferBytesMax: number;
  readonly callsWaitingMax: number;
  readonly connectTimeoutMs: number;
  readonly backoffMsMin: number;
  readonly backoffMsMax: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly counters: ClusterTransportCounters;
  readonly log: RpcLog;
}

type LinkState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'closed';

interface QueuedSend {
  readonly method: RpcMethod<unknown, unknown>;
  readonly request: unknown;
}

interface Waiter {
  readonly opened: (connection: RpcConnection) => void;
  readonly failed: (error: RpcCallError) => void;
  readonly timer: NodeJS.Timeout;
}

export class ClusterLink {
  private state: LinkState = 'idle';
  private connection: RpcConnection | null = null;
  private queue: QueuedSend[] = [];
  private readonly waiters = new Set<Waiter>();
  private backoffTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private failuresInRow = 0;
  /** Messages are being shed for a full socket buffer (logged once per streak). */
  private shedding = false;

  constructor(
    readonly address: string,
    private readonly host: string,
    private readonly port: number,
    private readonly settings: ClusterLinkSettings,
  ) {}

  /** Nothing queued, nothing waiting, no connection attempt or timer: safe to forget. */
  get idle(): boolean {
    return (this.state === 'idle' || (this.state === 'connected' && this.connection?.closed === true))
      && this.queue.length === 0 && this.waiters.size === 0;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  send<Request>(method: RpcMethod<Request, unknown>, request: Request): void {
    if (this.state === 'closed') {
      this.settings.counters.dropped++;
      return;
    }
    const connection = this.openConnection();
    if (connection !== null) {
      this.write(connection, { method: method as RpcMethod<unknown, unknown>, request });
      return;
    }
    if (this.queue.length >= this.settings.queueMessagesMax) {
      this.queue.shift();
      this.settings.counters.dropped++;
    }
    this.queue.push({ method: method as RpcMethod<unknown, unknown>, request });
    if (this.state === 'idle') this.connect();
  }

  /** Rejects with RpcCallError: ERR_NETWORK_FAILURE while the destination cannot be reached, ERR_TIMEOUT, ... */
  call<Request, Response>(method: RpcMethod<Request, Response>, request: Request, timeoutMs: number): Promise<Response> {
    const connection = this.openConnection();
    if (connection !== null) return callOn(connection, method, request, timeoutMs);
    if (this.state === 'closed') return Promise.reject(new RpcCallError('ERR_SESSION_RESET', `${method.name} to ${this.address}: the transport is closed`));
    if (this.state === 'backoff') {
      return Promise.reject(new RpcCallError('ERR_NETWORK_FAILURE', `${method.name}: ${this.address} is unreachable (${this.failuresInRow} failed connects in a row)`));
    }
    if (this.waiters.size >= this.settings.callsWaitingMax) {
      return Promise.reject(new RpcCallError('ERR_BUSY', `${method.name}: ${this.waiters.size} calls already wait for ${this.address}`));
    }
    if (this.state === 'idle') this.connect();
    const startedMs = this.settings.clock.monotonicMs();
    return new Promise<Response>((resolve, reject) => {
      const waiter: Waiter = {
        opened: (opened) => {
          const remainingMs = Math.max(1, Math.floor(timeoutMs - (this.settings.clock.monotonicMs() - startedMs)));
          callOn(opened, method, request, remainingMs).then(resolve, reject);
        },
        failed: reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new RpcCallError('ERR_TIMEOUT', `${method.name}: no connection to ${this.address} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Sheds the queue, fails waiting calls, stops the timer and closes the connection. */
  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.settings.counters.dropped += this.queue.length;
    this.queue = [];
    this.failWaiters(new RpcCallError('ERR_SESSION_RESET', `the transport to ${this.address} is closed`));
    this.connection?.close();
    this.connection = null;
  }

  /** The connection when it is open; a connection found closed sends the link back to idle. */
  private openConnection(): RpcConnection | null {
    if (this.state !== 'connected' || this.connection === null) return null;
    if (!this.connection.closed) return this.connection;
    this.connection = null;
    this.state = 'idle';
    return null;
  }

  private connect(): void {
    this.state = 'connecting';
    if (this.attempts > 0) this.settings.counters.reconnects++;
    this.attempts++;
    RpcConnection.connect({ host: this.host, port: this.port, connectTimeoutMs: this.settings.connectTimeoutMs }).then(
      (connection) => this.opened(connection),
      (error: unknown) => this.connectFailed(error),
    );
  }

  private opened(connection: RpcConnection): void {
    if (this.state === 'closed') {
      connection.close();
      return;
    }
    if (this.failuresInRow > 0) this.settings.log(`cluster transport: connected to ${this.address} after ${this.failuresInRow} failed attempts`);
    this.failuresInRow = 0;
    this.connection = connection;
    this.state = 'connected';
    const queued = this.queue;
    this.queue = [];
    for (const item of queued) this.write(connection, item);
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.opened(connection);
    }
  }

  private connectFailed(error: unknown): void {
    if (this.state === 'closed') return;
    this.settings.counters.connectFailures++;
    this.failuresInRow++;
    const reason = error instanceof Error ? error.message : String(error);
    if (this.failuresInRow === 1) this.settings.log(`cluster transport: cannot connect to ${this.address} (${reason}); retrying with backoff`);
    this.failWaiters(new RpcCallError('ERR_NETWORK_FAILURE', `cannot connect to ${this.address}: ${reason}`));
    this.state = 'backoff';
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      if (this.state !== 'backoff') return;
      if (this.queue.length > 0) this.connect();
      else this.state = 'idle';
    }, this.backoffDelayMs());
  }

  /** Full-jitter-in-the-upper-half exponential backoff: spreads reconnects of many servers. */
  private backoffDelayMs(): number {
    const { backoffMsMin, backoffMsMax, random } = this.settings;
    const base = Math.min(backoffMsMax, backoffMsMin * 2 ** Math.min(this.failuresInRow - 1, 30));
    return Math.round(base / 2 + random.next() * (base / 2));
  }

  private write(connection: RpcConnection, item: QueuedSend): void {
    const counters = this.settings.counters;
    if (connection.writeBufferedBytes > this.settings.sendBufferBytesMax) {
      counters.dropped++;
      if (!this.shedding) this.settings.log(`cluster transport: ${this.address} reads slower than we send; shedding messages`);
      this.shedding = true;
      return;
    }
    this.shedding = false;
    try {
      connection.send(item.method, item.request);
      counters.sent++;
    } catch (error) {
      if (!(error instanceof RpcCodecError)) throw error;
      counters.dropped++;
      this.settings.log(`cluster transport: ${item.method.name} to ${this.address} dropped, it cannot be sent: ${error.message}`);
    }
  }

  private failWaiters(error: RpcCallError): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.failed(error);
    }
  }
}

function callOn<Request, Response>(connection: RpcConnection, method: RpcMethod<Request, Response>, request: Request, timeoutMs: number): Promise<Response> {
  try {
    return connection.call(method, request, { timeoutMs });
  } catch (error) {
    if (error instanceof RpcCodecError) return Promise.reject(new RpcCallError('ERR_INVALID_DATA', `${method.name}: ${error.message}`));
    throw error;
  }
}
