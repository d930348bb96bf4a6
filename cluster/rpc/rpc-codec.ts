// Requests and responses whole: the entry points a server, a client and the HTTP gateway use.
//
// Server: cut frames with RequestFrameDecoder, then decodeRequest(frame, registry) says whether to
// call a handler ('call'), answer an error ('reject', when the message header was readable) or
// close the connection ('fatal'). Answer with encodeResponse / encodeErrorResponse.
// Client: encodeRequest, then cut frames with ResponseFrameDecoder and decodeResponse.
// Encoders append to a ThriftWriter (several frames may share one socket write) and leave it as
// it was when they throw RpcCodecError for a value that cannot be encoded.

import { assert } from '../../common/assert.ts';
import { codecAttempt, RpcCodecError, type CodecResult } from './codec-error.ts';
import type { ErrorName } from './error-code.ts';
import { MessageType, readMessageBegin, readWrapper, writeMessageBegin, writeWrapper } from './message.ts';
import type { RequestFrame, RequestHeader, RequestRouting } from './request-frame.ts';
import { beginRequestFrame, finishRequestFrame } from './request-frame.ts';
import { beginResponseFrame, finishResponseFrame, readResponseHead, type ResponseHead } from './response-frame.ts';
import { ACK_SUFFIX, type AnyRpcMethod, type RpcMethod, type RpcRegistry } from './rpc-methods.ts';
import { ThriftReader } from './thrift-reader.ts';
import type { ValueType } from './thrift-types.ts';
import type { ThriftWriter } from './thrift-writer.ts';

export type IncomingRequest =
  | {
    readonly kind: 'call';
    readonly header: RequestHeader;
    readonly method: AnyRpcMethod;
    readonly seqid: number;
    /** The decoded argument; its type is the method's request type. */
    readonly request: unknown;
  }
  | {
    /** Answer `error.wireError` under `name` + "_ACK" unless `answerable` is false (one-way). */
    readonly kind: 'reject';
    readonly header: RequestHeader;
    readonly name: string;
    readonly seqid: number;
    readonly answerable: boolean;
    readonly error: RpcCodecError;
  }
  | {
    /** The message header itself is unreadable: close the connection. */
    readonly kind: 'fatal';
    readonly error: RpcCodecError;
  };

export function decodeRequest(frame: RequestFrame, registry: RpcRegistry): IncomingRequest {
  const reader = new ThriftReader(frame.body);
  let name: string;
  let seqid: number;
  try {
    const message = readMessageBegin(reader);
    if (message.type !== MessageType.call && message.type !== MessageType.oneway) {
      throw new RpcCodecError('bad_message', `request message type ${message.type}, expected CALL (1) or ONEWAY (4)`);
    }
    name = message.name;
    seqid = message.seqid;
  } catch (error) {
    if (error instanceof RpcCodecError) return { kind: 'fatal', error: error.within('request message header') };
    throw error;
  }
  const header = frame.header;
  const method = registry.get(name);
  if (method === undefined) {
    return { kind: 'reject', header, name, seqid, answerable: true, error: new RpcCodecError('unknown_rpc', `no handler for RPC ${name}`) };
  }
  try {
    const request = readWrapper(reader, 1, method.request, `${name} args`);
    return { kind: 'call', header, method, seqid, request };
  } catch (error) {
    if (!(error instanceof RpcCodecError)) throw error;
    return { kind: 'reject', header, name, seqid, answerable: method.response !== null, error: error.within(`${name} args`) };
  }
}

export type IncomingCall = Extract<IncomingRequest, { readonly kind: 'call' }>;

/** The call's argument typed by `method`, or undefined when the call is for another method. */
export function callRequest<Request>(call: IncomingCall, method: RpcMethod<Request, unknown>): Request | undefined {
  return call.method === method ? (call.request as Request) : undefined;
}

/** Appends one request frame. */
export function encodeRequest<Request>(
  writer: ThriftWriter,
  routing: RequestRouting,
  method: RpcMethod<Request, unknown>,
  seqid: number,
  request: Request,
): void {
  const start = writer.length;
  try {
    const bodyLengthAt = beginRequestFrame(writer, routing);
    const bodyStart = writer.length;
    writeMessageBegin(writer, method.name, MessageType.call, seqid);
    writeWrapper(writer, 1, method.request as ValueType<unknown>, request);
    finishRequestFrame(writer, bodyLengthAt, bodyStart);
  } catch (error) {
    writer.truncate(start);
    throw error;
  }
}

/** Appends an ERR_OK response carrying `response`. */
export function encodeResponse<Response>(
  writer: ThriftWriter,
  method: ResponseSide<Response>,
  seqid: number,
  response: Response,
): void {
  const type = method.response;
  assert(type !== null, `${method.name} is one-way and gets no response`);
  const start = writer.length;
  try {
    beginResponseFrame(writer, { error: 'ERR_OK', name: method.name + ACK_SUFFIX, seqid });
    writeWrapper(writer, 0, type as ValueType<unknown>, response);
    finishResponseFrame(writer, start);
  } catch (error) {
    writer.truncate(start);
    throw error;
  }
}

/** Appends a response with an error and no body, for the RPC named `name` (known or not). */
export function encodeErrorResponse(writer: ThriftWriter, name: string, seqid: number, error: Exclude<ErrorName, 'ERR_OK'>): void {
  const start = beginResponseFrame(writer, { error, name: name + ACK_SUFFIX, seqid });
  finishResponseFrame(writer, start);
}

/** What the response side needs of a method (any request type). */
export type ResponseSide<Response> = Pick<RpcMethod<unknown, Response>, 'name' | 'response'>;

export interface DecodedResponse<Response> {
  readonly head: ResponseHead;
  /** Present exactly when head.error is ERR_OK. */
  readonly response?: Response;
}

/** The error, name and seqid of a response frame, to find the call it answers. */
export function decodeResponseHead(frame: Uint8Array): CodecResult<ResponseHead> {
  return codecAttempt(() => readResponseHead(frame));
}

/** A whole response frame to the call of `method`: the name must be the method's + "_ACK". */
export function decodeResponse<Response>(frame: Uint8Array, method: ResponseSide<Response>): CodecResult<DecodedResponse<Response>> {
  return codecAttempt(() => {
    const head = readResponseHead(frame);
    if (head.name !== method.name + ACK_SUFFIX) {
      throw new RpcCodecError('bad_message', `response named ${head.name} to a call of ${method.name}`);
    }
    if (head.error !== 'ERR_OK') return { head };
    const type = method.response;
    if (type === null) throw new RpcCodecError('bad_message', `a response to one-way ${method.name}`);
    const reader = new ThriftReader(frame, head.resultOffset);
    try {
      return { head, response: readWrapper(reader, 0, type as ValueType<unknown>, `${method.name} result`) as Response };
    } catch (error) {
      throw error instanceof RpcCodecError ? error.within(`${method.name} result`) : error;
    }
  });
}
