// Bounded big-endian reads of the Thrift binary protocol's primitives over one byte range. Every
// read checks the bytes left first and fails with RpcCodecError 'truncated'; every length is checked
// against what is left before anything is allocated, so a hostile length cannot cause a large
// allocation. Binary values are views into the input (no copy): callers must not mutate frames.

import { RPC_NESTING_DEPTH_MAX } from '../../common/limits.ts';
import { RpcCodecError } from './codec-error.ts';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class ThriftReader {
  readonly bytes: Uint8Array;
  /** Made on first use only: creating a DataView costs more than a small message's other reads. */
  private dataView: DataView | null = null;
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
    this.offset = start;
    this.end = end;
  }

  private get view(): DataView {
    if (this.dataView === null) this.dataView = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.dataView;
  }

  /** The big-endian i32 at `at` (bounds checked by the caller). */
  private i32At(at: number): number {
    const b = this.bytes;
    return ((b[at] as number) << 24) | ((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number);
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
    const value = ((this.bytes[this.offset] as number) << 24) >> 24;
    this.offset += 1;
    return value;
  }

  readUnsignedByte(): number {
    this.need(1, 'byte');
    const value = this.bytes[this.offset] as number;
    this.offset += 1;
    return value;
  }

  readBool(): boolean {
    this.need(1, 'bool');
    const value = this.bytes[this.offset] as number;
    if (value > 1) throw new RpcCodecError('invalid_value', `bool byte ${value} at offset ${this.offset}`);
    this.offset += 1;
    return value === 1;
  }

  readI16(): number {
    this.need(2, 'i16');
    const b = this.bytes;
    const value = ((((b[this.offset] as number) << 8) | (b[this.offset + 1] as number)) << 16) >> 16;
    this.offset += 2;
    return value;
  }

  readI32(): number {
    this.need(4, 'i32');
    const value = this.i32At(this.offset);
    this.offset += 4;
    return value;
  }

  readU32(): number {
    this.need(4, 'u32');
    const value = this.i32At(this.offset) >>> 0;
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
    return this.i32At(this.offset);
  }

  readI64Low(): number {
    // Callers read the high half first (which checked the 8 bytes) and then this, which consumes.
    const value = this.i32At(this.offset + 4) >>> 0;
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
      // Short ASCII (RPC and error names, addresses): cheaper by hand than through TextDecoder.
      let text = '';
      let i = start;
      for (; i < start + length; i++) {
        const byte = bytes[i] as number;
        if (byte >= 0x80) break;
        text += String.fromCharCode(byte);
      }
      if (i === start + length) return text;
    }
    try {
      return utf8Decoder.decode(bytes.subarray(start, start + length));
    } catch {
      throw new RpcCodecError('invalid_value', `string at offset ${start} is not valid UTF-8`);
    }
  }
}
