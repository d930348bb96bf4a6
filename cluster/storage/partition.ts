// One partition's data over a KvEngine: the write path that replication calls on commit and the
// reads and scanners the primary serves.
//
// Writes. applyMutation applies every request of one mutation as ONE atomic engine write together
// with the applied-decree bookkeeping. Rules:
// - decree <= applied decree: nothing changes; the result is 'already_applied' (replay after a
//   restart, or a duplicate delivery).
// - decree == applied + 1: applied. Anything else is a programmer error (replication commits
//   contiguously; learning replaces the engine's contents through a checkpoint and reopens).
// - Requests run in order and each sees the effects of the earlier ones. A request that is refused
//   (bad argument, failed check, parse failure, overflow) gets its error response and stages
//   nothing; the others still apply and the decree is consumed, as in Pegasus.
// - "Now" for expiry on the write path and the timetag come from the mutation's timestamp, so all
//   replicas decide alike. Writes run one at a time in call order, each inside the engine's
//   exclusive write turn (options.writer, shared with the expiry sweep when there is one).
// - An engine failure rejects the promise; the applied decree is then unchanged and the caller
//   must treat the replica as failed.
//
// Reads use the injected Clock for "now" (2016-epoch seconds); expired records are invisible.

import { assert, assertNever } from '../../common/assert.ts';
import type { Clock } from '../../common/clock.ts';
import { SCAN_CONTEXT_IDLE_MS, SCAN_CONTEXTS_PER_PARTITION_MAX } from '../../common/limits.ts';
import { appliedDecreeOp, DATA_VERSION_KEY, APPLIED_DECREE_KEY, decodeDecree } from './bookkeeping.ts';
import type { KvEngine } from './engine.ts';
import { IterationDeadline } from './iteration-deadline.ts';
import { readMultiGet } from './multi-get.ts';
import { readBatchGet, readGet, readSortkeyCount, readTtl } from './read-ops.ts';
import type {
  BatchGetRequest, ClearScannerRequest, GetRequest, GetScannerRequest, MultiGetRequest, ReadRequest, ScanRequest,
  SortkeyCountRequest, TtlRequest, WriteRequest,
} from './requests.ts';
import type {
  BatchGetResponse, CountResponse, MultiGetResponse, ReadResponse, ReadResponseOf, ScanResponse, TtlResponse,
  WriteResponse,
} from './responses.ts';
import { SCAN_CONTEXT_ID_COMPLETED } from './responses.ts';
import { readScanBatch, scanBounds, scanSettings } from './scan-batch.ts';
import { ScanContextTable } from './scan-contexts.ts';
import type { ScanContext } from './scan-contexts.ts';
import { StorageStatus } from './status.ts';
import type { StorageError } from './status.ts';
import { validateReadRequest, validateWriteRequest } from './validate-request.ts';
import { CLUSTER_ID_MAX, DATA_VERSION, epoch2016SecondsFromUnixMs, EPOCH_2016_UNIX_SECONDS, makeTimetag } from './value-schema.ts';
import { WriteOverlay } from './write-overlay.ts';
import { EntryReader } from './entry-reader.ts';
import { decodeDataVersion, encodeDataVersion } from './data-version.ts';
import { errorResponse, planWrite } from './write-ops.ts';

export interface PartitionOptions {
  /** Wall clock for expiry on reads; monotonic clock for scan-context idleness. */
  readonly clock: Clock;
  /** The duplication cluster id put into timetags (0..127). Default 0. */
  readonly clusterId?: number;
  /** For validate_partition_hash. Default 0. */
  readonly partitionIndex?: number;
  /** The table's partition count, a power of two. Default 1. */
  readonly partitionCount?: number;
  readonly scanContextsMax?: number;
  readonly scanContextIdleMs?: number;
  /**
   * The engine's exclusive write turn, when other writers share the engine (the expiry sweep's
   * WriteLane): every mutation is applied inside one turn, so nothing else writes between its
   * reads and its write. Default: a turn of this partition's own.
   */
  readonly writer?: ExclusiveWriteTurn;
}

/** Runs tasks one at a time in arrival order (structurally a WriteLane). */
export interface ExclusiveWriteTurn {
  exclusive<T>(task: () => Promise<T>): Promise<T>;
}

/** What replication hands over on commit. */
export interface Mutation {
  readonly decree: bigint;
  /** The mutation's timestamp in microseconds since the Unix epoch. */
  readonly timestampUs: bigint;
  /** May be empty: an empty mutation only advances the applied decree. */
  readonly requests: readonly WriteRequest[];
}

export type ApplyResult =
  | { readonly kind: 'applied'; readonly decree: bigint; readonly responses: readonly WriteResponse[] }
  | { readonly kind: 'already_applied'; readonly decree: bigint; readonly appliedDecree: bigint };

export class Partition {
  private decreeApplied: bigint;
  private readonly writer: ExclusiveWriteTurn;
  /** Settles after the last mutation handed to the writer; close() waits for it. */
  private lastApply: Promise<unknown> = Promise.resolve();
  private timestampUsApplied: bigint | undefined;
  private partitionCountValue: number;
  private readonly scanContexts: ScanContextTable;
  private closed = false;

  private constructor(
    private readonly engine: KvEngine,
    private readonly options: PartitionOptions,
    appliedDecree: bigint,
    readonly dataVersion: number,
  ) {
    this.decreeApplied = appliedDecree;
    this.partitionCountValue = options.partitionCount ?? 1;
    this.writer = options.writer ?? new OwnWriteTurn();
    this.scanContexts = new ScanContextTable(options.clock, {
      contextsMax: options.scanContextsMax ?? SCAN_CONTEXTS_PER_PARTITION_MAX,
      idleMs: options.scanContextIdleMs ?? SCAN_CONTEXT_IDLE_MS,
    });
  }

  /**
   * Opens the partition over `engine`: reads the applied decree and data version from the
   * bookkeeping keys. A fresh engine gets data version 1 written. The engine stays the caller's to
   * close.
   */
  static async open(engine: KvEngine, options: PartitionOptions): Promise<Partition> {
    checkOptions(options);
    const [decreeBytes, versionBytes] = await engine.getMany([APPLIED_DECREE_KEY, DATA_VERSION_KEY]);
    const appliedDecree = decodeDecree(decreeBytes);
    if (versionBytes === undefined) {
      if (appliedDecree !== 0n) {
        throw new Error(`storage has applied decree ${appliedDecree} but no data version: not a partition's engine`);
      }
      const write = () => engine.write([{ kind: 'put', key: DATA_VERSION_KEY, value: encodeDataVersion(DATA_VERSION) }]);
      await (options.writer !== undefined ? options.writer.exclusive(write) : write());
      return new Partition(engine, options, appliedDecree, DATA_VERSION);
    }
    const dataVersion = decodeDataVersion(versionBytes);
    if (dataVersion !== DATA_VERSION) {
      throw new Error(`storage data version is ${dataVersion}; this server reads version ${DATA_VERSION} only`);
    }
    return new Partition(engine, options, appliedDecree, dataVersion);
  }

  get appliedDecree(): bigint {
    return this.decreeApplied;
  }

  /**
   * The timestamp of the last mutation applied since open (undefined before the first). The write
   * path judges expiry by mutation time, so a physical expiry sweep that never runs ahead of this
   * cannot make replicas decide differently.
   */
  get lastAppliedTimestampUs(): bigint | undefined {
    return this.timestampUsApplied;
  }

  get partitionCount(): number {
    return this.partitionCountValue;
  }

  /** After a partition split the table's count doubles; validate_partition_hash follows it. */
  setPartitionCount(count: number): void {
    checkPartitionIndex(this.options.partitionIndex ?? 0, count);
    this.partitionCountValue = count;
  }

  /** For the primary, before a write enters replication: stateless checks only. */
  validateWrite(request: WriteRequest): StorageError | undefined {
    return validateWriteRequest(request);
  }

  applyMutation(mutation: Mutation): Promise<ApplyResult> {
    const run = this.writer.exclusive(() => this.applyNow(mutation));
    this.lastApply = run.catch(() => undefined);
    return run;
  }

  private async applyNow(mutation: Mutation): Promise<ApplyResult> {
    this.checkOpen();
    const { decree } = mutation;
    if (decree <= this.decreeApplied) return { kind: 'already_applied', decree, appliedDecree: this.decreeApplied };
    assert(decree === this.decreeApplied + 1n, `decree ${decree} does not follow applied decree ${this.decreeApplied}`);
    assert(mutation.timestampUs >= 0n, `mutation timestamp ${mutation.timestampUs} is negative`);
    const overlay = new WriteOverlay(this.engine);
    const context = {
      decree,
      timetag: makeTimetag(mutation.timestampUs, this.options.clusterId ?? 0, false),
      now2016Seconds: Number(mutation.timestampUs / 1_000_000n) - EPOCH_2016_UNIX_SECONDS,
      read: (key: Uint8Array) => overlay.get(key),
    };
    const responses: WriteResponse[] = [];
    for (const request of mutation.requests) {
      const plan = await planWrite(request, context);
      overlay.stage(plan.ops);
      responses.push(plan.response);
    }
    await this.engine.write([...overlay.ops(), appliedDecreeOp(decree)]);
    this.decreeApplied = decree;
    this.timestampUsApplied = mutation.timestampUs;
    return { kind: 'applied', decree, responses };
  }

  /** Serves any read; the response type follows the request's kind. */
  async read<R extends ReadRequest>(request: R): Promise<ReadResponseOf<R['kind']>> {
    const response = await this.dispatchRead(request);
    return response as ReadResponseOf<R['kind']>;
  }

  private dispatchRead(request: ReadRequest): Promise<ReadResponseOf<ReadRequest['kind']>> {
    switch (request.kind) {
      case 'get': return this.get(request);
      case 'multi_get': return this.multiGet(request);
      case 'batch_get': return this.batchGet(request);
      case 'sortkey_count': return this.sortkeyCount(request);
      case 'ttl': return this.ttl(request);
      case 'get_scanner': return this.getScanner(request);
      case 'scan': return this.scan(request);
      default: return assertNever(request, 'read request');
    }
  }

  async get(request: GetRequest): Promise<ReadResponse> {
    const invalid = this.checkRead(request);
    if (invalid !== undefined) return { kind: 'read_response', error: invalid.status, message: invalid.message, value: EMPTY };
    return readGet(this.engine, request, this.now());
  }

  async multiGet(request: MultiGetRequest): Promise<MultiGetResponse> {
    const invalid = this.checkRead(request);
    if (invalid !== undefined) return { kind: 'multi_get_response', error: invalid.status, message: invalid.message, kvs: [] };
    return readMultiGet(this.engine, request, this.now(), new IterationDeadline(this.options.clock));
  }

  async batchGet(request: BatchGetRequest): Promise<BatchGetResponse> {
    const invalid = this.checkRead(request);
    if (invalid !== undefined) return { kind: 'batch_get_response', error: invalid.status, message: invalid.message, data: [] };
    return readBatchGet(this.engine, request, this.now());
  }

  async sortkeyCount(request: SortkeyCountRequest): Promise<CountResponse> {
    const invalid = this.checkRead(request);
    if (invalid !== undefined) return { kind: 'count_response', error: invalid.status, message: invalid.message, count: 0n };
    return readSortkeyCount(this.engine, request, this.now(), new IterationDeadline(this.options.clock));
  }

  async ttl(request: TtlRequest): Promise<TtlResponse> {
    const invalid = this.checkRead(request);
    if (invalid !== undefined) return { kind: 'ttl_response', error: invalid.status, message: invalid.message, ttlSeconds: 0 };
    return readTtl(this.engine, request, this.now());
  }

  async getScanner(request: GetScannerRequest): Promise<ScanResponse> {
    const invalid = this.checkRead(request);
    if (invalid !== undefined) return scanFailure(invalid);
    await this.sweepScanContexts();
    const settings = scanSettings(request);
    const bounds = scanBounds(request);
    if (bounds === undefined) {
      return { kind: 'scan_response', error: StorageStatus.ok, kvs: [], contextId: SCAN_CONTEXT_ID_COMPLETED, ...countField(settings.onlyReturnCount, 0) };
    }
    return this.continueScan({ reader: new EntryReader(this.engine.iterator(bounds)), settings });
  }

  async scan(request: ScanRequest): Promise<ScanResponse> {
    this.checkOpen();
    const context = this.scanContexts.take(request.contextId);
    await this.sweepScanContexts();
    if (context === undefined) {
      return scanFailure({
        status: StorageStatus.notFound,
        message: `scan context ${request.contextId} not found: expired, evicted, finished or already used`,
      });
    }
    return this.continueScan(context);
  }

  /** One-way: never answered. Unknown ids are ignored. */
  async clearScanner(request: ClearScannerRequest): Promise<void> {
    this.checkOpen();
    const context = this.scanContexts.take(request.contextId);
    if (context !== undefined) await context.reader.iterator.close();
    await this.sweepScanContexts();
  }

  private async continueScan(context: ScanContext): Promise<ScanResponse> {
    let batch;
    try {
      batch = await readScanBatch(context, this.now(), { partitionIndex: this.options.partitionIndex ?? 0, partitionCount: this.partitionCountValue });
    } catch (error) {
      await context.reader.iterator.close();
      throw error;
    }
    if (!('kvs' in batch)) {
      await context.reader.iterator.close();
      return scanFailure(batch);
    }
    const countFields = countField(context.settings.onlyReturnCount, batch.count);
    if (batch.exhausted) {
      await context.reader.iterator.close();
      return { kind: 'scan_response', error: StorageStatus.ok, kvs: batch.kvs, contextId: SCAN_CONTEXT_ID_COMPLETED, ...countFields };
    }
    if (this.closed) {
      await context.reader.iterator.close();
      return scanFailure({ status: StorageStatus.notFound, message: 'partition closed during the scan' });
    }
    const { id, evicted } = this.scanContexts.put(context);
    await closeAll(evicted);
    return { kind: 'scan_response', error: StorageStatus.ok, kvs: batch.kvs, contextId: id, ...countFields };
  }

  /** Closes scan contexts idle longer than the limit; returns how many. */
  async sweepScanContexts(): Promise<number> {
    const removed = this.scanContexts.sweep();
    await closeAll(removed);
    return removed.length;
  }

  get scanContextCount(): number {
    return this.scanContexts.size;
  }

  /** Closes every scan context. The engine stays open: it is the caller's. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.lastApply;
    await closeAll(this.scanContexts.removeAll());
  }

  private checkRead(request: ReadRequest): StorageError | undefined {
    this.checkOpen();
    return validateReadRequest(request);
  }

  private now(): number {
    return epoch2016SecondsFromUnixMs(this.options.clock.nowMs());
  }

  private checkOpen(): void {
    assert(!this.closed, 'partition is closed');
  }
}

/**
 * The response for a write the primary refuses before it enters replication (validateWrite found
 * it bad): no decree was assigned, so decree is -1, as Pegasus answers.
 */
export function rejectedWriteResponse(request: WriteRequest, error: StorageError): WriteResponse {
  return errorResponse(request, -1n, error);
}

class OwnWriteTurn implements ExclusiveWriteTurn {
  private tail: Promise<unknown> = Promise.resolve();

  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

function checkOptions(options: PartitionOptions): void {
  const clusterId = options.clusterId ?? 0;
  assert(Number.isInteger(clusterId) && clusterId >= 0 && clusterId <= CLUSTER_ID_MAX, `cluster id ${clusterId} is not in 0..${CLUSTER_ID_MAX}`);
  checkPartitionIndex(options.partitionIndex ?? 0, options.partitionCount ?? 1);
}

function checkPartitionIndex(index: number, count: number): void {
  assert(Number.isInteger(count) && count >= 1 && count <= 2 ** 30 && (count & (count - 1)) === 0, `partition count ${count} is not a power of two`);
  assert(Number.isInteger(index) && index >= 0 && index < count, `partition index ${index} is outside 0..${count - 1}`);
}

function countField(onlyReturnCount: boolean, count: number): { kvCount?: number } {
  return onlyReturnCount ? { kvCount: count } : {};
}

/** A failed scan carries no kv_count, as Pegasus answers before counting. */
function scanFailure(error: StorageError): ScanResponse {
  return { kind: 'scan_response', error: error.status, message: error.message, kvs: [], contextId: SCAN_CONTEXT_ID_COMPLETED };
}

async function closeAll(contexts: readonly ScanContext[]): Promise<void> {
  for (const context of contexts) await context.reader.iterator.close();
}

const EMPTY = new Uint8Array(0);
