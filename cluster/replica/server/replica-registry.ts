// The replicas one server hosts, by gpid, each in DIR/replicas/<appId>.<index>/. Opening is
// asynchronous (a replica recovers its log and engine first); messages for a replica being opened
// wait for it in arrival order, up to a bound, so the core sees them as they came. A replica of a
// dropped table is closed but stays on disk ("dormant") and keeps being reported to the meta
// server until the meta server names it garbage; a recall brings it back by opening it again.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { REPLICA_SERVER_HOSTS_MAX } from '../../../common/limits.ts';
import { gpidKey, type ReplicaReport } from '../../meta/core/types.ts';
import type { AppSummary } from '../../rpc/cluster-messages.ts';
import type { Gpid } from '../../replication/configuration.ts';
import type { HostedEntry } from './client-requests.ts';
import type { ReplicaHost } from '../host/replica-host.ts';

/** Messages that may wait for one replica being opened; later ones are dropped (cores resend). */
const WAITING_PER_OPEN_MAX = 1000;

export interface OpenReplicaArgs {
  readonly directory: string;
  readonly gpid: Gpid;
  readonly app: AppSummary;
}

export interface ReplicaRegistryOptions {
  readonly dataDirectory: string;
  readonly openReplica: (args: OpenReplicaArgs) => Promise<ReplicaHost>;
  readonly log: (line: string) => void;
  readonly hostsMax?: number;
}

interface Opening {
  readonly done: Promise<HostedEntry | undefined>;
  waiting: number;
}

const DIRECTORY_NAME = /^(\d+)\.(\d+)$/;

export class ReplicaRegistry {
  private readonly hosted = new Map<string, HostedEntry>();
  private readonly opening = new Map<string, Opening>();
  /** Close or destroy in progress: an open of the same gpid waits for it. */
  private readonly settling = new Map<string, Promise<void>>();
  /** Replicas of dropped tables, closed, with their last report. */
  private readonly dormant = new Map<string, ReplicaReport>();
  private closed = false;

  constructor(private readonly options: ReplicaRegistryOptions) {}

  get replicasDirectory(): string {
    return join(this.options.dataDirectory, 'replicas');
  }

  directoryOf(gpid: Gpid): string {
    return join(this.replicasDirectory, gpidKey(gpid));
  }

  /** The gpids of every replica directory on disk (names that are not <appId>.<index> are skipped). */
  async listOnDisk(): Promise<Gpid[]> {
    let names: string[];
    try {
      names = await readdir(this.replicasDirectory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const gpids: Gpid[] = [];
    for (const name of names.sort()) {
      const match = DIRECTORY_NAME.exec(name);
      if (match === null) {
        if (!name.startsWith('.')) this.options.log(`replicas/${name} is not <appId>.<index>: left alone`);
        continue;
      }
      gpids.push({ appId: Number(match[1]), partitionIndex: Number(match[2]) });
    }
    return gpids;
  }

  get(gpid: Gpid): HostedEntry | undefined {
    return this.hosted.get(gpidKey(gpid));
  }

  entries(): HostedEntry[] {
    return [...this.hosted.values()];
  }

  /** Reports of replicas closed because their table was dropped, still on disk. */
  dormantReports(): ReplicaReport[] {
    return [...this.dormant.values()];
  }

  isDormant(gpid: Gpid): boolean {
    return this.dormant.has(gpidKey(gpid));
  }

  /**
   * Runs `use` with the hosted replica: now when it is open, after the open when it is being
   * opened, and after opening it when `openWith` says which table it belongs to (a new replica, or
   * a dormant one whose table is back). Otherwise the message is not for this server: dropped.
   */
  with(gpid: Gpid, use: (entry: HostedEntry) => void, openWith?: AppSummary): void {
    const key = gpidKey(gpid);
    const entry = this.hosted.get(key);
    if (entry !== undefined) {
      use(entry);
      return;
    }
    let opening = this.opening.get(key);
    if (opening === undefined) {
      if (openWith === undefined || openWith.status !== 'available' || this.closed) return;
      opening = this.open(gpid, openWith);
      if (opening === undefined) return;
    }
    if (opening.waiting >= WAITING_PER_OPEN_MAX) return;
    opening.waiting++;
    void opening.done.then((opened) => {
      if (opened !== undefined && this.hosted.get(key) === opened) use(opened);
    });
  }

  /** Opens a replica found on disk at start. */
  openFromDisk(gpid: Gpid, app: AppSummary): Promise<HostedEntry | undefined> {
    const opening = this.open(gpid, app);
    return opening === undefined ? Promise.resolve(undefined) : opening.done;
  }

  /** Closes a replica of a dropped table; its files stay, and it keeps being reported. */
  async makeDormant(gpid: Gpid): Promise<void> {
    const key = gpidKey(gpid);
    const entry = this.hosted.get(key);
    if (entry === undefined) return;
    const info = entry.replica.info();
    this.dormant.set(key, { gpid, ballot: info.ballot, lastCommittedDecree: info.committedDecree, lastPreparedDecree: info.preparedDecree });
    await this.settle(key, () => entry.replica.close());
  }

  /** Deletes a replica the meta server named garbage, open or dormant, files and all. */
  async destroy(gpid: Gpid): Promise<void> {
    const key = gpidKey(gpid);
    await this.opening.get(key)?.done;
    const entry = this.hosted.get(key);
    this.dormant.delete(key);
    const directory = this.directoryOf(gpid);
    await this.settle(key, async () => {
      if (entry !== undefined) await entry.replica.destroy();
      else await rm(directory, { recursive: true, force: true });
    });
  }

  /** Closes every replica (files stay); nothing opens afterwards. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.opening.values()].map((opening) => opening.done));
    await Promise.all([...this.hosted].map(([key, entry]) => this.settle(key, () => entry.replica.close())));
    await Promise.all([...this.settling.values()]);
  }

  get size(): number {
    return this.hosted.size + this.opening.size;
  }

  private open(gpid: Gpid, app: AppSummary): Opening | undefined {
    const key = gpidKey(gpid);
    const hostsMax = this.options.hostsMax ?? REPLICA_SERVER_HOSTS_MAX;
    if (this.size >= hostsMax) {
      this.options.log(`${key}: not opened, this server already hosts ${hostsMax} replicas`);
      return undefined;
    }
    const done = (async (): Promise<HostedEntry | undefined> => {
      await this.settling.get(key);
      try {
        const replica = await this.options.openReplica({ directory: this.directoryOf(gpid), gpid, app });
        const entry: HostedEntry = { replica, app };
        if (this.closed) {
          await replica.close();
          return undefined;
        }
        this.hosted.set(key, entry);
        this.dormant.delete(key);
        return entry;
      } catch (error) {
        this.options.log(`${key}: open failed: ${(error as Error).message}`);
        return undefined;
      } finally {
        this.opening.delete(key);
      }
    })();
    const opening: Opening = { done, waiting: 0 };
    this.opening.set(key, opening);
    return opening;
  }

  /** Removes the replica from service at once, then runs `work` (close or destroy) to its end. */
  private settle(key: string, work: () => Promise<void>): Promise<void> {
    this.hosted.delete(key);
    const previous = this.settling.get(key) ?? Promise.resolve();
    const done = previous.then(work).catch((error: unknown) => {
      this.options.log(`${key}: close failed: ${(error as Error).message}`);
    }).finally(() => {
      if (this.settling.get(key) === done) this.settling.delete(key);
    });
    this.settling.set(key, done);
    return done;
  }
}
