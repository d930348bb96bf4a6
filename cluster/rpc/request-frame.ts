// THFT request framing (reference/pegasus-api.md section 4.2). Version 0: a 48-byte header
// carrying the routing fields; version 1: a 16-byte header, then the thrift-encoded request meta,
// then the body. The decoder takes chunks as they arrive and yields whole frames; a bad signature,
// version, header length or an oversized frame is reported once and for good (the connection is
// then closed), before any body bytes are buffered.

import { assert } from '../../common/assert.ts';
import { RPC_REQUEST_FRAME_BYTES_MAX, RPC_REQUEST_META_BYTES_MAX } from '../../common/limits.ts';
import { ByteQueue } from './byte-queue.ts';
import { RpcCodecError, type CodecResult } from './codec-error.ts';
import { requestMetaSchema } from './meta-structs.ts';
import { readStruct, writeStruct } from './thrift-codec.ts';
import { ThriftReader } from './thrift-reader.ts';
import type { ThriftWriter } from './thrift-writer.ts';

/** "THFT" as a big-endian u32. */
const SIGNATURE = 0x54484654;
const SIGNATURE_BYTES = [0x54, 0x48, 0x46, 0x54] as const;
export const HEADER_BYTES_V0 = 48;
export const HEADER_BYTES_V1 = 16;
const VERSION_PREFIX_BYTES = 8;
const THREAD_HASH_MAGIC = 7919;

export type HeaderVersion = 0 | 1;

/** The routing fields of a request, from either header version. */
export interface RequestHeader {
  readonly version: HeaderVersion;
  readonly appId: number;
  readonly partitionIndex: number;
  readonly clientTimeoutMs: number;
  /** crc64 of the hash key, unsigned; 0 when the client did not compute it. */
  readonly partitionHash: bigint;
  /** v0 carries it; for v1 it is app_id * 7919 + partition_index, as rDSN computes it. */
  readonly threadHash: number;
  /** Only v1 can carry it. */
  readonly isBackupRequest: boolean;
}

export interface RequestFrame {
  readonly header: RequestHeader;
  /** The Thrift message: message header, then the args struct. A view; do not mutate. */
  readonly body: Uint8Array;
}

export type FrameStep<F> =
  | { readonly kind: 'frame'; readonly frame: F }
  | { readonly kind: 'need_more' }
  | { readonly kind: 'error'; readonly error: RpcCodecError };

const NEED_MORE = { kind: 'need_more' } as const;

export function threadHashOf(appId: number, partitionIndex: number): number {
  return (Math.imul(appId, THREAD_HASH_MAGIC) + partitionIndex) | 0;
}

/** Splits a byte stream of THFT requests into frames. One decoder per connection. */
export class RequestFrameDecoder {
  private readonly queue = new ByteQueue();
  private failure: RpcCodecError | null = null;
  private readonly frameBytesMax: number;

  constructor(options: { readonly frameBytesMax?: number } = {}) {
    this.frameBytesMax = options.frameBytesMax ?? RPC_REQUEST_FRAME_BYTES_MAX;
    assert(this.frameBytesMax >= HEADER_BYTES_V0, 'frameBytesMax below the header size');
  }

  /** Bytes received and not yet handed out as frames. */
  get bufferedBytes(): number {
    return this.queue.size;
  }

  /** Appends received bytes; call next() until it says need_more after every push. */
  push(chunk: Uint8Array): void {
    if (this.failure === null) this.queue.push(chunk);
  }

  next(): FrameStep<RequestFrame> {
    if (this.failure !== null) return { kind: 'error', error: this.failure };
    try {
      const total = this.frameLength();
      if (total === null || this.queue.size < total) return NEED_MORE;
      return { kind: 'frame', frame: parseRequestFrame(this.queue.take(total)) };
    } catch (error) {
      if (!(error instanceof RpcCodecError)) throw error;
      this.failure = error;
      return { kind: 'error', error };
    }
  }

  /** The length of the frame at the front, or null while its header is incomplete. */
  private frameLength(): number | null {
    const queue = this.queue;
    const known = Math.min(queue.size, 4);
    for (let i = 0; i < known; i++) {
      if (queue.peekByte(i) !== SIGNATURE_BYTES[i]) {
        throw new RpcCodecError('bad_signature', `frame does not start with "THFT" (byte ${i} is 0x${queue.peekByte(i).toString(16)})`);
      }
    }
    if (queue.size < VERSION_PREFIX_BYTES) return null;
    const version = queue.peekU32(4);
    if (version === 0) {
      if (queue.size < HEADER_BYTES_V0) return null;
      const headerLength = queue.peekU32(8);
      if (headerLength !== HEADER_BYTES_V0) {
        throw new RpcCodecError('bad_header_length', `v0 hdr_length is ${headerLength}, must be ${HEADER_BYTES_V0}`);
      }
      return this.bounded(HEADER_BYTES_V0 + queue.peekU32(16));
    }
    if (version === 1) {
      if (queue.size < HEADER_BYTES_V1) return null;
      const metaLength = queue.peekU32(8);
      if (metaLength > RPC_REQUEST_META_BYTES_MAX) {
        throw new RpcCodecError('too_large', `v1 meta_length ${metaLength} exceeds ${RPC_REQUEST_META_BYTES_MAX}`);
      }
      return this.bounded(HEADER_BYTES_V1 + metaLength + queue.peekU32(12));
    }
    throw new RpcCodecError('bad_version', `THFT header version ${version}; only 0 and 1 exist`);
  }

  private bounded(total: number): number {
    if (total > this.frameBytesMax) {
      throw new RpcCodecError('too_large', `request frame of ${total} bytes exceeds ${this.frameBytesMax}`);
    }
    return total;
  }
}

/** Parses one complete frame (as cut by the decoder) into its header and body. */
export function parseRequestFrame(bytes: Uint8Array): RequestFrame {
  const u32 = (at: number): number =>
    (((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number)) >>> 0;
  const version = u32(4);
  if (version === 0) {
    const header: RequestHeader = {
      version: 0,
      appId: u32(24) | 0,
      partitionIndex: u32(28) | 0,
      clientTimeoutMs: u32(32) | 0,
      threadHash: u32(36) | 0,
      partitionHash: (BigInt(u32(40)) << 32n) | BigInt(u32(44)),
      isBackupRequest: false,
    };
    return { header, body: bytes.subarray(HEADER_BYTES_V0, HEADER_BYTES_V0 + u32(16)) };
  }
  assert(version === 1, 'the decoder only cuts v0 and v1 frames');
  const metaLength = u32(8);
  const bodyLength = u32(12);
  const metaEnd = HEADER_BYTES_V1 + metaLength;
  let meta;
  try {
    meta = readStruct(new ThriftReader(bytes, HEADER_BYTES_V1, metaEnd), requestMetaSchema);
  } catch (error) {
    throw error instanceof RpcCodecError ? error.within('v1 request meta') : error;
  }
  const header: RequestHeader = {
    version: 1,
    appId: meta.appId,
    partitionIndex: meta.partitionIndex,
    clientTimeoutMs: meta.clientTimeout,
    threadHash: threadHashOf(meta.appId, meta.partitionIndex),
    partitionHash: BigInt.asUintN(64, meta.partitionHash),
    isBackupRequest: meta.isBackupRequest,
  };
  return { header, body: bytes.subarray(metaEnd, metaEnd + bodyLength) };
}

/** One complete frame, outside a stream (the HTTP gateway's POST body). */
export function decodeRequestFrame(bytes: Uint8Array, options: { readonly frameBytesMax?: number } = {}): CodecResult<RequestFrame> {
  const decoder = new RequestFrameDecoder(options);
  decoder.push(bytes);
  const step = decoder.next();
  if (step.kind === 'error') return { ok: false, error: step.error };
  if (step.kind === 'need_more') return { ok: false, error: new RpcCodecError('truncated', `request frame incomplete: ${bytes.length} bytes`) };
  if (decoder.bufferedBytes !== 0) {
    return { ok: false, error: new RpcCodecError('invalid_value', `${decoder.bufferedBytes} bytes after the request frame`) };
  }
  return { ok: true, value: step.frame };
}

/** What a client puts in the header. */
export interface RequestRouting {
  readonly version: HeaderVersion;
  readonly appId: number;
  readonly partitionIndex: number;
  readonly clientTimeoutMs: number;
  /** Unsigned crc64 of the hash key, or 0n. */
  readonly partitionHash: bigint;
  /** v1 only. */
  readonly isBackupRequest?: boolean;
}

/**
 * Writes a THFT header with the body length left open; the caller writes the Thrift message and
 * then calls finishRequestFrame with the returned position.
 */
export function beginRequestFrame(writer: ThriftWriter, routing: RequestRouting): number {
  writer.writeU32(SIGNATURE);
  writer.writeU32(routing.version);
  let bodyLengthAt: number;
  if (routing.version === 0) {
    assert(routing.isBackupRequest !== true, 'a v0 header cannot carry is_backup_request');
    writer.writeU32(HEADER_BYTES_V0);
    writer.writeU32(0); // hdr_crc32, not checked
    bodyLengthAt = writer.reserve(4);
    writer.writeU32(0); // body_crc32, not checked
    writer.writeI32(routing.appId);
    writer.writeI32(routing.partitionIndex);
    writer.writeI32(routing.clientTimeoutMs);
    writer.writeI32(threadHashOf(routing.appId, routing.partitionIndex));
    writer.writeI64(routing.partitionHash);
  } else {
    const metaLengthAt = writer.reserve(4);
    bodyLengthAt = writer.reserve(4);
    writeStruct(writer, requestMetaSchema, {
      appId: routing.appId,
      partitionIndex: routing.partitionIndex,
      clientTimeout: routing.clientTimeoutMs,
      partitionHash: BigInt.asIntN(64, routing.partitionHash),
      isBackupRequest: routing.isBackupRequest === true,
    });
    writer.patchU32(metaLengthAt, writer.length - bodyLengthAt - 4);
  }
  return bodyLengthAt;
}

/** Patches the body length: everything written after the header (and meta). */
export function finishRequestFrame(writer: ThriftWriter, bodyLengthAt: number, bodyStart: number): void {
  writer.patchU32(bodyLengthAt, writer.length - bodyStart);
}
