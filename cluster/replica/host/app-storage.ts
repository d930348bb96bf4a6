// The app's data of one replica: a RocksEngine in `<replica>/data`, the Partition over it and the
// engine's exclusive write turn (shared by the partition's applies and the expiry sweep).
//
// Durability. Engine writes are not synced (docs/storage.md: the private log is the write-ahead
// log), so after a power loss RocksDB may come back at an applied decree below the one this
// process saw. makeDurable() writes one synced batch through the write turn: RocksDB syncs its WAL
// up to and including that batch, so every mutation applied before it survives a power loss from
// then on. `durableDecree` is the applied decree as of the last such batch; the private log may
// only be collected up to it (see README.md, "Log GC").
import { mkdir, rm } from 'node:fs/promises';
import type { Clock } from '../../../common/clock.ts';
import { DATA_VERSION_KEY } from '../../storage/bookkeeping.ts';
import { importCheckpoint } from '../../storage/checkpoint.ts';
import { encodeDataVersion } from '../../storage/data-version.ts';
import { Partition } from '../../storage/partition.ts';
import { RocksEngine } from '../../storage/rocksdb-engine.ts';
import { DATA_VERSION } from '../../storage/value-schema.ts';
import { WriteLane } from '../../storage/write-lane.ts';

export interface AppStorageOptions {
  /** `<replica>/data`. */
  readonly directory: string;
  readonly clock: Clock;
  readonly clusterId: number;
  readonly partitionIndex: number;
  readonly partitionCount: number;
}

export class AppStorage {
  private durable: bigint;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly engine: RocksEngine,
    readonly partition: Partition,
    readonly lane: WriteLane,
  ) {
    this.durable = 0n;
  }

  /**
   * Opens (or creates) the data directory. When `checkpointPath` is given the directory must be
   * empty and is filled from that checkpoint file first. Whatever was recovered is made durable
   * before this resolves: after a process crash RocksDB's recovered state may still sit unsynced
   * in the page cache.
   */
  static async open(options: AppStorageOptions, checkpointPath?: string): Promise<AppStorage> {
    await mkdir(options.directory, { recursive: true });
    const engine = await RocksEngine.open({ path: options.directory });
    try {
      if (checkpointPath !== undefined) await importCheckpoint(engine, checkpointPath);
      const lane = new WriteLane();
      const partition = await Partition.open(engine, {
        clock: options.clock,
        clusterId: options.clusterId,
        partitionIndex: options.partitionIndex,
        partitionCount: options.partitionCount,
        writer: lane,
      });
      const storage = new AppStorage(engine, partition, lane);
      await storage.makeDurable();
      return storage;
    } catch (error) {
      await engine.close().catch(() => undefined);
      throw error;
    }
  }

  /** Deletes the data directory (the storage must be closed, or never opened). */
  static async remove(directory: string): Promise<void> {
    await rm(directory, { recursive: true, force: true });
  }

  /** Applied decree as of the last synced engine write: survives a power loss. */
  get durableDecree(): bigint {
    return this.durable;
  }

  /** One synced write through the write turn; returns the decree it made durable. */
  async makeDurable(): Promise<bigint> {
    return this.lane.exclusive(async () => {
      const decree = this.partition.appliedDecree;
      await this.engine.write([{ kind: 'put', key: DATA_VERSION_KEY, value: encodeDataVersion(DATA_VERSION) }], { sync: true });
      if (decree > this.durable) this.durable = decree;
      return decree;
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.partition.close();
      await this.lane.exclusive(() => Promise.resolve());
      await this.engine.close();
    })();
    return this.closing;
  }
}
