// One replica's storage on a simulated disk, laid out as Pegasus lays it out: init-info (the
// ballot), the private log (mutations and truncation records), the app's data, durable only when
// flushed (like RocksDB with its WAL off), and checkpoints of the app at a decree for learners.
// After a restart it rebuilds the core's RecoveredState from whatever the disk kept.
import { assert } from '../../common/assert.ts';
import type { Ballot, Decree, Mutation, RecoveredState } from '../../cluster/replication/index.ts';
import type { SimDisk, SimLog } from './disk.ts';
import { decodeWrite, mutationDigest } from './register-payload.ts';

type LogRecord = { readonly kind: 'mutation'; readonly mutation: Mutation } | { readonly kind: 'truncate'; readonly afterDecree: Decree };

export interface AppSnapshot {
  readonly decree: Decree;
  readonly data: readonly (readonly [string, string])[];
}

const CHECKPOINTS_KEPT = 4;

export class ReplicaStorage {
  private app = new Map<string, string>();
  private appliedDecreeNow: Decree = 0n;
  private readonly log: SimLog<LogRecord>;

  constructor(private readonly disk: SimDisk, readonly name: string, private readonly flushEveryDecrees: number) {
    this.log = disk.log<LogRecord>(`plog/${name}`);
  }

  /** True when the disk holds anything of this replica. */
  static exists(disk: SimDisk, name: string): boolean {
    return disk.file(`init-info/${name}`).read() !== undefined || disk.log(`plog/${name}`).length > 0;
  }

  get appliedDecree(): Decree {
    return this.appliedDecreeNow;
  }

  read(key: string): string | null {
    return this.app.get(key) ?? null;
  }

  /** Reopens after a restart: the flushed app, the log's intact prefix, the persisted ballot. */
  recover(): { state: RecoveredState; tornTruncated: boolean } {
    const flushed = this.disk.file<AppSnapshot>(`app/${this.name}`).read();
    this.app = new Map(flushed?.data ?? []);
    this.appliedDecreeNow = flushed?.decree ?? 0n;
    const { tornTruncated } = this.log.recover();
    const checkpoints = this.disk.file<AppSnapshot[]>(`checkpoint/${this.name}`).read() ?? [];
    const state: RecoveredState = {
      ballot: this.disk.file<Ballot>(`init-info/${this.name}`).read() ?? 0n,
      appliedDecree: this.appliedDecreeNow,
      checkpointDecree: checkpoints.at(-1)?.decree ?? 0n,
      logTruncatedDecree: this.logTruncatedDecree,
      log: this.effectiveLog().filter((mutation) => mutation.decree > this.appliedDecreeNow),
    };
    return { state, tornTruncated };
  }

  /** init-info is replaced and synced before anything that depends on it is sent. */
  persistBallot(ballot: Ballot): void {
    const file = this.disk.file<Ballot>(`init-info/${this.name}`);
    file.write(ballot);
    file.fsync();
  }

  /** Decrees at or below this are no longer in the log. */
  get logTruncatedDecree(): Decree {
    return this.disk.file<Decree>(`gc/${this.name}`).read() ?? 0n;
  }

  /** The app's decree as of its last flush: what a restart comes back with. */
  get durableDecree(): Decree {
    return this.disk.file<AppSnapshot>(`app/${this.name}`).read()?.decree ?? 0n;
  }

  /** Deletes the log's leading entries at or below `decree`, as deleting whole log files would. */
  gcThrough(decree: Decree): void {
    let count = 0;
    for (const record of this.log.read()) {
      // A leading truncation record only affected entries before it, which are gone.
      if (record.kind === 'mutation' && record.mutation.decree > decree) break;
      count++;
    }
    this.log.dropPrefix(count);
    this.setLogTruncatedDecree(decree);
  }

  private setLogTruncatedDecree(decree: Decree): void {
    const file = this.disk.file<Decree>(`gc/${this.name}`);
    file.write(decree);
    file.fsync();
  }

  discard(): void {
    this.app = new Map();
    this.appliedDecreeNow = 0n;
    this.log.truncateTo(0);
    this.setLogTruncatedDecree(0n);
    this.disk.writeFile<AppSnapshot>(`app/${this.name}`, { decree: 0n, data: [] });
    this.disk.file<AppSnapshot>(`app/${this.name}`).fsync();
  }

  truncateLogAfter(decree: Decree): void {
    this.log.append([{ kind: 'truncate', afterDecree: decree }]);
  }

  append(mutations: readonly Mutation[]): void {
    this.log.append(mutations.map((mutation) => ({ kind: 'mutation' as const, mutation })));
  }

  syncLog(): void {
    this.log.fsync();
  }

  /** Applies one committed mutation to the app and returns its digest. */
  apply(mutation: Mutation): string {
    assert(mutation.decree === this.appliedDecreeNow + 1n, `apply ${mutation.decree} after ${this.appliedDecreeNow}`);
    for (const request of mutation.requests) {
      const write = decodeWrite(request);
      this.app.set(write.key, write.value);
    }
    this.appliedDecreeNow = mutation.decree;
    if (this.flushEveryDecrees > 0 && mutation.decree % BigInt(this.flushEveryDecrees) === 0n) this.flush();
    return mutationDigest(mutation);
  }

  /** Like a memtable flush: the app's state at the applied decree becomes durable. */
  flush(): void {
    const file = this.disk.file<AppSnapshot>(`app/${this.name}`);
    file.write(this.snapshot());
    file.fsync();
  }

  takeCheckpoint(): Decree {
    this.flush();
    const file = this.disk.file<AppSnapshot[]>(`checkpoint/${this.name}`);
    const kept = (file.read() ?? []).filter((checkpoint) => checkpoint.decree !== this.appliedDecreeNow);
    file.write([...kept, this.snapshot()].slice(-CHECKPOINTS_KEPT));
    file.fsync();
    return this.appliedDecreeNow;
  }

  checkpoint(decree: Decree): AppSnapshot | undefined {
    return (this.disk.file<AppSnapshot[]>(`checkpoint/${this.name}`).read() ?? []).find((checkpoint) => checkpoint.decree === decree);
  }

  /** Learner: the app becomes the checkpoint; the log restarts after it. */
  importCheckpoint(snapshot: AppSnapshot): void {
    this.app = new Map(snapshot.data);
    this.appliedDecreeNow = snapshot.decree;
    this.log.truncateTo(0);
    this.setLogTruncatedDecree(snapshot.decree);
    this.flush();
  }

  /** For each decree in [from, to], the entry written last, honouring truncation records. */
  readLog(fromDecree: Decree, toDecree: Decree): Mutation[] {
    return this.effectiveLog().filter((mutation) => mutation.decree >= fromDecree && mutation.decree <= toDecree);
  }

  private effectiveLog(): Mutation[] {
    const byDecree = new Map<Decree, Mutation>();
    for (const record of this.log.read()) {
      if (record.kind === 'mutation') byDecree.set(record.mutation.decree, record.mutation);
      else for (const decree of [...byDecree.keys()]) if (decree > record.afterDecree) byDecree.delete(decree);
    }
    return [...byDecree.values()].sort((a, b) => (a.decree < b.decree ? -1 : a.decree > b.decree ? 1 : 0));
  }

  private snapshot(): AppSnapshot {
    return { decree: this.appliedDecreeNow, data: [...this.app].sort(([a], [b]) => a.localeCompare(b)) };
  }
}
