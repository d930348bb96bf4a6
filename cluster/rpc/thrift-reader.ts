// Bounded big-endian reads of the Thrift binary protocol's primitives over one byte range. Every
// read checks the bytes left first and fails with RpcCodecError 'truncated'; every length is checked
// against what is left before anything is allocated, so a hostile length cannot cause a large
// allocation. Binary values are views into the input (no copy): callers must not mutate frames.

import { RPC_NESTING_DEPTH_MAX } from '../../common/limits.ts';
import { RpcCodecError } from './codec-error.ts';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class ThriftReader {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Next byte to read (absolute index into `bytes`). */
  offset: number;
  /** One past the last readable byte. */
  readonly end: number;
  /** Current struct/container nesting, bounded by RPC_NESTING_DEPTH_MAX. */
  private depth = 0;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new RpcCodecError('truncated', `range ${start}..${end} outside ${bytes.length} bytes`);
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  need(count: number, what: string): void {
    if (count > this.end - this.offset) {
      throw new RpcCodecError(
        'truncated',
        `${what} needs ${count} bytes at offset ${this.offset}, ${this.end - this.offset} left`,
      );
    }
  }

  enter(what: string): void {
    this.depth += 1;
    if (this.depth > RPC_NESTING_DEPTH_MAX) {
      throw new RpcCodecError('too_deep', `${what} nested deeper than ${RPC_NESTING_DEPTH_MAX}`);
    }
  }

  leave(): void {
    this.depth -= 1;
  }

  readByte(): number {
    this.need(1, 'byte');
    const value = this.view.getInt8(this.offset);
    this.offset += 1;
    return value;
  }

  readUnsignedByte(): number {
    this.need(1, 'byte');
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  readBool(): boolean {
    this.need(1, 'bool');
    const value = this.view.getUint8(this.offset);
    if (value > 1) throw new RpcCodecError('invalid_value', `bool byte ${value} at offset ${this.offset}`);
    this.offset += 1;
    return value === 1;
  }

  readI16(): number {
    this.need(2, 'i16');
    const value = this.view.getInt16(this.offset);
    this.offset += 2;
    return value;
  }

  readI32(): number {
    this.need(4, 'i32');
    const value = this.view.getInt32(this.offset);
    this.offset += 4;
    return value;
  }

  readU32(): number {
    this.need(4, 'u32');
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  readI64(): bigint {
    this.need(8, 'i64');
    const value = this.view.getBigInt64(this.offset);
    this.offset += 8;
    return value;
  }

  readU64(): bigint {
    this.need(8, 'u64');
    const value = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return value;
  }

  /** An i64 as its signed high and unsigned low 32-bit halves, without BigInt. */
  readI64High(): number {
    this.need(8, 'i64');
    return this.view.getInt32(this.offset);
  }

  readI64Low(): number {
    // Callers read the high half first (which checked the 8 bytes) and then this, which consumes.
    const value = this.view.getUint32(this.offset + 4);
    this.offset += 8;
    return value;
  }

  readDouble(): number {
    this.need(8, 'double');
    const value = this.view.getFloat64(this.offset);
    this.offset += 8;
    return value;
  }

  /** A length prefix: non-negative, at most `max` and at most what is left. */
  readLength(max: number, what: string): number {
    const length = this.readI32();
    if (length < 0) throw new RpcCodecError('invalid_value', `${what} length ${length} is negative`);
    if (length > max) throw new RpcCodecError('too_large', `${what} length ${length} exceeds ${max}`);
    this.need(length, what);
    return length;
  }

  /** Thrift binary as a view into the input. */
  readBinary(max = Number.MAX_SAFE_INTEGER): Uint8Array {
    const length = this.readLength(max, 'binary');
    const start = this.offset;
    this.offset += length;
    return this.bytes.subarray(start, start + length);
  }

  /** Thrift string, UTF-8; invalid UTF-8 is an error. */
  readString(max = Number.MAX_SAFE_INTEGER): string {
    const length = this.readLength(max, 'string');
    const start = this.offset;
    this.offset += length;
    const bytes = this.bytes;
    if (length <= 64) {
      let ascii = true;
      for (let i = start; i < start + length; i++) {
        if ((bytes[i] ?? 0) >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, start + length) as unknown as number[]);
    }
    try {
      return utf8Decoder.decode(bytes.subarray(start, start + length));
    } catch {
      throw new RpcCodecError('invalid_value', `string at offset ${start} is not valid UTF-8`);
    }
  }
}
