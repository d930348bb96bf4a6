// The bytes received on one connection and not yet framed: a list of chunks as they arrived. A
// frame lying inside one chunk is handed out as a view (no copy); one spanning chunks is copied
// once. Chunks are never written to, so views handed out stay valid.

import { assert } from '../../common/assert.ts';

export class ByteQueue {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes of chunks[0] already taken. */
  private head = 0;
  private bytes = 0;

  get size(): number {
    return this.bytes;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  /** The byte at `index` (< size) from the front. */
  peekByte(index: number): number {
    assert(index >= 0 && index < this.bytes, 'peek beyond the queued bytes');
    let at = index + this.head;
    for (const chunk of this.chunks) {
      if (at < chunk.length) return chunk[at] as number;
      at -= chunk.length;
    }
    throw new Error('unreachable: size and chunks disagree');
  }

  /** The big-endian u32 at `index` (index + 4 <= size). */
  peekU32(index: number): number {
    const first = this.chunks[0] as Uint8Array;
    const at = this.head + index;
    if (at + 4 <= first.length) {
      return (((first[at] as number) << 24) | ((first[at + 1] as number) << 16) | ((first[at + 2] as number) << 8) | (first[at + 3] as number)) >>> 0;
    }
    return ((this.peekByte(index) << 24) | (this.peekByte(index + 1) << 16) | (this.peekByte(index + 2) << 8) | this.peekByte(index + 3)) >>> 0;
  }

  /** Removes and returns the first `count` bytes (count <= size) as one contiguous array. */
  take(count: number): Uint8Array {
    assert(count >= 0 && count <= this.bytes, 'take beyond the queued bytes');
    const first = this.chunks[0];
    if (first !== undefined && this.head + count <= first.length) {
      const view = first.subarray(this.head, this.head + count);
      this.consume(count);
      return view;
    }
    const out = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0] as Uint8Array;
      const part = Math.min(chunk.length - this.head, count - filled);
      out.set(chunk.subarray(this.head, this.head + part), filled);
      filled += part;
      this.consume(part);
    }
    return out;
  }

  private consume(count: number): void {
    this.head += count;
    this.bytes -= count;
    const first = this.chunks[0];
    if (first !== undefined && this.head === first.length) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
