// Keys and values cross the API as Uint8Array or string (UTF-8); everything below works on bytes.

import { invalidArgument, type OperationContext } from './client-error.ts';

/** A key or value: bytes, or text sent as UTF-8. */
export type Bytes = Uint8Array | string;

const encoder = new TextEncoder();
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** The bytes of `value`; anything but a Uint8Array or a string is refused naming `what`. */
export function toBytes(value: unknown, what: string, context: OperationContext): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return encoder.encode(value);
  throw invalidArgument(context, `${what} must be a Uint8Array or a string, got ${describeType(value)}`);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * A plain Uint8Array of its own for bytes handed to the caller: decoded fields may be views into
 * a larger receive buffer (a Node Buffer), which would keep it alive and is not a plain Uint8Array.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
