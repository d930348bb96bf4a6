// FileLogStore: the private log as segment files in one directory (log-format.ts has the layout,
// file-log-open.ts what opening repairs). Appends made while a write is in flight wait together and
// go out as one write and, under fsync `always`, one fdatasync (group commit). Every change to the
// files runs in one queue, in call order; reads plan under that queue and read outside it.
import type { FileHandle } from 'node:fs/promises';
import { open, rm } from 'node:fs/promises';
import { assert } from '../../common/assert.ts';
import {
  LOG_BLOCK_BYTES_TARGET, LOG_PENDING_APPENDS_MAX, LOG_SEGMENT_BYTES_MAX, LOG_WRITE_BATCH_BYTES_MAX,
} from '../../common/limits.ts';
import type { Gpid } from '../replication/configuration.ts';
import type { LogOpenReport } from './file-log-open.ts';
import { recoverLog, replay } from './file-log-open.ts';
import { readBlocks } from './log-block-reader.ts';
import { boundsAfterAppend, boundsAfterTruncation, checkAppend, checkDecree } from './log-checks.ts';
import type { LogEntry } from './log-format.ts';
import { encodeBlocks, entryBytes, SEGMENT_HEADER_BYTES } from './log-format.ts';
import { ReadWindow } from './log-read-window.ts';
import type { Chunk, Segment } from './log-segment.ts';
import { createSegmentFile, indexBlock } from './log-segment.ts';
import { syncDirectory } from '../io/sync-directory.ts';
import type {
  Decree, FsyncPolicy, LogBounds, LogGcResult, LogReadBatch, LogReadRange, LogRecord, LogStats, LogStore,
} from './log-store.ts';
import { LogStoreError } from './log-store.ts';

export interface FileLogStoreOptions {
  /** The replica's plog directory; created when missing. */
  readonly directory: string;
  /** Written into every segment header and checked on open. */
  readonly gpid: Gpid;
  readonly fsync?: FsyncPolicy;
  readonly segmentBytesMax?: number;
  readonly blockBytesTarget?: number;
  /**
   * Collectable segments kept anyway, newest first, up to this many bytes, so that learners can
   * still be taught from the log (log_private_reserve_max_size_mb). Default 0.
   */
  readonly gcReserveBytes?: number;
}

/** Appends waiting to be written together. */
interface Group {
  readonly entries: LogEntry[];
  bytes: number;
  appends: number;
  done: Promise<void> | undefined;
}

interface Counters {
  appends: number;
  writes: number;
  syncs: number;
  bytesWritten: number;
}

export class FileLogStore implements LogStore {
  private queue: Promise<void> = Promise.resolve();
  private openGroup: Group | undefined;
  private pendingAppends = 0;
  /** Bounds including everything accepted (checks new appends); `durable` lags until written. */
  private accepted: LogBounds;
  private durable: LogBounds;
  private closing = false;
  private failure: LogStoreError | undefined;
  private readonly counters: Counters = { appends: 0, writes: 0, syncs: 0, bytesWritten: 0 };

  private constructor(
    private readonly options: Required<FileLogStoreOptions>,
    private readonly segments: Segment[],
    private handle: FileHandle,
    bounds: LogBounds,
    /** What opening found and repaired (a dropped tail is worth logging). */
    readonly openReport: LogOpenReport,
  ) {
    this.accepted = bounds;
    this.durable = bounds;
  }

  static async open(options: FileLogStoreOptions): Promise<FileLogStore> {
    const settings: Required<FileLogStoreOptions> = {
      fsync: 'always', segmentBytesMax: LOG_SEGMENT_BYTES_MAX, blockBytesTarget: LOG_BLOCK_BYTES_TARGET, gcReserveBytes: 0, ...options,
    };
    assert(settings.segmentBytesMax > SEGMENT_HEADER_BYTES && settings.blockBytesTarget >= 1, 'log sizes are positive');
    try {
      const recovered = await recoverLog(settings.directory, settings.gpid);
      const segments = recovered.segments;
      const last = segments.at(-1);
      if (last !== undefined) {
        const handle = await open(last.path, 'r+');
        return new FileLogStore(settings, segments, handle, recovered.bounds, recovered.report);
      }
      const created = await createSegmentFile(settings.directory, {
        gpid: settings.gpid, index: recovered.next.index, firstDecree: recovered.next.firstDecree, reset: false,
      });
      return new FileLogStore(settings, [created.segment], created.handle, recovered.bounds, { ...recovered.report, segments: 1 });
    } catch (error) {
      throw fileError(error, `opening plog ${settings.directory}`);
    }
  }

  async append(records: readonly LogRecord[]): Promise<void> {
    this.checkUsable();
    checkAppend(records, this.accepted);
    if (records.length === 0) return this.run(async () => {});
    this.checkCapacity();
    this.accepted = boundsAfterAppend(this.accepted, records);
    return this.enqueue(records.map((record) => ({ kind: 'record', record })));
  }

  async truncateAfter(decree: Decree): Promise<void> {
    this.checkUsable();
    checkDecree(decree, 'log truncation');
    this.checkCapacity();
    this.accepted = boundsAfterTruncation(this.accepted, decree);
    return this.enqueue([{ kind: 'truncate', decree }]);
  }

  async read(range: LogReadRange): Promise<LogReadBatch> {
    this.checkUsable();
    // Planned in the queue so that earlier appends, truncations and resets are in the index.
    const plan = await this.run(async () => this.planRead(range), 'read');
    try {
      for (const { segment, chunks } of plan.visits) {
        await readChunks(segment, chunks, plan.window);
      }
      return plan.window.result();
    } catch (error) {
      throw fileError(error, `reading plog ${this.options.directory}`);
    } finally {
      for (const { segment } of plan.visits) await this.unpin(segment);
    }
  }

  bounds(): LogBounds {
    return this.durable;
  }

  async gcThrough(decree: Decree): Promise<LogGcResult> {
    this.checkUsable();
    checkDecree(decree, 'log gc');
    return this.run(async () => {
      // Oldest first and never past a segment a read still holds: the files left always form one
      // unbroken sequence, even after a crash.
      let collectable = 0;
      let collectableBytes = 0;
      for (const segment of this.segments.slice(0, -1)) {
        if (segment.maxDecree > decree || segment.pins > 0) break;
        collectable += 1;
        collectableBytes += segment.sizeBytes;
      }
      let segmentsRemoved = 0;
      let bytesRemoved = 0;
      while (segmentsRemoved < collectable && collectableBytes - bytesRemoved > this.options.gcReserveBytes) {
        const oldest = this.segments[0];
        assert(oldest !== undefined && oldest.maxDecree <= decree, 'only collectable segments are removed');
        this.segments.shift();
        segmentsRemoved += 1;
        bytesRemoved += oldest.sizeBytes;
        await rm(oldest.path, { force: true });
      }
      if (segmentsRemoved > 0) await syncDirectory(this.options.directory);
      const first = this.segments[0];
      assert(first !== undefined, 'the segment being written is never collected');
      if (first.header.firstDecree > this.durable.firstDecree) {
        this.durable = { firstDecree: first.header.firstDecree, lastDecree: maxDecree(this.durable.lastDecree, first.header.firstDecree - 1n) };
        const acceptedFirst = maxDecree(this.accepted.firstDecree, first.header.firstDecree);
        this.accepted = { firstDecree: acceptedFirst, lastDecree: maxDecree(this.accepted.lastDecree, acceptedFirst - 1n) };
      }
      return { segmentsRemoved, bytesRemoved, bounds: this.durable };
    });
  }

  async reset(decree: Decree): Promise<void> {
    this.checkUsable();
    checkDecree(decree, 'log reset');
    this.accepted = { firstDecree: decree + 1n, lastDecree: decree };
    return this.run(async () => {
      // The new segment, marked reset, is durable before the old ones go: a crash in between
      // leaves them obsolete, and opening removes them.
      await this.rollover(decree);
      const obsolete = this.segments.splice(0, this.segments.length - 1);
      for (const segment of obsolete) await this.collect(segment);
      await syncDirectory(this.options.directory);
      this.durable = { firstDecree: decree + 1n, lastDecree: decree };
    });
  }

  stats(): LogStats {
    return {
      ...this.counters,
      segments: this.segments.length,
      sizeBytes: this.segments.reduce((sum, segment) => sum + segment.sizeBytes, 0),
    };
  }

  async close(): Promise<void> {
    if (this.closing) throw closedError(this.options.directory);
    this.closing = true;
    await this.queue;
    await this.handle.close();
  }

  // --- internals (the public methods are async so that refusals arrive as rejections; their
  // synchronous part runs at call time, which keeps calls in order) ---

  private checkUsable(): void {
    if (this.closing) throw closedError(this.options.directory);
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Runs `task` after every task queued before it; the queue survives failures. A change that
   * fails leaves the files in an unknown state: the log then refuses all further work.
   */
  private run<T>(task: () => Promise<T>, kind: 'change' | 'read' = 'change'): Promise<T> {
    if (kind === 'change') this.openGroup = undefined;
    const result = this.queue.then(async () => {
      if (this.failure !== undefined) throw this.failure;
      if (kind === 'read') return task();
      try {
        return await task();
      } catch (error) {
        this.failure ??= fileError(error, `changing plog ${this.options.directory}`);
        throw this.failure;
      }
    });
    this.queue = result.then(() => undefined, () => undefined);
    return result;
  }

  private checkCapacity(): void {
    if (this.pendingAppends >= LOG_PENDING_APPENDS_MAX) {
      throw new LogStoreError('ERR_CAPACITY_EXCEEDED', `plog ${this.options.directory}: ${this.pendingAppends} appends already queued`, true);
    }
  }

  private enqueue(entries: LogEntry[]): Promise<void> {
    const bytes = entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
    let group = this.openGroup;
    if (group === undefined || (group.bytes + bytes > LOG_WRITE_BATCH_BYTES_MAX && group.entries.length > 0)) {
      const fresh: Group = { entries: [], bytes: 0, appends: 0, done: undefined };
      fresh.done = this.run(async () => {
        if (this.openGroup === fresh) this.openGroup = undefined;
        await this.writeGroup(fresh);
      });
      const release = () => {
        this.pendingAppends -= fresh.appends;
      };
      fresh.done.then(release, release);
      this.openGroup = fresh;
      group = fresh;
    }
    for (const entry of entries) group.entries.push(entry);
    group.bytes += bytes;
    group.appends += 1;
    this.pendingAppends += 1;
    this.counters.appends += 1;
    assert(group.done !== undefined, 'a group is queued when opened');
    return group.done;
  }

  private async writeGroup(group: Group): Promise<void> {
    const { bytes, blocks } = encodeBlocks(group.entries, this.options.blockBytesTarget);
    try {
      let active = this.activeSegment();
      if (active.sizeBytes > SEGMENT_HEADER_BYTES && active.sizeBytes + bytes.length > this.options.segmentBytesMax) {
        await this.rollover(undefined);
        active = this.activeSegment();
      }
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, active.sizeBytes + written);
        written += bytesWritten;
      }
      this.counters.writes += 1;
      this.counters.bytesWritten += bytes.length;
      if (this.options.fsync === 'always') {
        await this.handle.datasync();
        this.counters.syncs += 1;
      }
      for (const block of blocks) indexBlock(active, active.sizeBytes + block.offset, block);
      active.sizeBytes += bytes.length;
      this.durable = replay(this.durable, group.entries);
    } catch (error) {
      throw fileError(error, `writing plog ${this.options.directory}`);
    }
  }

  /** Closes the segment being written (synced whatever the policy) and starts the next one. */
  private async rollover(resetDecree: Decree | undefined): Promise<void> {
    const previous = this.activeSegment();
    await this.handle.datasync();
    this.counters.syncs += 1;
    await this.handle.close();
    const firstDecree = resetDecree !== undefined ? resetDecree + 1n : this.durable.lastDecree + 1n;
    const created = await createSegmentFile(this.options.directory, {
      gpid: this.options.gpid, index: previous.header.index + 1, firstDecree, reset: resetDecree !== undefined,
    });
    this.counters.syncs += 2;
    this.handle = created.handle;
    this.segments.push(created.segment);
  }

  private activeSegment(): Segment {
    const active = this.segments.at(-1);
    assert(active !== undefined, 'a log always has a segment to write');
    return active;
  }

  /** Removes an obsolete segment now, or when the last read holding it ends. */
  private async collect(segment: Segment): Promise<void> {
    segment.collected = true;
    if (segment.pins === 0) await rm(segment.path, { force: true });
  }

  private async unpin(segment: Segment): Promise<void> {
    segment.pins -= 1;
    assert(segment.pins >= 0, 'pins balance');
    if (segment.pins === 0 && segment.collected) await rm(segment.path, { force: true });
  }

  private planRead(range: LogReadRange): { window: ReadWindow; visits: { segment: Segment; chunks: Chunk[] }[] } {
    const window = ReadWindow.open(range, this.durable);
    const visits: { segment: Segment; chunks: Chunk[] }[] = [];
    if (window.empty) return { window, visits };
    for (const segment of this.segments) {
      const chunks = segment.chunks.filter((chunk) => chunkMatters(chunk, window));
      if (chunks.length === 0) continue;
      segment.pins += 1;
      visits.push({ segment, chunks });
    }
    return { window, visits };
  }
}

async function readChunks(segment: Segment, chunks: readonly Chunk[], window: ReadWindow): Promise<void> {
  const handle = await open(segment.path, 'r');
  try {
    for (const chunk of chunks) {
      // The window's end moves down as it fills: chunks wholly above it are no longer read.
      if (!chunkMatters(chunk, window)) continue;
      for await (const event of readBlocks(handle, chunk.offset, chunk.offset + chunk.length)) {
        if (event.kind === 'damage') {
          throw new LogStoreError('ERR_CORRUPTION', `plog segment ${segment.path}: ${event.reason} at offset ${event.offset}`, false);
        }
        for (const entry of event.entries) {
          if (entry.kind === 'record') window.offer(entry.record);
          else window.truncateAfter(entry.decree);
        }
      }
    }
  } finally {
    await handle.close();
  }
}

/** Whether a chunk can hold a record the window wants, or a truncation that drops one. */
function chunkMatters(chunk: Chunk, window: ReadWindow): boolean {
  return window.wants(chunk.minDecree, chunk.maxDecree) || (chunk.truncationMin !== undefined && window.affectedBy(chunk.truncationMin));
}

function maxDecree(a: Decree, b: Decree): Decree {
  return a > b ? a : b;
}

function closedError(directory: string): LogStoreError {
  return new LogStoreError('ERR_INVALID_STATE', `plog ${directory} is closed`, false);
}

function fileError(error: unknown, doing: string): LogStoreError {
  if (error instanceof LogStoreError) return error;
  const text = error instanceof Error ? error.message : String(error);
  return new LogStoreError('ERR_FILE_OPERATION_FAILED', `${doing}: ${text}`, false, { cause: error });
}
