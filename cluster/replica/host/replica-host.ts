// ReplicaHost: the IO shell around one ReplicaCore. Steps go into the core synchronously; the
// core's Readies are performed one at a time, in order, by an async loop, each in field order
// (cluster/replication/README.md): the ballot is durable before anything of its batch is sent,
// discard/truncate/import come before appends, applies finish before the replies they enable.
// Log appends are handed to the FileLogStore in order without blocking the loop and acknowledged
// with log_appended as the store completes them (group commit). Follow-ups (applied, log_read,
// checkpoint_imported) are stepped after the batch was performed.
//
// On disk, under the replica's directory: init-info.json (ballot, table), data/ (RocksDB),
// plog/ (the private log), checkpoint/ (the newest checkpoint), learn/ (a checkpoint being
// copied), data.replacing (present while data/ is being discarded or replaced). README.md next to
// this folder gives the order rules and the durability argument for log GC.
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { assert } from '../../../common/assert.ts';
import type { Clock } from '../../../common/clock.ts';
import {
  HOST_CHECKPOINT_CHUNK_BYTES, HOST_CHECKPOINT_EVERY_DECREES, HOST_CHECKPOINT_FETCH_TIMEOUT_MS, HOST_CHECKPOINT_IMPORT_ATTEMPTS_MAX,
  HOST_CHECKPOINT_IMPORT_RETRY_TICKS, HOST_CHECKPOINT_INTERVAL_MS, HOST_EXPIRY_SWEEP_INTERVAL_MS, HOST_LEARNER_GC_HOLD_TICKS, HOST_PENDING_READS_MAX, HOST_PENDING_WRITES_MAX,
  LOG_APPEND_RECORDS_MAX, RECOVERED_LOG_MUTATIONS_MAX,
} from '../../../common/limits.ts';
import { syncDirectory } from '../../io/sync-directory.ts';
import type {
  Ballot, ConfigChangeRequest, Decree, Gpid, Mutation, NodeId, PeerMessage, Ready, ReplicaCoreOptions, ReplicaInfo,
  ReplicaInput, RequestId,
} from '../../replication/index.ts';
import { ReplicaCore } from '../../replication/index.ts';
import type { KvEngine } from '../../storage/engine.ts';
import type { AppSummary, CheckpointChunkRequest, CheckpointChunkResponse } from '../../rpc/cluster-messages.ts';
import { verifyCheckpoint } from '../../storage/checkpoint.ts';
import { ExpirySweep } from '../../storage/expiry-sweep.ts';
import type { ExpirySweepTotals } from '../../storage/expiry-sweep.ts';
import { rejectedWriteResponse } from '../../storage/partition.ts';
import type { ReadRequest, WriteRequest } from '../../storage/requests.ts';
import type { ReadResponseOf, WriteResponse } from '../../storage/responses.ts';
import { FileLogStore } from '../file-log-store.ts';
import { mutationToRecord, readLogForReplay, recordToMutation } from '../log-mutation.ts';
import { LogStoreError } from '../log-store.ts';
import { AppStorage } from './app-storage.ts';
import { copyCheckpoint } from './checkpoint-copy.ts';
import { CheckpointFiles } from './checkpoint-files.ts';
import { readInitInfo, writeInitInfo } from './init-info.ts';
import { ReplicaRefusal } from './replica-refusal.ts';
import { decodeWritePayload, encodeWritePayload, isBatchableWrite } from './write-payload.ts';
import { readDurableFile, writeFileDurably } from './durable-file.ts';

export interface ReplicaHostOutbox {
  /** The server wraps it in a PeerEnvelope. */
  sendPeer(to: NodeId, message: PeerMessage): void;
  /** The server sends it to the meta leader. */
  requestConfigChange(request: ConfigChangeRequest): void;
  fetchCheckpointChunk(from: NodeId, request: CheckpointChunkRequest, timeoutMs: number): Promise<CheckpointChunkResponse>;
}

/** The host's own schedules and sizes; defaults from common/limits.ts. */
export interface ReplicaHostTuning {
  readonly checkpointEveryDecrees: number;
  readonly checkpointIntervalMs: number;
  readonly expirySweepIntervalMs: number;
  readonly checkpointChunkBytes: number;
  readonly checkpointFetchTimeoutMs: number;
  /** Ticks without a learner's log read or checkpoint chunk after which log GC resumes. */
  readonly learnerGcHoldTicks: number;
  /** FileLogStore segment size (small in tests so that log GC has whole segments to delete). */
  readonly logSegmentBytesMax: number | undefined;
}

export interface ReplicaHostOptions {
  /** This replica's own directory (created if missing). */
  readonly directory: string;
  readonly gpid: Gpid;
  readonly app: AppSummary;
  readonly self: NodeId;
  readonly fsync: 'always' | 'never';
  readonly clock: Clock;
  readonly outbox: ReplicaHostOutbox;
  readonly coreOptions?: Partial<ReplicaCoreOptions>;
  readonly clusterId?: number;
  readonly log?: (line: string) => void;
  readonly tuning?: Partial<ReplicaHostTuning>;
}

export interface HostedReplicaInfo extends ReplicaInfo {
  readonly app: AppSummary;
  /** A potential secondary, or a checkpoint copy/import in progress. */
  readonly learning: boolean;
  /** Bytes the private log occupies. */
  readonly logBytes: number;
  /** Prepared but not yet committed decrees. */
  readonly prepareListDepth: number;
}

const DEFAULT_TUNING: ReplicaHostTuning = {
  checkpointEveryDecrees: HOST_CHECKPOINT_EVERY_DECREES,
  checkpointIntervalMs: HOST_CHECKPOINT_INTERVAL_MS,
  expirySweepIntervalMs: HOST_EXPIRY_SWEEP_INTERVAL_MS,
  checkpointChunkBytes: HOST_CHECKPOINT_CHUNK_BYTES,
  checkpointFetchTimeoutMs: HOST_CHECKPOINT_FETCH_TIMEOUT_MS,
  learnerGcHoldTicks: HOST_LEARNER_GC_HOLD_TICKS,
  logSegmentBytesMax: undefined,
};

const REPLACING_MARKER = 'data.replacing';

interface PendingWrite {
  readonly request: WriteRequest;
  readonly payload: Uint8Array;
  readonly resolve: (response: WriteResponse) => void;
  readonly reject: (error: Error) => void;
  response: WriteResponse | undefined;
}

interface PendingRead {
  readonly request: ReadRequest;
  readonly resolve: (response: never) => void;
  readonly reject: (error: Error) => void;
}

type HostState = 'open' | 'failed' | 'closing' | 'closed';

interface Paths {
  readonly data: string;
  readonly plog: string;
  readonly checkpoint: string;
  readonly learn: string;
  readonly marker: string;
}

function pathsOf(directory: string): Paths {
  return {
    data: join(directory, 'data'),
    plog: join(directory, 'plog'),
    checkpoint: join(directory, 'checkpoint'),
    learn: join(directory, 'learn'),
    marker: join(directory, REPLACING_MARKER),
  };
}

export class ReplicaHost {
  readonly gpid: Gpid;
  private readonly paths: Paths;
  private readonly tuning: ReplicaHostTuning;
  private state: HostState = 'open';
  private ballotPersisted: Ballot;
  private app: AppSummary;
  private nextRequestId: RequestId = 1;
  private readonly writes = new Map<RequestId, PendingWrite>();
  private readonly writesByPayload = new Map<Uint8Array, PendingWrite>();
  private readonly reads = new Map<RequestId, PendingRead>();
  /** The loop performing Readies, while it runs. */
  private driving: Promise<void> | undefined;
  /** Bumped by discard and import: completions of appends issued before no longer count. */
  private appendEpoch = 0;
  /** Settles once the last append handed to the log settled. */
  private appendTail: Promise<void> = Promise.resolve();
  /** Bumped whenever the app's storage is replaced: background work on the old one is void. */
  private storageGeneration = 0;
  private checkpointTask: Promise<void> | undefined;
  private sweepTask: Promise<void> | undefined;
  private sweep: { readonly generation: number; readonly sweep: ExpirySweep } | undefined;
  private readonly sweepTotals: ExpirySweepTotals = { examined: 0, deleted: 0, skipped: 0, passesCompleted: 0 };
  private lastCheckpointMs: number;
  private lastSweepMs: number;
  private importing = false;
  /** The import's pause between attempts, counted in ticks (the host sets no timers). */
  private retryWait: { ticksLeft: number; readonly resume: () => void } | undefined;
  /**
   * The log a learner is being taught from (LT_LOG reads, or the log after an LT_APP checkpoint):
   * log GC is held at this decree (the core's gc_bound) until no learner asked for a while, so a
   * learner that copied a checkpoint finds the log after it still there.
   */
  private learnerHold: { decree: Decree; idleTicks: number } | undefined;
  /** data/ is being discarded or replaced: no checkpoint or sweep may start. */
  private replacing = false;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: ReplicaHostOptions,
    private readonly core: ReplicaCore,
    private storage: AppStorage,
    private readonly plog: FileLogStore,
    private readonly checkpoints: CheckpointFiles,
    ballot: Ballot,
  ) {
    this.gpid = options.gpid;
    this.paths = pathsOf(options.directory);
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.ballotPersisted = ballot;
    this.app = options.app;
    this.lastCheckpointMs = options.clock.monotonicMs();
    this.lastSweepMs = options.clock.monotonicMs();
  }

  /** Opens the replica's directory and recovers whatever it holds (a new directory is an empty replica). */
  static async open(options: ReplicaHostOptions): Promise<ReplicaHost> {
    const paths = pathsOf(options.directory);
    const say = options.log ?? (() => undefined);
    const name = `${options.gpid.appId}.${options.gpid.partitionIndex}`;
    await mkdir(options.directory, { recursive: true });
    const info = await readInitInfo(options.directory);
    if (info !== undefined && (info.gpid.appId !== options.gpid.appId || info.gpid.partitionIndex !== options.gpid.partitionIndex)) {
      throw new Error(`${options.directory} holds replica ${info.gpid.appId}.${info.gpid.partitionIndex}, not ${name}`);
    }
    const ballot = info?.ballot ?? 0n;
    if (info === undefined || JSON.stringify(info.app) !== JSON.stringify(options.app)) {
      await writeInitInfo(options.directory, { gpid: options.gpid, ballot, app: options.app });
    }
    // A discard or import cut short by a crash: what data/ holds is no replica state at all.
    let startEmpty = (await readDurableFile(paths.marker)) !== undefined;
    if (startEmpty) say(`replica ${name}: data was being replaced when the replica stopped; starting empty`);
    await rm(paths.learn, { recursive: true, force: true });
    const storageOptions = storageOptionsOf(options, paths);
    let storage: AppStorage | undefined;
    let plog: FileLogStore | undefined;
    try {
      if (startEmpty) await AppStorage.remove(paths.data);
      storage = await AppStorage.open(storageOptions);
      plog = await FileLogStore.open({
        directory: paths.plog, gpid: options.gpid, fsync: options.fsync,
        ...(options.tuning?.logSegmentBytesMax === undefined ? {} : { segmentBytesMax: options.tuning.logSegmentBytesMax }),
      });
      const dropped = plog.openReport.droppedTail;
      if (dropped !== undefined) say(`replica ${name}: cut a torn log tail: ${dropped.bytesDropped} bytes at ${dropped.offset} of ${dropped.file} (${dropped.reason})`);
      const appliedDecree = storage.partition.appliedDecree;
      if (!startEmpty && plog.bounds().firstDecree > appliedDecree + 1n) {
        // The log was collected past what the engine holds (the engine lost unsynced writes to a
        // power loss despite the GC rule, or files were tampered with): the local state has a hole.
        say(`replica ${name}: log starts at ${plog.bounds().firstDecree} but the app is at ${appliedDecree}; discarding local state`);
        startEmpty = true;
        await writeFileDurably(paths.marker, new Uint8Array(0));
        await storage.close();
        await AppStorage.remove(paths.data);
        storage = await AppStorage.open(storageOptions);
      }
      if (startEmpty) {
        await plog.reset(0n);
        await rm(paths.checkpoint, { recursive: true, force: true });
        await rm(paths.marker, { force: true });
        await syncDirectory(options.directory);
      }
      return await ReplicaHost.build(options, storage, plog, ballot);
    } catch (error) {
      await plog?.close().catch(() => undefined);
      await storage?.close().catch(() => undefined);
      throw error;
    }
  }

  private static async build(options: ReplicaHostOptions, storage: AppStorage, plog: FileLogStore, ballot: Ballot): Promise<ReplicaHost> {
    const paths = pathsOf(options.directory);
    const checkpoints = await CheckpointFiles.open(paths.checkpoint);
    const appliedDecree = storage.partition.appliedDecree;
    const replay = await readLogForReplay(plog, appliedDecree, RECOVERED_LOG_MUTATIONS_MAX);
    const core = new ReplicaCore({
      gpid: options.gpid,
      self: options.self,
      ...(options.coreOptions === undefined ? {} : { options: options.coreOptions }),
      recovered: {
        ballot,
        appliedDecree,
        checkpointDecree: checkpoints.decree,
        logTruncatedDecree: replay.logTruncatedDecree,
        log: replay.log,
      },
    });
    const host = new ReplicaHost(options, core, storage, plog, checkpoints, ballot);
    host.say(`opened: ballot ${ballot}, applied ${appliedDecree}, checkpoint ${checkpoints.decree}, ` +
      `log ${replay.log.length} mutations after ${appliedDecree} (collected through ${replay.logTruncatedDecree})`);
    host.kick();
    return host;
  }

  // --- the server's calls ---

  /** tick (the server ticks every host every REPLICA_TICK_MS), peer, meta, lease_expired. */
  step(input: ReplicaInput): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.core.step(input);
    if (input.kind === 'tick') {
      this.releaseIdleLearnerHold();
      this.runSchedules();
      if (this.retryWait !== undefined && --this.retryWait.ticksLeft <= 0) this.endRetryWait();
    }
    this.kick();
  }

  /**
   * Resolves with the storage response once committed and applied; rejects with ReplicaRefusal.
   * Storage-level failures (bad argument, failed check) resolve with a response carrying them.
   */
  write(request: WriteRequest): Promise<WriteResponse> {
    if (this.state !== 'open') return Promise.reject(this.refusal('ERR_INVALID_STATE', `replica ${this.name} is ${this.state}`));
    const invalid = this.storage.partition.validateWrite(request);
    if (invalid !== undefined) return Promise.resolve(rejectedWriteResponse(request, invalid));
    if (this.writes.size >= HOST_PENDING_WRITES_MAX) {
      return Promise.reject(this.refusal('ERR_CAPACITY_EXCEEDED', `replica ${this.name} has ${this.writes.size} writes outstanding`));
    }
    let payload: Uint8Array;
    try {
      payload = encodeWritePayload(request);
    } catch (error) {
      return Promise.reject(this.refusal('ERR_INVALID_DATA', `write does not encode: ${(error as Error).message}`));
    }
    const requestId = this.nextRequestId++;
    const promise = new Promise<WriteResponse>((resolve, reject) => {
      const pending: PendingWrite = { request, payload, resolve, reject, response: undefined };
      this.writes.set(requestId, pending);
      this.writesByPayload.set(payload, pending);
    });
    this.step({
      kind: 'client_write', requestId, payload, sizeBytes: payload.length, batchable: isBatchableWrite(request),
      timestampUs: BigInt(Math.floor(this.options.clock.nowMs())) * 1000n,
    });
    return promise;
  }

  /** Strongly consistent read on the primary (core client_read), then served from the partition. */
  read<R extends ReadRequest>(request: R): Promise<ReadResponseOf<R['kind']>> {
    if (this.state !== 'open') return Promise.reject(this.refusal('ERR_INVALID_STATE', `replica ${this.name} is ${this.state}`));
    if (this.reads.size >= HOST_PENDING_READS_MAX) {
      return Promise.reject(this.refusal('ERR_CAPACITY_EXCEEDED', `replica ${this.name} has ${this.reads.size} reads outstanding`));
    }
    const requestId = this.nextRequestId++;
    const promise = new Promise<ReadResponseOf<R['kind']>>((resolve, reject) => {
      this.reads.set(requestId, { request, resolve: resolve as (response: never) => void, reject });
    });
    this.step({ kind: 'client_read', requestId });
    return promise;
  }

  /** One-way: unknown ids are ignored. */
  clearScanner(contextId: bigint): void {
    if (this.state !== 'open') return;
    this.storage.partition.clearScanner({ kind: 'clear_scanner', contextId }).catch((error: unknown) => {
      this.say(`clearing scanner ${contextId} failed: ${(error as Error).message}`);
    });
  }

  info(): HostedReplicaInfo {
    const info = this.core.info();
    return {
      ...info,
      app: this.app,
      learning: this.importing || info.role === 'potential_secondary',
      logBytes: this.plog.stats().sizeBytes,
      prepareListDepth: Number(info.preparedDecree - info.committedDecree),
    };
  }

  /** What the expiry sweep did on this replica since it was opened (for metrics). */
  expirySweepTotals(): Readonly<ExpirySweepTotals> {
    return { ...this.sweepTotals };
  }

  /** The engine to back up from while this replica is an open primary; undefined otherwise. */
  primaryEngine(): KvEngine | undefined {
    return this.state === 'open' && !this.replacing && this.core.role === 'primary' ? this.storage.engine : undefined;
  }

  /** A learner's request for a chunk of this replica's checkpoint (LT_APP). */
  async serveCheckpointChunk(request: CheckpointChunkRequest): Promise<CheckpointChunkResponse> {
    if (request.gpid.appId !== this.gpid.appId || request.gpid.partitionIndex !== this.gpid.partitionIndex || this.state !== 'open') {
      return { error: 'ERR_OBJECT_NOT_FOUND', decree: request.decree, totalBytes: 0n, offset: request.offset, bytes: new Uint8Array(0) };
    }
    const response = await this.checkpoints.readChunk(request);
    if (response.error === 'ERR_OK' && this.state === 'open') {
      this.holdLogForLearner(request.decree);
      this.kick();
    }
    return response;
  }

  /** Stops schedules, finishes the Ready in progress, fails pending requests, closes engine and log. */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  /** close(), then delete the directory. */
  async destroy(): Promise<void> {
    await this.close();
    await rm(this.options.directory, { recursive: true, force: true });
  }

  // --- the loop ---

  private kick(): void {
    if (this.driving !== undefined || !this.core.hasReady()) return;
    // Started on a microtask so that `driving` is set before the loop runs any of its code.
    this.driving = Promise.resolve().then(() => this.drive()).finally(() => {
      this.driving = undefined;
      if (this.state !== 'closing' && this.state !== 'closed') this.kick();
    });
  }

  private async drive(): Promise<void> {
    while (this.core.hasReady() && this.state !== 'closing' && this.state !== 'closed') {
      // The core starts a fresh batch at advance(); what it produces while this one is performed
      // waits for the next turn, so batches are performed strictly in order.
      const ready = this.core.ready();
      this.core.advance(ready);
      let followUps: ReplicaInput[] = [];
      try {
        followUps = await this.perform(ready);
      } catch (error) {
        this.fail(`performing a batch failed: ${(error as Error).stack ?? String(error)}`);
      }
      for (const input of followUps) {
        if (this.state === 'open') this.core.step(input);
      }
    }
  }

  /** Performs one Ready in field order; returns the inputs to step afterwards. */
  private async perform(ready: Ready): Promise<ReplicaInput[]> {
    const followUps: ReplicaInput[] = [];
    const healthy = this.state === 'open';
    if (ready.ballotToPersist !== undefined && healthy) await this.persistBallot(ready.ballotToPersist);
    if (ready.discardState && healthy) await this.discard();
    if (ready.truncateLogAfter !== undefined && healthy) await this.plog.truncateAfter(ready.truncateLogAfter);
    if (ready.importCheckpoint !== undefined && healthy) {
      const imported = await this.importCheckpoint(ready.importCheckpoint.from, ready.importCheckpoint.decree);
      if (imported) followUps.push({ kind: 'checkpoint_imported', decree: ready.importCheckpoint.decree });
    }
    if (ready.appendToLog.length > 0 && healthy) this.append(ready.appendToLog);
    // A failed ballot write throws above, so nothing of this batch is sent then; a replica that
    // failed earlier skipped the ballot and sends nothing either.
    if (healthy) for (const envelope of ready.send) this.options.outbox.sendPeer(envelope.to, envelope.message);
    if (ready.apply.length > 0 && this.state === 'open') {
      await this.applyAll(ready.apply);
      followUps.push({ kind: 'applied', decree: (ready.apply.at(-1) as Mutation).decree });
    }
    for (const reply of ready.replyWrites) this.answerWrite(reply.requestId, reply.outcome);
    for (const reply of ready.replyReads) this.answerRead(reply.requestId, reply.outcome);
    if (healthy) for (const request of ready.requestsToMeta) this.options.outbox.requestConfigChange(request);
    for (const read of ready.readLog) {
      if (this.state !== 'open') break;
      this.holdLogForLearner(read.fromDecree - 1n);
      followUps.push({ kind: 'log_read', readId: read.readId, mutations: await this.readLog(read.fromDecree, read.toDecree) });
    }
    if (ready.takeCheckpoint || this.checkpointDueByDecrees()) this.startCheckpoint();
    if (ready.gcLogThrough !== undefined && this.state === 'open') this.collectLog(ready.gcLogThrough);
    if (ready.roleChanged !== undefined) this.say(`role ${ready.roleChanged} at ballot ${this.core.info().ballot}`);
    return followUps;
  }

  // --- Ready fields ---

  private async persistBallot(ballot: Ballot): Promise<void> {
    assert(ballot >= this.ballotPersisted, `ballot to persist ${ballot} is below the persisted ${this.ballotPersisted}`);
    await writeInitInfo(this.options.directory, { gpid: this.gpid, ballot, app: this.app });
    this.ballotPersisted = ballot;
  }

  private append(mutations: readonly Mutation[]): void {
    const epoch = this.appendEpoch;
    for (let start = 0; start < mutations.length; start += LOG_APPEND_RECORDS_MAX) {
      const slice = mutations.slice(start, start + LOG_APPEND_RECORDS_MAX);
      const last = slice.at(-1) as Mutation;
      const done = this.plog.append(slice.map(mutationToRecord));
      this.appendTail = done.catch(() => undefined);
      done.then(
        () => {
          if (epoch === this.appendEpoch && this.state === 'open') this.step({ kind: 'log_appended', ballot: last.ballot, decree: last.decree });
        },
        (error: unknown) => this.fail(`log append through ${last.decree} failed: ${(error as Error).message}`),
      );
    }
  }

  private async applyAll(mutations: readonly Mutation[]): Promise<void> {
    for (const mutation of mutations) {
      const requests = mutation.requests.map(decodeWritePayload);
      const result = await this.storage.partition.applyMutation({ decree: mutation.decree, timestampUs: mutation.timestampUs, requests });
      if (result.kind !== 'applied') continue;
      mutation.requests.forEach((payload, index) => {
        const pending = this.writesByPayload.get(payload);
        if (pending !== undefined) pending.response = result.responses[index];
      });
    }
  }

  private answerWrite(requestId: RequestId, outcome: Ready['replyWrites'][number]['outcome']): void {
    const pending = this.writes.get(requestId);
    if (pending === undefined) return;
    this.writes.delete(requestId);
    this.writesByPayload.delete(pending.payload);
    if (!outcome.ok) {
      pending.reject(this.refusal(outcome.code, `write refused by replica ${this.name}: ${outcome.code}`));
      return;
    }
    if (pending.response === undefined) {
      // The core acknowledges only what this replica applied; a missing response is a bug here.
      pending.reject(this.refusal('ERR_TIMEOUT', `write committed on ${this.name} but its response was not kept`));
      return;
    }
    pending.resolve(pending.response);
  }

  private answerRead(requestId: RequestId, outcome: Ready['replyReads'][number]['outcome']): void {
    const pending = this.reads.get(requestId);
    if (pending === undefined) return;
    this.reads.delete(requestId);
    if (!outcome.ok) {
      pending.reject(this.refusal(outcome.code, `read refused by replica ${this.name}: ${outcome.code}`));
      return;
    }
    // Served now, after this batch's applies; later batches wait for nothing here.
    this.storage.partition.read(pending.request).then(
      (response) => pending.resolve(response as never),
      (error: unknown) => pending.reject(error as Error),
    );
  }

  private async readLog(fromDecree: Decree, toDecree: Decree): Promise<Mutation[]> {
    const mutations: Mutation[] = [];
    let next: Decree | undefined = fromDecree;
    try {
      while (next !== undefined && next <= toDecree) {
        const batch = await this.plog.read({ fromDecree: next, toDecree });
        for (const record of batch.records) mutations.push(recordToMutation(record));
        next = batch.nextDecree;
      }
    } catch (error) {
      // Collected meanwhile: an incomplete answer makes the core tell the learner to try again.
      if (error instanceof LogStoreError && error.code === 'ERR_OBJECT_NOT_FOUND') return [];
      throw error;
    }
    return mutations;
  }

  /** Discards the app's data and the whole log: the replica is empty (decree 0), its ballot kept. */
  private async discard(): Promise<void> {
    this.say('discarding local state');
    await this.replaceStorage(undefined, 0n);
  }

  /**
   * Copies the checkpoint at `decree` from `from`, verifies it, and replaces the app's data with
   * it. Retries while the core still wants it; false when it gave up (the core learns again).
   */
  private async importCheckpoint(from: NodeId, decree: Decree): Promise<boolean> {
    this.importing = true;
    const path = join(this.paths.learn, `checkpoint.${decree}`);
    try {
      for (let attempt = 1; attempt <= HOST_CHECKPOINT_IMPORT_ATTEMPTS_MAX; attempt++) {
        if (attempt > 1) await this.afterTicks(HOST_CHECKPOINT_IMPORT_RETRY_TICKS);
        if (!this.wantsImport()) return false;
        await mkdir(this.paths.learn, { recursive: true });
        try {
          await copyCheckpoint({
            from, gpid: this.gpid, decree, path, chunkBytes: this.tuning.checkpointChunkBytes,
            timeoutMs: this.tuning.checkpointFetchTimeoutMs,
            fetch: (node, request, timeoutMs) => this.options.outbox.fetchCheckpointChunk(node, request, timeoutMs),
            stillWanted: () => this.wantsImport(),
          });
          const metadata = await verifyCheckpoint(path);
          if (metadata.decree !== decree) throw new Error(`checkpoint copied from ${from} is at decree ${metadata.decree}, not ${decree}`);
        } catch (error) {
          this.say(`checkpoint ${decree} from ${from}, attempt ${attempt}: ${(error as Error).message}`);
          continue;
        }
        // From here on a failure is local and fatal for the replica (replaceStorage throws).
        await this.replaceStorage(path, decree);
        this.say(`imported checkpoint ${decree} from ${from}`);
        return true;
      }
      return false;
    } finally {
      this.importing = false;
      await rm(this.paths.learn, { recursive: true, force: true });
    }
  }

  private afterTicks(ticks: number): Promise<void> {
    assert(this.retryWait === undefined, 'one retry wait at a time');
    return new Promise((resume) => {
      this.retryWait = { ticksLeft: ticks, resume };
    });
  }

  private endRetryWait(): void {
    const wait = this.retryWait;
    this.retryWait = undefined;
    wait?.resume();
  }

  private wantsImport(): boolean {
    return this.state === 'open' && this.core.role === 'potential_secondary';
  }

  /**
   * Replaces data/ with an empty engine or one filled from `checkpointPath`, and resets the log
   * to start after `decree`. The marker file makes a crash anywhere in between recover as empty.
   */
  private async replaceStorage(checkpointPath: string | undefined, decree: Decree): Promise<void> {
    this.appendEpoch++;
    this.replacing = true;
    try {
      await this.replaceStorageNow(checkpointPath, decree);
    } finally {
      this.replacing = false;
    }
  }

  private async replaceStorageNow(checkpointPath: string | undefined, decree: Decree): Promise<void> {
    await this.appendTail;
    await this.checkpointTask;
    await this.sweepTask;
    this.storageGeneration++;
    this.sweep = undefined;
    await writeFileDurably(this.paths.marker, new Uint8Array(0));
    await this.storage.close();
    await AppStorage.remove(this.paths.data);
    await this.checkpoints.clear();
    this.storage = await AppStorage.open(storageOptionsOf(this.options, this.paths), checkpointPath);
    assert(this.storage.partition.appliedDecree === decree, `replaced storage is at ${this.storage.partition.appliedDecree}, expected ${decree}`);
    await this.plog.reset(decree);
    await rm(this.paths.marker, { force: true });
    await syncDirectory(this.options.directory);
  }

  // --- checkpoints, log GC, expiry ---

  /**
   * Holds log GC at `decree` (the lowest asked for by any learner lately). Without it a primary
   * under write load checkpoints and collects its log while a learner copies a checkpoint, and the
   * learner, done importing, finds the log after it gone and must copy a checkpoint again.
   */
  private holdLogForLearner(decree: Decree): void {
    const held = this.learnerHold;
    const lowest = held === undefined || decree < held.decree ? decree : held.decree;
    this.learnerHold = { decree: lowest, idleTicks: 0 };
    if (held?.decree !== lowest) this.core.step({ kind: 'gc_bound', decree: lowest });
  }

  private releaseIdleLearnerHold(): void {
    const held = this.learnerHold;
    if (held === undefined || ++held.idleTicks < this.tuning.learnerGcHoldTicks) return;
    this.learnerHold = undefined;
    this.core.step({ kind: 'gc_bound', decree: undefined });
  }

  private checkpointDueByDecrees(): boolean {
    // While a learner is taught, no checkpoint of our own: it would supersede the one being copied.
    return this.state === 'open' && this.learnerHold === undefined &&
      this.storage.partition.appliedDecree - this.checkpoints.decree >= BigInt(this.tuning.checkpointEveryDecrees);
  }

  private runSchedules(): void {
    if (this.state !== 'open') return;
    const now = this.options.clock.monotonicMs();
    if (now - this.lastCheckpointMs >= this.tuning.checkpointIntervalMs && this.storage.partition.appliedDecree > this.checkpoints.decree &&
      this.learnerHold === undefined) {
      this.startCheckpoint();
    }
    if (now - this.lastSweepMs >= this.tuning.expirySweepIntervalMs && this.core.role === 'primary') {
      this.lastSweepMs = now;
      this.startSweepStep();
    }
  }

  /**
   * Takes a checkpoint in the background and reports it with checkpoint_taken. The engine is
   * synced after the export, so the durable decree is at least the checkpoint's: the log GC the
   * core derives from it never outruns what the engine keeps.
   */
  private startCheckpoint(): void {
    if (this.checkpointTask !== undefined || this.importing || this.replacing || this.state !== 'open') return;
    const generation = this.storageGeneration;
    const storage = this.storage;
    this.lastCheckpointMs = this.options.clock.monotonicMs();
    this.checkpointTask = (async () => {
      try {
        const decree = await this.checkpoints.take(storage.engine);
        await storage.makeDurable();
        if (generation === this.storageGeneration && this.state === 'open') this.step({ kind: 'checkpoint_taken', decree });
      } catch (error) {
        if (generation === this.storageGeneration) this.fail(`checkpoint failed: ${(error as Error).message}`);
      } finally {
        this.checkpointTask = undefined;
      }
    })();
  }

  /** Deletes log segments the core no longer needs, never past what the engine made durable. */
  private collectLog(through: Decree): void {
    const durable = this.storage.durableDecree;
    const bound = through < durable ? through : durable;
    if (bound <= 0n) return;
    this.plog.gcThrough(bound).catch((error: unknown) => this.fail(`log GC through ${bound} failed: ${(error as Error).message}`));
  }

  /**
   * One bounded expiry sweep step. Its clock never runs ahead of the last applied mutation's
   * timestamp: the write path judges expiry by mutation time, so deleting a record that a
   * not-yet-applied mutation would still see as live could make replicas decide differently.
   */
  private startSweepStep(): void {
    if (this.sweepTask !== undefined || this.importing || this.replacing) return;
    const partition = this.storage.partition;
    if (partition.lastAppliedTimestampUs === undefined) return;
    const generation = this.storageGeneration;
    if (this.sweep?.generation !== generation) {
      const clock = this.options.clock;
      const capped: Clock = {
        nowMs: () => Math.min(clock.nowMs(), Number((partition.lastAppliedTimestampUs ?? 0n) / 1000n)),
        monotonicMs: () => clock.monotonicMs(),
      };
      this.sweep = { generation, sweep: new ExpirySweep({ engine: this.storage.engine, clock: capped, writer: this.storage.lane }) };
    }
    const sweep = this.sweep.sweep;
    this.sweepTask = sweep.step().then(
      (step) => {
        this.sweepTotals.examined += step.examined;
        this.sweepTotals.deleted += step.deleted;
        this.sweepTotals.skipped += step.skipped;
        if (step.passComplete) this.sweepTotals.passesCompleted++;
      },
      (error: unknown) => {
        if (generation === this.storageGeneration) this.fail(`expiry sweep failed: ${(error as Error).message}`);
      },
    ).finally(() => {
      this.sweepTask = undefined;
    });
  }

  // --- failure and close ---

  /** A local IO failure: the replica goes to the error role; the process carries on. */
  private fail(reason: string): void {
    if (this.state !== 'open') return;
    this.state = 'failed';
    this.say(`local failure: ${reason}`);
    this.core.step({ kind: 'local_failure', reason });
    this.failPending('failed');
    this.kick();
  }

  private failPending(why: string): void {
    for (const pending of this.writes.values()) {
      // It may have been prepared and may still commit elsewhere: the outcome is unknown.
      pending.reject(this.refusal('ERR_TIMEOUT', `replica ${this.name} ${why} with the write outstanding`));
    }
    this.writes.clear();
    this.writesByPayload.clear();
    for (const pending of this.reads.values()) pending.reject(this.refusal('ERR_INVALID_STATE', `replica ${this.name} ${why}`));
    this.reads.clear();
  }

  private async closeNow(): Promise<void> {
    this.state = 'closing';
    this.endRetryWait();
    await this.driving;
    this.failPending('closed');
    await this.appendTail;
    await this.checkpointTask;
    await this.sweepTask;
    await this.plog.close().catch((error: unknown) => this.say(`closing the log: ${(error as Error).message}`));
    await this.storage.close().catch((error: unknown) => this.say(`closing the app storage: ${(error as Error).message}`));
    this.state = 'closed';
  }

  private refusal(code: ReplicaRefusal['code'], message: string): ReplicaRefusal {
    return new ReplicaRefusal(code, message);
  }

  private get name(): string {
    return `${this.gpid.appId}.${this.gpid.partitionIndex}`;
  }

  private say(line: string): void {
    this.options.log?.(`replica ${this.name}: ${line}`);
  }
}

function storageOptionsOf(options: ReplicaHostOptions, paths: Paths) {
  return {
    directory: paths.data,
    clock: options.clock,
    clusterId: options.clusterId ?? 0,
    partitionIndex: options.gpid.partitionIndex,
    partitionCount: options.app.partitionCount,
  };
}

/** Whether a directory looks like a replica's (the server reopens those at start). */
export async function isReplicaDirectory(directory: string): Promise<boolean> {
  try {
    return (await stat(join(directory, 'init-info.json'))).isFile();
  } catch {
    return false;
  }
}
