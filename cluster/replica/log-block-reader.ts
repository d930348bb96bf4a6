// Reads the blocks of one segment file between two offsets, verifying each, with large reads
// (LOG_READ_AHEAD_BYTES) instead of one system call per block. Stops at the first damaged block.
import type { FileHandle } from 'node:fs/promises';
import { LOG_READ_AHEAD_BYTES } from '../../common/limits.ts';
import type { LogEntry } from './log-format.ts';
import { BLOCK_HEADER_BYTES, decodeBlock, decodeBlockHeader } from './log-format.ts';

export type BlockEvent =
  | { readonly kind: 'block'; readonly offset: number; readonly length: number; readonly entries: LogEntry[] }
  | { readonly kind: 'damage'; readonly offset: number; readonly reason: string };

export async function* readBlocks(handle: FileHandle, start: number, end: number): AsyncGenerator<BlockEvent> {
  let buffer = Buffer.alloc(0);
  let bufferStart = start;
  // Makes [position, position + length) available in buffer; false when the range ends first.
  const ensure = async (position: number, length: number): Promise<boolean> => {
    if (position >= bufferStart && position + length <= bufferStart + buffer.length) return true;
    const want = Math.min(Math.max(length, LOG_READ_AHEAD_BYTES), end - position);
    if (want < length) return false;
    const fresh = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await handle.read(fresh, got, want - got, position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    buffer = fresh.subarray(0, got);
    bufferStart = position;
    return got >= length;
  };
  let position = start;
  while (position < end) {
    if (!(await ensure(position, BLOCK_HEADER_BYTES))) {
      yield { kind: 'damage', offset: position, reason: `block header cut short (${end - position} bytes left)` };
      return;
    }
    const header = decodeBlockHeader(buffer, position - bufferStart);
    if (typeof header === 'string') {
      yield { kind: 'damage', offset: position, reason: header };
      return;
    }
    const length = BLOCK_HEADER_BYTES + header.bodyLength;
    if (!(await ensure(position, length))) {
      yield { kind: 'damage', offset: position, reason: `block of ${length} bytes cut short (${end - position} bytes left)` };
      return;
    }
    const entries = decodeBlock(buffer, position - bufferStart, header);
    if (typeof entries === 'string') {
      yield { kind: 'damage', offset: position, reason: entries };
      return;
    }
    yield { kind: 'block', offset: position, length, entries };
    position += length;
  }
}
