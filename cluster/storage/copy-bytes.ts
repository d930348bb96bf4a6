// Bytes handed to callers are fresh plain Uint8Arrays: engines may return Buffers, whose slice()
// is a view rather than a copy, and responses must not alias engine memory.

export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}
