// THFT response framing (reference/pegasus-api.md section 4.4): i32 total length counting itself,
// the error name as a thrift string, the message header "<name>_ACK" REPLY with the request's
// seqid, and the result struct only when the error is ERR_OK. The decoder cuts a byte stream of
// responses into frames for our own clients.

import { assert } from '../../common/assert.ts';
import { RPC_NAME_BYTES_MAX, RPC_RESPONSE_FRAME_BYTES_MAX } from '../../common/limits.ts';
import { ByteQueue } from './byte-queue.ts';
import { RpcCodecError } from './codec-error.ts';
import { isErrorName, type ErrorName } from './error-code.ts';
import { MessageType, readMessageBegin, writeMessageBegin } from './message.ts';
import type { FrameStep } from './request-frame.ts';
import { ThriftReader } from './thrift-reader.ts';
import type { ThriftWriter } from './thrift-writer.ts';

/** Length, the shortest error name string ("ERR_OK"), a message header with a 1-byte name. */
export const RESPONSE_BYTES_MIN = 4 + 4 + 6 + 4 + 4 + 1 + 4;

export interface ResponseHead {
  readonly error: ErrorName;
  /** The message name: the RPC name + "_ACK". */
  readonly name: string;
  readonly seqid: number;
  /** Where the result struct starts in the frame (meaningful only for ERR_OK). */
  readonly resultOffset: number;
}

/**
 * Writes the head of a response frame: the length (left open), the error name and the message
 * header. Returns the frame's start, for finishResponseFrame once the result (ERR_OK only) is written.
 */
export function beginResponseFrame(
  writer: ThriftWriter,
  head: { readonly error: ErrorName; readonly name: string; readonly seqid: number },
): number {
  assert(isErrorName(head.error), `error ${head.error} is not a name the clients know`);
  const start = writer.reserve(4);
  writer.writeString(head.error);
  writeMessageBegin(writer, head.name, MessageType.reply, head.seqid);
  return start;
}

/** Patches the total length, which counts the length field itself. */
export function finishResponseFrame(writer: ThriftWriter, start: number): void {
  writer.patchU32(start, writer.length - start);
}

/** Reads the head of one complete response frame (as cut by ResponseFrameDecoder). */
export function readResponseHead(frame: Uint8Array): ResponseHead {
  const reader = new ThriftReader(frame);
  const total = reader.readI32();
  if (total !== frame.length) {
    throw new RpcCodecError('bad_header_length', `response length field ${total}, frame has ${frame.length} bytes`);
  }
  const error = reader.readString(RPC_NAME_BYTES_MAX);
  if (!isErrorName(error)) throw new RpcCodecError('unknown_error_name', `unknown error name ${JSON.stringify(error)}`);
  const message = readMessageBegin(reader);
  if (message.type !== MessageType.reply) {
    throw new RpcCodecError('bad_message', `response message type ${message.type}, expected REPLY (2)`);
  }
  return { error, name: message.name, seqid: message.seqid, resultOffset: reader.offset };
}

/** Splits a byte stream of THFT responses into frames (each including its length field). */
export class ResponseFrameDecoder {
  private readonly queue = new ByteQueue();
  private failure: RpcCodecError | null = null;
  private readonly frameBytesMax: number;

  constructor(options: { readonly frameBytesMax?: number } = {}) {
    this.frameBytesMax = options.frameBytesMax ?? RPC_RESPONSE_FRAME_BYTES_MAX;
    assert(this.frameBytesMax >= RESPONSE_BYTES_MIN, 'frameBytesMax below the smallest response');
  }

  get bufferedBytes(): number {
    return this.queue.size;
  }

  push(chunk: Uint8Array): void {
    if (this.failure === null) this.queue.push(chunk);
  }

  next(): FrameStep<Uint8Array> {
    if (this.failure !== null) return { kind: 'error', error: this.failure };
    if (this.queue.size < 4) return { kind: 'need_more' };
    const total = this.queue.peekU32(0);
    let problem: RpcCodecError | null = null;
    if (total < RESPONSE_BYTES_MIN) {
      problem = new RpcCodecError('bad_header_length', `response length ${total} is below the minimum ${RESPONSE_BYTES_MIN}`);
    } else if (total > this.frameBytesMax) {
      problem = new RpcCodecError('too_large', `response frame of ${total} bytes exceeds ${this.frameBytesMax}`);
    }
    if (problem !== null) {
      this.failure = problem;
      return { kind: 'error', error: problem };
    }
    if (this.queue.size < total) return { kind: 'need_more' };
    return { kind: 'frame', frame: this.queue.take(total) };
  }
}
