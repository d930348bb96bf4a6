// One segment file of a FileLogStore as the store knows it in memory: its header, size, and a
// coarse index (one chunk per LOG_INDEX_CHUNK_BYTES of blocks, with the decree span and lowest
// truncation inside) so that range reads visit only the blocks that can matter.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../common/assert.ts';
import { LOG_INDEX_CHUNK_BYTES } from '../../common/limits.ts';
import type { BlockSummary, SegmentHeader } from './log-format.ts';
import { encodeSegmentHeader, NO_DECREE_MAX, SEGMENT_HEADER_BYTES } from './log-format.ts';
import type { Decree } from './log-store.ts';
import { syncDirectory } from '../io/sync-directory.ts';

export interface Chunk {
  readonly offset: number;
  length: number;
  minDecree: Decree;
  maxDecree: Decree;
  truncationMin: Decree | undefined;
}

export interface Segment {
  readonly header: SegmentHeader;
  readonly path: string;
  sizeBytes: number;
  readonly chunks: Chunk[];
  /** Highest record decree in the segment (NO_DECREE_MAX when none). */
  maxDecree: Decree;
  /** Reads in progress; a collected segment is unlinked when the last one ends. */
  pins: number;
  collected: boolean;
}

const SEGMENT_NAME = /^log\.(\d+)\.(\d+)$/;

export function segmentFileName(index: number, firstDecree: Decree): string {
  return `log.${index}.${firstDecree}`;
}

/** Index and first decree from a segment file name, or undefined for other files. */
export function parseSegmentFileName(name: string): { index: number; firstDecree: Decree } | undefined {
  const match = SEGMENT_NAME.exec(name);
  if (match === null || match[1] === undefined || match[2] === undefined) return undefined;
  return { index: Number(match[1]), firstDecree: BigInt(match[2]) };
}

export function newSegment(directory: string, header: SegmentHeader, sizeBytes: number): Segment {
  return {
    header,
    path: join(directory, segmentFileName(header.index, header.firstDecree)),
    sizeBytes,
    chunks: [],
    maxDecree: NO_DECREE_MAX,
    pins: 0,
    collected: false,
  };
}

/** Records a block written (or found on open) at `offset` in the segment's index. */
export function indexBlock(segment: Segment, offset: number, block: BlockSummary): void {
  const last = segment.chunks.at(-1);
  if (last !== undefined && last.length < LOG_INDEX_CHUNK_BYTES) {
    assert(last.offset + last.length === offset, 'blocks are indexed in file order without gaps');
    last.length += block.length;
    if (block.minDecree < last.minDecree) last.minDecree = block.minDecree;
    if (block.maxDecree > last.maxDecree) last.maxDecree = block.maxDecree;
    last.truncationMin = lowest(last.truncationMin, block.truncationMin);
  } else {
    segment.chunks.push({ offset, length: block.length, minDecree: block.minDecree, maxDecree: block.maxDecree, truncationMin: block.truncationMin });
  }
  if (block.maxDecree > segment.maxDecree) segment.maxDecree = block.maxDecree;
}

function lowest(a: Decree | undefined, b: Decree | undefined): Decree | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}

/** Creates a segment file holding only its header, synced, and syncs the directory entry. */
export async function createSegmentFile(directory: string, header: SegmentHeader): Promise<{ segment: Segment; handle: FileHandle }> {
  const segment = newSegment(directory, header, SEGMENT_HEADER_BYTES);
  const handle = await open(segment.path, 'wx');
  try {
    const bytes = encodeSegmentHeader(header);
    await handle.write(bytes, 0, bytes.length, 0);
    await handle.datasync();
    await syncDirectory(directory);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return { segment, handle };
}

