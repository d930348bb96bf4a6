// The one error type of the RPC codec. Every malformed, truncated or oversized input, and every
// value that cannot be encoded, ends in an RpcCodecError with a code and a message naming the
// place (struct and field path, offset) and the reason. Errors in framing close the connection;
// errors inside a readable message are answered with `wireError` when the seqid is known.

import type { ErrorName } from './error-code.ts';

export type RpcCodecErrorCode =
  /** Fewer bytes than the structure needs. */
  | 'truncated'
  /** A length, count or frame above its limit (common/limits.ts, rpc section). */
  | 'too_large'
  /** Structs and containers nested deeper than the limit. */
  | 'too_deep'
  /** A field or container element whose wire type is not the schema's. */
  | 'wrong_type'
  /** A byte that is not a Thrift type, a bad bool, invalid UTF-8, a bad address, and the like. */
  | 'invalid_value'
  /** A required field of an RPC argument or result wrapper is absent. */
  | 'missing_field'
  /** The frame does not start with "THFT". */
  | 'bad_signature'
  /** A THFT header version other than 0 and 1. */
  | 'bad_version'
  /** A v0 header whose hdr_length is not 48, or a response length below the minimum. */
  | 'bad_header_length'
  /** A Thrift message header that is not a call (request) or a reply (response). */
  | 'bad_message'
  /** An error name the Java client does not know. */
  | 'unknown_error_name'
  /** An RPC name nobody registered. */
  | 'unknown_rpc';

export class RpcCodecError extends Error {
  override readonly name = 'RpcCodecError';
  readonly code: RpcCodecErrorCode;
  /** Where it happened, outermost first: struct and field names. */
  readonly path: string[] = [];
  /** The reason without the path. */
  readonly reason: string;

  constructor(code: RpcCodecErrorCode, reason: string) {
    super(reason);
    this.code = code;
    this.reason = reason;
  }

  /** The error name to answer with when a reply is possible. */
  get wireError(): ErrorName {
    return this.code === 'unknown_rpc' ? 'ERR_HANDLER_NOT_FOUND' : 'ERR_INVALID_DATA';
  }

  /** Adds an outer path element (a struct or field name); the message becomes "path: reason". */
  within(place: string): this {
    this.path.unshift(place);
    this.message = `${this.path.join('.')}: ${this.reason}`;
    return this;
  }
}

/** The outcome of a decode step at the public boundary: a value or the reason it failed. */
export type CodecResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: RpcCodecError };

/** Runs a decode that throws RpcCodecError and returns its outcome; anything else is a bug. */
export function codecAttempt<T>(decode: () => T): CodecResult<T> {
  try {
    return { ok: true, value: decode() };
  } catch (error) {
    if (error instanceof RpcCodecError) return { ok: false, error };
    throw error;
  }
}
