// The simulated disk of one replica server: append-only logs (the private logs) and small files
// replaced whole (like .init-info). Writes land in a page cache first; fsync makes them durable. A
// process crash keeps the page cache (the kernel survives); a power loss keeps only what was
// synced plus a random prefix of the rest, and the write in progress may tear. A torn record
// fails its checksum and recovery truncates the log there, as a real log reader would.
import { assert } from '../../common/assert.ts';
import type { RandomStream } from './random-stream.ts';
import { SIM_LOG_ENTRIES_MAX } from './limits.ts';

export type FsyncPolicy = 'always' | 'never';

interface StoredRecord<E> {
  readonly entry: E;
  /** False for a record only partly written when power was lost; its checksum fails. */
  readonly intact: boolean;
}

export interface Recovery<E> {
  readonly entries: readonly E[];
  /** True when a torn record was found at the tail and cut off. */
  readonly tornTruncated: boolean;
}

export class SimLog<E> {
  private records: StoredRecord<E>[] = [];
  private syncedCount = 0;

  get length(): number {
    return this.records.length;
  }
  get unsyncedCount(): number {
    return this.records.length - this.syncedCount;
  }

  append(entries: readonly E[]): void {
    assert(this.records.every((record) => record.intact), 'append after a power loss needs recover() first');
    assert(this.records.length + entries.length <= SIM_LOG_ENTRIES_MAX, `log over ${SIM_LOG_ENTRIES_MAX} entries`);
    for (const entry of entries) this.records.push({ entry, intact: true });
  }

  fsync(): void {
    this.syncedCount = this.records.length;
  }

  /** Keeps the first `count` entries (a learner discarding its tail, log GC from the end). Durable at once. */
  truncateTo(count: number): void {
    assert(count >= 0 && count <= this.records.length, `truncate to ${count} of ${this.records.length}`);
    this.records.length = count;
    this.syncedCount = Math.min(this.syncedCount, count);
  }

  /** Drops the first `count` entries (garbage collection: whole files deleted, durable at once). */
  dropPrefix(count: number): void {
    assert(count >= 0 && count <= this.records.length, `gc of ${count} entries of ${this.records.length}`);
    this.records.splice(0, count);
    this.syncedCount = Math.max(0, this.syncedCount - count);
  }

  /** The entries as the running process sees them (no torn record exists while it runs). */
  read(): E[] {
    assert(this.records.every((record) => record.intact), 'read a log with a torn tail before recover()');
    return this.records.map((record) => record.entry);
  }

  /** What a reader sees after a restart: the intact prefix; a torn tail is cut off. */
  recover(): Recovery<E> {
    const firstTorn = this.records.findIndex((record) => !record.intact);
    const tornTruncated = firstTorn >= 0;
    if (tornTruncated) this.records.length = firstTorn;
    this.syncedCount = Math.min(this.syncedCount, this.records.length);
    return { entries: this.records.map((record) => record.entry), tornTruncated };
  }

  /** Every synced record survives; of the rest a random prefix does, and the next one may tear. */
  powerLoss(random: RandomStream, tearProbability: number): { lost: number; torn: boolean } {
    const unsynced = this.unsyncedCount;
    if (unsynced === 0) return { lost: 0, torn: false };
    const survivors = random.int(unsynced + 1);
    const kept = this.syncedCount + survivors;
    const tornEntry = kept < this.records.length && random.chance(tearProbability) ? this.records[kept] : undefined;
    this.records.length = kept;
    if (tornEntry !== undefined) this.records.push({ entry: tornEntry.entry, intact: false });
    this.syncedCount = kept;
    return { lost: unsynced - survivors, torn: tornEntry !== undefined };
  }
}

/** A small file replaced whole (write to a temporary name, rename): after power loss it holds either the synced or the newer value. */
export class SimFile<T> {
  private durable: T | undefined;
  private cached: T | undefined;

  read(): T | undefined {
    return this.cached;
  }
  write(value: T): void {
    this.cached = value;
  }
  fsync(): void {
    this.durable = this.cached;
  }
  powerLoss(random: RandomStream): void {
    if (this.cached !== this.durable && random.chance(0.5)) this.cached = this.durable;
    this.durable = this.cached;
  }
}

export interface PowerLossReport {
  readonly lostEntries: number;
  readonly tornLogs: number;
}

export class SimDisk {
  private readonly logs = new Map<string, SimLog<unknown>>();
  private readonly files = new Map<string, SimFile<unknown>>();

  constructor(readonly fsyncPolicy: FsyncPolicy) {}

  log<E>(name: string): SimLog<E> {
    let log = this.logs.get(name);
    if (log === undefined) {
      log = new SimLog<unknown>();
      this.logs.set(name, log);
    }
    return log as SimLog<E>;
  }

  file<T>(name: string): SimFile<T> {
    let file = this.files.get(name);
    if (file === undefined) {
      file = new SimFile<unknown>();
      this.files.set(name, file);
    }
    return file as SimFile<T>;
  }

  /** Log entries written but not yet synced, over every log. */
  unsyncedEntries(): number {
    let count = 0;
    for (const log of this.logs.values()) count += log.unsyncedCount;
    return count;
  }

  logNames(): string[] {
    return [...this.logs.keys()].sort();
  }

  /** Writes a whole file, synced at once under fsync `always`. */
  writeFile<T>(name: string, value: T): void {
    const file = this.file<T>(name);
    file.write(value);
    if (this.fsyncPolicy === 'always') file.fsync();
  }

  powerLoss(random: RandomStream, tearProbability: number): PowerLossReport {
    let lostEntries = 0;
    let tornLogs = 0;
    for (const name of this.logNames()) {
      const result = (this.logs.get(name) as SimLog<unknown>).powerLoss(random, tearProbability);
      lostEntries += result.lost;
      if (result.torn) tornLogs++;
    }
    for (const name of [...this.files.keys()].sort()) (this.files.get(name) as SimFile<unknown>).powerLoss(random);
    return { lostEntries, tornLogs };
  }
}
