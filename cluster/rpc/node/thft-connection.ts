// The server side of one THFT connection. Frames are cut as bytes arrive and each request is
// dispatched at once, so many are in flight; answers are written as they complete, in any order
// (the seqid pairs them). Answers completing in the same turn of the event loop go out in one
// socket write. Backpressure: at `inFlightMax` requests being handled, or while the socket's
// write buffer is full, the socket is not read (received frames wait in the decoder).
// A framing error, an unreadable message header, a handler that throws or a response that cannot
// be encoded closes this connection only.

import type { Socket } from 'node:net';
import { assert } from '../../../common/assert.ts';
import { RPC_CLOSE_LINGER_MS, RPC_WRITE_COALESCE_BYTES_MAX } from '../../../common/limits.ts';
import { RequestFrameDecoder } from '../request-frame.ts';
import { ThriftWriter } from '../thrift-writer.ts';
import type { HandlerTable } from './handler-table.ts';
import { encodeOutcome, serveFrame, type FrameOutcome } from './serve-frame.ts';

export type RpcLog = (message: string, error?: unknown) => void;

export interface ThftConnectionOptions {
  readonly inFlightMax: number;
  readonly frameBytesMax?: number;
  readonly log: RpcLog;
}

export class ThftConnection {
  private readonly decoder: RequestFrameDecoder;
  private readonly out = new ThriftWriter(4096);
  private flushScheduled = false;
  private inFlight = 0;
  private closed = false;
  private readingPaused = false;
  /** The most requests seen in flight at once (for tests of the bound). */
  inFlightPeak = 0;

  constructor(
    private readonly socket: Socket,
    private readonly table: HandlerTable,
    private readonly options: ThftConnectionOptions,
  ) {
    assert(options.inFlightMax >= 1, 'inFlightMax must be at least 1');
    this.decoder = new RequestFrameDecoder(options.frameBytesMax === undefined ? {} : { frameBytesMax: options.frameBytesMax });
    socket.on('data', (chunk: Uint8Array) => this.receive(chunk));
    socket.on('drain', () => this.pump());
    socket.on('close', () => { this.closed = true; });
    socket.on('error', () => { this.closed = true; });
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  /** Received bytes not yet dispatched (bounded while reading is paused). */
  get readBufferedBytes(): number {
    return this.decoder.bufferedBytes;
  }

  /** Answers handed to the socket and not yet sent. */
  get writeBufferedBytes(): number {
    return this.socket.writableLength + this.out.length;
  }

  /** Bytes received before this object took the socket over (the sniffed prefix). */
  receive(chunk: Uint8Array): void {
    if (this.closed) return;
    this.decoder.push(chunk);
    this.pump();
  }

  /** Dispatches buffered frames while under the bounds, and pauses or resumes reading. */
  private pump(): void {
    while (!this.closed && this.inFlight < this.options.inFlightMax && !this.socket.writableNeedDrain) {
      const step = this.decoder.next();
      if (step.kind === 'need_more') break;
      if (step.kind === 'error') {
        this.close(`framing error: ${step.error.message}`);
        return;
      }
      let outcome: FrameOutcome | Promise<FrameOutcome>;
      try {
        outcome = serveFrame(step.frame, this.table);
      } catch (error) {
        this.fail('request handler threw', error);
        return;
      }
      if (outcome instanceof Promise) {
        this.inFlight++;
        if (this.inFlight > this.inFlightPeak) this.inFlightPeak = this.inFlight;
        outcome.then((done) => this.complete(done), (error: unknown) => this.fail('request handler failed', error));
      } else {
        this.answer(outcome);
      }
    }
    if (this.closed) return;
    const full = this.inFlight >= this.options.inFlightMax || this.socket.writableNeedDrain;
    if (full && !this.readingPaused) {
      this.readingPaused = true;
      this.socket.pause();
    } else if (!full && this.readingPaused) {
      this.readingPaused = false;
      this.socket.resume();
    }
  }

  private complete(outcome: FrameOutcome): void {
    this.inFlight--;
    this.answer(outcome);
    if (this.readingPaused || this.decoder.bufferedBytes > 0) this.pump();
  }

  private answer(outcome: FrameOutcome): void {
    if (this.closed) return;
    if (outcome.kind === 'fatal') {
      this.close(`unreadable request: ${outcome.error.message}`);
      return;
    }
    if (outcome.kind === 'none') return;
    try {
      encodeOutcome(this.out, outcome);
    } catch (error) {
      this.fail('response could not be encoded', error);
      return;
    }
    if (this.out.length >= RPC_WRITE_COALESCE_BYTES_MAX) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.out.length === 0) return;
    this.socket.write(this.out.toBytes());
    this.out.reset();
  }

  private fail(what: string, error: unknown): void {
    this.options.log(`rpc connection ${this.peer()}: ${what}; closing it`, error);
    this.close(null);
  }

  /** Sends what is already encoded, then ends the connection; later answers are dropped. */
  private close(reason: string | null): void {
    if (this.closed) return;
    if (reason !== null) this.options.log(`rpc connection ${this.peer()}: ${reason}; closing it`);
    this.flush();
    this.closed = true;
    this.socket.pause();
    const linger = setTimeout(() => this.socket.destroy(), RPC_CLOSE_LINGER_MS).unref();
    this.socket.end(() => {
      clearTimeout(linger);
      this.socket.destroy();
    });
  }

  private peer(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }
}
