// The RocksDB KvEngine, over the npm `rocksdb` 5.2.1 binding (N-API, snappy). Keys and values
// cross the binding as Buffers (zero-copy views of the caller's bytes; the binding copies them
// before returning), keys compare as unsigned bytes (RocksDB's bytewise comparator), and what
// comes back are fresh Buffers, which are Uint8Arrays.
//
// Durability: RocksDB's WAL is not our durability mechanism, the private mutation log is; after a
// crash a replica replays the log from the applied decree stored in the engine. So writes default
// to sync: false. The 5.2.1 binding has no option to switch the WAL off (its WriteOptions expose
// only `sync`), so the WAL stays on, unsynced, which costs little.
//
// Iterators: the binding takes a snapshot when an iterator is created, and its native `next`
// reads up to 1000 entries or ENGINE_ITERATOR_READ_AHEAD_BYTES per call. nextBatch drives that
// native call directly (through the iterator's context, as the binding's own iterator.js does)
// instead of the per-entry next() of abstract-leveldown, which costs a tick per entry.

import { createRequire } from 'node:module';
import { assert } from '../../common/assert.ts';
import { ENGINE_ITERATOR_BATCH_COUNT_MAX, ENGINE_ITERATOR_READ_AHEAD_BYTES } from '../../common/limits.ts';
import { engineClosedError, engineErrorFrom } from './engine-error.ts';
import { isOutsideRange } from './key-range.ts';
import type { IteratorOptions, KvEngine, KvEntry, KvIterator, WriteOp } from './engine.ts';

export interface RocksEngineOptions {
  /** Directory of the database. */
  readonly path: string;
  /** Create the database when missing (default true). */
  readonly createIfMissing?: boolean;
  /** Refuse to open an existing database (default false). */
  readonly errorIfExists?: boolean;
  /** Snappy compression of SST blocks (default true). */
  readonly compression?: boolean;
  /** Block cache size (default 32 MiB). */
  readonly cacheBytes?: number;
  /** Memtable size before a flush (default 32 MiB). */
  readonly writeBufferBytes?: number;
}

type Callback<T = void> = (error: Error | null | undefined, result?: T) => void;

/** The part of the binding's database object that this engine uses. */
interface NativeDatabase {
  readonly context: unknown;
  open(options: object, callback: Callback): void;
  close(callback: Callback): void;
  get(key: Buffer, options: object, callback: Callback<Buffer>): void;
  getMany(keys: Buffer[], options: object, callback: Callback<(Buffer | undefined)[]>): void;
  batch(ops: NativeBatchOp[], options: object, callback: Callback): void;
  iterator(options: object): NativeIterator;
  compactRange(start: Buffer, end: Buffer, callback: Callback): void;
}

type NativeBatchOp = { type: 'put'; key: Buffer; value: Buffer } | { type: 'del'; key: Buffer };

interface NativeIterator {
  readonly context: unknown;
  seek(target: Buffer): void;
  end(callback: Callback): void;
}

interface NativeBinding {
  /** Entries in descending order (value, key, value, key, ...) to be popped; finished = no more. */
  iterator_next(context: unknown, callback: (error: Error | null, entries: Buffer[], finished: boolean) => void): void;
}

const requireCjs = createRequire(import.meta.url);
const openDatabase = requireCjs('rocksdb') as (location: string) => NativeDatabase;
const binding = requireCjs('rocksdb/binding.js') as NativeBinding;
assert(typeof binding.iterator_next === 'function', 'rocksdb binding lacks iterator_next (expected rocksdb 5.2.1)');

const MIB = 1 << 20;

export class RocksEngine implements KvEngine {
  private closed = false;
  private readonly iterators = new Set<RocksIterator>();

  private constructor(
    private readonly db: NativeDatabase,
    readonly path: string,
  ) {}

  static async open(options: RocksEngineOptions): Promise<RocksEngine> {
    const db = openDatabase(options.path);
    await call<void>((done) => db.open({
      createIfMissing: options.createIfMissing ?? true,
      errorIfExists: options.errorIfExists ?? false,
      compression: options.compression ?? true,
      cacheSize: options.cacheBytes ?? 32 * MIB,
      writeBufferSize: options.writeBufferBytes ?? 32 * MIB,
    }, done), 'open', options.path);
    return new RocksEngine(db, options.path);
  }

  get(key: Uint8Array): Promise<Uint8Array | undefined> {
    if (this.closed) return Promise.reject(engineClosedError(this.path));
    return new Promise((resolve, reject) => {
      this.db.get(toBuffer(key), GET_OPTIONS, (error, value) => {
        if (error === null || error === undefined) resolve(value);
        else if (error.message.startsWith('NotFound')) resolve(undefined);
        else reject(engineErrorFrom(error, 'get', this.path));
      });
    });
  }

  /** One native call reading every key under one snapshot. */
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
    if (this.closed) return Promise.reject(engineClosedError(this.path));
    if (keys.length === 0) return Promise.resolve([]);
    return call((done) => this.db.getMany(keys.map(toBuffer), GET_OPTIONS, done), 'getMany', this.path);
  }

  /** Atomic: one RocksDB WriteBatch. sync defaults to false (see the file comment). */
  write(ops: readonly WriteOp[], options?: { readonly sync?: boolean }): Promise<void> {
    if (this.closed) return Promise.reject(engineClosedError(this.path));
    const batch = new Array<NativeBatchOp>(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      batch[i] = op.kind === 'put'
        ? { type: 'put', key: toBuffer(op.key), value: toBuffer(op.value) }
        : { type: 'del', key: toBuffer(op.key) };
    }
    const writeOptions = options?.sync === true ? SYNC_WRITE : NO_SYNC_WRITE;
    return call<void>((done) => this.db.batch(batch, writeOptions, done), 'write', this.path);
  }

  iterator(options: IteratorOptions = {}): KvIterator {
    if (this.closed) throw engineClosedError(this.path);
    const iterator = new RocksIterator(this, this.db, options, (it) => this.iterators.delete(it));
    this.iterators.add(iterator);
    return iterator;
  }

  /**
   * A manual compaction of every key (RocksDB CompactRange from the first key to the last),
   * as an operator runs after bulk loads or mass deletes. Resolves when it is done.
   */
  async compactAll(): Promise<void> {
    const iterator = this.iterator({ reverse: true, keysOnly: true });
    const last = await iterator.next().finally(() => iterator.close());
    if (last === undefined) return;
    await call<void>((done) => this.db.compactRange(Buffer.of(0x00), toBuffer(last.key), done), 'compact', this.path);
  }

  /** Closes open iterators (releasing their snapshots), then the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.iterators].map((it) => it.close()));
    await call<void>((done) => this.db.close(done), 'close', this.path);
  }
}

class RocksIterator implements KvIterator {
  private readonly native: NativeIterator | undefined;
  /** Entries read ahead, in the binding's popping order: value, key, value, key, ... */
  private buffered: Buffer[] = [];
  private finished: boolean;
  private reading = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly engine: RocksEngine,
    db: NativeDatabase,
    private readonly options: IteratorOptions,
    private readonly onClose: (iterator: RocksIterator) => void,
  ) {
    this.finished = isEmptyByEmptyBound(options);
    this.native = this.finished ? undefined : db.iterator(nativeIteratorOptions(options));
  }

  async next(): Promise<KvEntry | undefined> {
    const batch = await this.nextBatch(1);
    return batch[0];
  }

  async nextBatch(max: number): Promise<KvEntry[]> {
    assert(Number.isInteger(max) && max > 0 && max <= ENGINE_ITERATOR_BATCH_COUNT_MAX, `nextBatch max ${max} out of range`);
    assert(!this.reading, 'one read at a time per iterator');
    const out: KvEntry[] = [];
    this.reading = true;
    try {
      while (out.length < max) {
        if (this.buffered.length === 0) {
          if (this.finished || this.closing !== undefined) break;
          await this.readAhead();
          continue;
        }
        const key = this.buffered.pop()!;
        const value = this.buffered.pop()!;
        out.push({ key, value });
      }
    } finally {
      this.reading = false;
    }
    return out;
  }

  /**
   * The binding's seek: synchronous, on the same snapshot. A target outside the range is handled
   * here without the binding, which would step an invalid RocksDB iterator (an assertion that
   * aborts the process) when the snapshot holds no key at all.
   */
  seek(target: Uint8Array): void {
    assert(!this.reading, 'no seek while a read is in flight');
    assert(target.length > 0, 'seek target must not be empty');
    if (this.closing !== undefined || this.native === undefined) return;
    this.buffered = [];
    if (isOutsideRange(target, this.options)) {
      this.finished = true;
      return;
    }
    this.native.seek(toBuffer(target));
    this.finished = false;
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.buffered = [];
      this.onClose(this);
      const native = this.native;
      this.closing = native === undefined ? Promise.resolve()
        : call<void>((done) => native.end(done), 'iterator close', this.engine.path);
    }
    return this.closing;
  }

  private readAhead(): Promise<void> {
    const native = this.native;
    assert(native !== undefined, 'an iterator without a native cursor is finished');
    return new Promise((resolve, reject) => {
      binding.iterator_next(native.context, (error, entries, finished) => {
        if (error !== null && error !== undefined) {
          reject(engineErrorFrom(error, 'iterator next', this.engine.path));
          return;
        }
        // Entries that arrive after close() are dropped: a closed iterator yields nothing more.
        if (this.closing === undefined) this.buffered = entries;
        this.finished = finished;
        resolve();
      });
    });
  }
}

/**
 * The binding treats an empty range bound as absent. Keys are never empty, so an empty lt or lte
 * bound means an empty range; an empty gt or gte bound means no bound at all, as the binding does.
 */
function isEmptyByEmptyBound(options: IteratorOptions): boolean {
  return options.lt?.length === 0 || options.lte?.length === 0;
}

function nativeIteratorOptions(options: IteratorOptions): object {
  const native: Record<string, unknown> = {
    reverse: options.reverse === true,
    keys: true,
    values: options.keysOnly !== true,
    limit: -1,
    fillCache: false,
    highWaterMark: ENGINE_ITERATOR_READ_AHEAD_BYTES,
  };
  if (options.gte !== undefined) native['gte'] = toBuffer(options.gte);
  else if (options.gt !== undefined) native['gt'] = toBuffer(options.gt);
  if (options.lte !== undefined) native['lte'] = toBuffer(options.lte);
  else if (options.lt !== undefined) native['lt'] = toBuffer(options.lt);
  return native;
}

const GET_OPTIONS = { asBuffer: true, fillCache: true };
const SYNC_WRITE = { sync: true };
const NO_SYNC_WRITE = { sync: false };

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function call<T>(start: (done: Callback<T>) => void, operation: string, location: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    start((error, result) => {
      if (error === null || error === undefined) resolve(result as T);
      else reject(engineErrorFrom(error, operation, location));
    });
  });
}
