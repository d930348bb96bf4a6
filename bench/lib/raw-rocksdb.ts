// The raw `rocksdb` binding, driven the plainest way from Node: the ceiling the storage and
// cluster benchmarks compare our layers to.

import { createRequire } from 'node:module';

export type Callback<T = void> = (error: Error | null | undefined, result?: T) => void;
export interface RawDatabase {
  open(options: object, callback: Callback): void;
  close(callback: Callback): void;
  get(key: Buffer, options: object, callback: Callback<Buffer>): void;
  put(key: Buffer, value: Buffer, options: object, callback: Callback): void;
  batch(ops: object[], options: object, callback: Callback): void;
  iterator(options: object): { next(callback: (error: Error | null | undefined, key?: Buffer, value?: Buffer) => void): void; end(callback: Callback): void };
  compactRange(start: Buffer, end: Buffer, callback: Callback): void;
}

export interface Work { readonly ops: number; readonly bytes: number }

const requireCjs = createRequire(import.meta.url);
const rocksdb = requireCjs('rocksdb') as (location: string) => RawDatabase;
export const rocksdbVersion = (requireCjs('rocksdb/package.json') as { version: string }).version;

export function promisify<T>(start: (done: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, result) => (error ? reject(error) : resolve(result as T))));
}

/** Opens (creating) a database with the settings every raw ceiling uses: 32 MiB block cache and write buffer. */
export async function openRawDatabase(location: string): Promise<RawDatabase> {
  const db = rocksdb(location);
  await promisify<void>((done) => db.open({ createIfMissing: true, compression: true, cacheSize: 32 << 20, writeBufferSize: 32 << 20 }, done));
  return db;
}

export function closeRawDatabase(db: RawDatabase): Promise<void> {
  return promisify<void>((done) => db.close(done));
}

/** Records `first` to `first + batches * batchRecords - 1`, written as `batches` batches one after another. */
export async function rawBatchPuts(
  db: RawDatabase, first: number, batches: number, batchRecords: number, keyOf: (i: number) => Buffer, valueOf: (i: number) => Buffer,
): Promise<Work> {
  let record = first;
  let bytes = 0;
  for (let b = 0; b < batches; b++) {
    const ops: object[] = [];
    for (let i = 0; i < batchRecords; i++, record++) {
      const value = valueOf(record);
      bytes += value.length;
      ops.push({ type: 'put', key: keyOf(record), value });
    }
    await promisify<void>((done) => db.batch(ops, {}, done));
  }
  return { ops: batches * batchRecords, bytes };
}

/** Records `first` to `first + count - 1` as single puts with `inFlight` outstanding; `sync` waits for the WAL's fsync. */
export function rawPuts(
  db: RawDatabase, first: number, count: number, inFlight: number, sync: boolean, keyOf: (i: number) => Buffer, valueOf: (i: number) => Buffer,
): Promise<Work> {
  return drive(count, inFlight, (i, done) => {
    const value = valueOf(first + i);
    db.put(keyOf(first + i), value, { sync }, (error) => done(error, value.length));
  });
}

/** Single gets of `keys` in order with `inFlight` outstanding; every key must exist. */
export function rawGets(db: RawDatabase, keys: readonly Buffer[], inFlight: number): Promise<Work> {
  return drive(keys.length, inFlight, (i, done) => {
    db.get(keys[i]!, { asBuffer: true }, (error, value) => done(error ?? (value === undefined ? new Error('bench: a written key is missing') : undefined), value?.length ?? 0));
  });
}

/** Issues operations 0..count-1 keeping `inFlight` outstanding. */
function drive(count: number, inFlight: number, issue: (i: number, done: (error: Error | null | undefined, bytes: number) => void) => void): Promise<Work> {
  return new Promise((resolve, reject) => {
    if (count === 0) return resolve({ ops: 0, bytes: 0 });
    let next = 0;
    let completed = 0;
    let bytes = 0;
    let failed = false;
    const start = (): void => {
      issue(next++, (error, size) => {
        if (failed) return;
        if (error) {
          failed = true;
          return reject(error);
        }
        bytes += size;
        if (++completed === count) return resolve({ ops: count, bytes });
        if (next < count) start();
      });
    };
    for (let i = 0; i < inFlight && next < count; i++) start();
  });
}
