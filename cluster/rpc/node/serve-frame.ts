// One request frame from decode to answer, shared by the THFT connection and POST /rpc. The frame
// is decoded at once; a readable but refused request is answered with its error name without
// running a handler; a call runs its handler. The outcome is encoded into a writer by the caller
// when it is ready to send (several outcomes may share one socket write).

import type { RpcCodecError } from '../codec-error.ts';
import type { ErrorName } from '../error-code.ts';
import type { RequestFrame } from '../request-frame.ts';
import { decodeRequest, encodeErrorResponse, encodeResponse } from '../rpc-codec.ts';
import type { AnyRpcMethod } from '../rpc-methods.ts';
import type { ThriftWriter } from '../thrift-writer.ts';
import { RpcErrorReply, type HandlerTable } from './handler-table.ts';

export type FrameOutcome =
  | { readonly kind: 'response'; readonly method: AnyRpcMethod; readonly seqid: number; readonly response: unknown }
  | { readonly kind: 'error'; readonly name: string; readonly seqid: number; readonly error: Exclude<ErrorName, 'ERR_OK'> }
  /** One-way call handled, or a refused one-way call: nothing to send. */
  | { readonly kind: 'none' }
  /** The message header is unreadable: close the connection. */
  | { readonly kind: 'fatal'; readonly error: RpcCodecError };

/**
 * Decodes `frame` and, for a call, starts its handler. Returns the outcome directly when no handler
 * runs, else a promise of it. The promise rejects when the handler throws (a programmer error).
 */
export function serveFrame(frame: RequestFrame, table: HandlerTable): FrameOutcome | Promise<FrameOutcome> {
  const incoming = decodeRequest(frame, table.registry);
  switch (incoming.kind) {
    case 'fatal':
      return { kind: 'fatal', error: incoming.error };
    case 'reject':
      if (!incoming.answerable) return { kind: 'none' };
      return { kind: 'error', name: incoming.name, seqid: incoming.seqid, error: incoming.error.wireError as Exclude<ErrorName, 'ERR_OK'> };
    case 'call': {
      const method = incoming.method;
      return table.handlerOf(method)(incoming.request, incoming).then((result): FrameOutcome => {
        if (method.response === null) return { kind: 'none' };
        if (result instanceof RpcErrorReply) return { kind: 'error', name: method.name, seqid: incoming.seqid, error: result.error };
        return { kind: 'response', method, seqid: incoming.seqid, response: result };
      });
    }
  }
}

/** Appends the answer of `outcome` (if it has one). Throws RpcCodecError for an unencodable response. */
export function encodeOutcome(writer: ThriftWriter, outcome: FrameOutcome): void {
  if (outcome.kind === 'response') encodeResponse(writer, outcome.method, outcome.seqid, outcome.response);
  else if (outcome.kind === 'error') encodeErrorResponse(writer, outcome.name, outcome.seqid, outcome.error);
}
