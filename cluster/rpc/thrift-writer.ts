// A growable big-endian output buffer with the Thrift binary protocol's primitive writes. Encoders
// append to one writer per message (or per batch of messages); positions can be reserved and
// patched later for length prefixes. Web standards only.

import { assert } from '../../common/assert.ts';

const utf8Encoder = new TextEncoder();

export class ThriftWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private position = 0;

  constructor(initialBytes = 256) {
    assert(Number.isInteger(initialBytes) && initialBytes > 0, 'writer size must be a positive integer');
    this.buffer = new Uint8Array(initialBytes);
    this.view = new DataView(this.buffer.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.position;
  }

  /** The bytes written so far, as a view that stays valid until the next write or reset. */
  written(): Uint8Array {
    return this.buffer.subarray(0, this.position);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buffer.slice(0, this.position);
  }

  /** Drops everything written after `length` bytes (undoes a failed encode). */
  truncate(length: number): void {
    assert(length >= 0 && length <= this.position, 'truncate beyond the written bytes');
    this.position = length;
  }

  /** Forgets what was written and keeps the memory. */
  reset(): void {
    this.position = 0;
  }

  private ensure(extra: number): void {
    const needed = this.position + extra;
    if (needed <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.position));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Reserves `bytes` bytes to be patched later; returns their position. */
  reserve(bytes: number): number {
    this.ensure(bytes);
    const at = this.position;
    this.position += bytes;
    return at;
  }

  patchU32(at: number, value: number): void {
    assert(at >= 0 && at + 4 <= this.position, 'patch outside the written bytes');
    this.view.setUint32(at, value);
  }

  writeByte(value: number): void {
    this.ensure(1);
    this.view.setInt8(this.position, value);
    this.position += 1;
  }

  writeBool(value: boolean): void {
    this.ensure(1);
    this.buffer[this.position] = value ? 1 : 0;
    this.position += 1;
  }

  writeI16(value: number): void {
    this.ensure(2);
    this.view.setInt16(this.position, value);
    this.position += 2;
  }

  writeI32(value: number): void {
    this.ensure(4);
    this.view.setInt32(this.position, value);
    this.position += 4;
  }

  writeU32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.position, value);
    this.position += 4;
  }

  /** An i64 from a bigint; values outside the signed range wrap (an unsigned u64 fits too). */
  writeI64(value: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.position, value);
    this.position += 8;
  }

  /** An i64 given as its high and low 32-bit halves (each taken modulo 2^32). */
  writeI64Halves(high: number, low: number): void {
    this.ensure(8);
    this.view.setUint32(this.position, high >>> 0);
    this.view.setUint32(this.position + 4, low >>> 0);
    this.position += 8;
  }

  writeDouble(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.position, value);
    this.position += 8;
  }

  /** Raw bytes with no length prefix. */
  writeRaw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  /** Thrift binary: i32 length + bytes. */
  writeBinary(bytes: Uint8Array): void {
    this.ensure(4 + bytes.length);
    this.view.setInt32(this.position, bytes.length);
    this.buffer.set(bytes, this.position + 4);
    this.position += 4 + bytes.length;
  }

  /** Thrift string: i32 length + UTF-8 bytes. */
  writeString(text: string): void {
    const count = text.length;
    this.ensure(4 + count * 3);
    const start = this.position + 4;
    let ascii = true;
    for (let i = 0; i < count; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        ascii = false;
        break;
      }
      this.buffer[start + i] = code;
    }
    let written = count;
    if (!ascii) written = utf8Encoder.encodeInto(text, this.buffer.subarray(start)).written;
    this.view.setInt32(this.position, written);
    this.position = start + written;
  }

  writeFieldHeader(wireType: number, id: number): void {
    this.ensure(3);
    this.buffer[this.position] = wireType;
    this.view.setInt16(this.position + 1, id);
    this.position += 3;
  }

  writeStop(): void {
    this.writeByte(0);
  }
}
