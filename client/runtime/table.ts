// One open table: its routing (replaced whole on refresh) and every data operation. Each call is
// built by the pure builders in client/core, then sent by `run`, the retry loop:
//   route the request -> call the primary -> on failure, ask core/retry-policy what it means:
//   refresh the routing (single flight, spaced out) and/or retry after a backoff, all within the
//   call's deadline; anything else ends the call with a PegasusClientError carrying the context.

import type { Clock } from '../../common/clock.ts';
import type { Random } from '../../common/random.ts';
import { clientRpcs } from '../../cluster/rpc/rpc-methods.ts';
import { META_PARTITIONS_PER_TABLE_MAX } from '../../common/limits.ts';
import type {
  BatchResult, CallOptions, CheckAndMutateOptions, CheckAndMutateResult, CheckAndSetOptions, CheckAndSetResult, CheckType,
  CompareExchangeResult, DelRangeOptions, FullKey, FullKeyValue, IncrOptions, MultiGetOptions, MultiGetResult,
  MultiGetSortKeysResult, Mutation, ScanOptions, Scanner, SetOptions, SortKeyRange,
} from '../core/api-types.ts';
import type { Bytes } from '../core/bytes.ts';
import { PegasusClientError, type OperationContext } from '../core/client-error.ts';
import { checkAndMutateOperation, checkAndSetOperation, compareExchangeOperation } from '../core/check-operations.ts';
import {
  delOperation, getOperation, incrOperation, multiDelOperation, multiGetOperation, multiGetSortKeysOperation, multiSetOperation, setOperation, sortKeyCountOperation, ttlOperation,
} from '../core/data-operations.ts';
import type { BuildContext, Operation } from '../core/operation.ts';
import { backoffDelayMs, failureAction, RefreshGate, type ReplicaFailure } from '../core/retry-policy.ts';
import { RoutingTable, type Locator, type PartitionRoute } from '../core/routing-table.ts';
import { fullScanPlan, hashScanPlan } from '../core/scan-requests.ts';
import { TransportError, type Transport } from '../core/transport.ts';
import { positiveIntegerOf } from '../core/validate.ts';
import { epoch2016SecondsFromUnixMs } from '../../cluster/storage/value-schema.ts';
import { abortedError, budgetOf, gaveUpError, pause, type AttemptFailure, type Budget } from './budget.ts';
import type { MetaSession } from './meta-session.ts';
import { PartitionScanner } from './scanner.ts';
import { runBatch } from './batch.ts';
import { deleteRange } from './del-range.ts';

export interface TableRuntime {
  readonly transport: Transport;
  readonly meta: MetaSession;
  readonly clock: Clock;
  readonly random: Random;
  readonly timeoutMs: number;
}

/** An open table. Get one from `client.openTable(name)`. */
export class Table {
  private routingTable: RoutingTable;
  private readonly gate = new RefreshGate();
  private refreshing: Promise<void> | null = null;

  /** @internal Use client.openTable. */
  constructor(readonly name: string, routing: RoutingTable, private readonly runtime: TableRuntime) {
    this.routingTable = routing;
  }

  /** The table's app id, as the meta server assigned it. */
  get appId(): number {
    return this.routingTable.appId;
  }

  /** The table's partition count. */
  get partitionCount(): number {
    return this.routingTable.partitionCount;
  }

  /** Where a request routed by `locator` goes now (for tools and tests). */
  route(locator: Locator): PartitionRoute {
    return this.routingTable.route(locator);
  }

  /** Stores `value` under (hashKey, sortKey), replacing what was there. */
  set(hashKey: Bytes, sortKey: Bytes, value: Bytes, options?: SetOptions): Promise<void> {
    return this.execute((build) => setOperation(build, hashKey, sortKey, value, options), options);
  }

  /** The value under (hashKey, sortKey), or null when there is none (or it expired). */
  get(hashKey: Bytes, sortKey: Bytes, options?: CallOptions): Promise<Uint8Array | null> {
    return this.execute((build) => getOperation(build, hashKey, sortKey), options);
  }

  /** Deletes (hashKey, sortKey); deleting what does not exist succeeds. */
  del(hashKey: Bytes, sortKey: Bytes, options?: CallOptions): Promise<void> {
    return this.execute((build) => delOperation(build, hashKey, sortKey), options);
  }

  /** Stores several sort keys of one hash key atomically, with one TTL for all. */
  multiSet(hashKey: Bytes, entries: readonly { readonly sortKey: Bytes; readonly value: Bytes }[], options?: SetOptions): Promise<void> {
    return this.execute((build) => multiSetOperation(build, hashKey, entries, options), options);
  }

  /**
   * Reads several records of one hash key. Pass an array of sort keys (point form; an empty array
   * or undefined reads the whole hash key) or `{ start, stop }` (range form, [start, stop) by
   * default). `allFetched` is false when maxFetchCount, maxFetchSize or the server's caps stopped it.
   */
  multiGet(hashKey: Bytes, selection?: readonly Bytes[] | SortKeyRange, options?: MultiGetOptions): Promise<MultiGetResult> {
    return this.execute((build) => multiGetOperation(build, hashKey, selection, options), options);
  }

  /** The sort keys of one hash key, without values. */
  multiGetSortKeys(hashKey: Bytes, options?: Pick<MultiGetOptions, 'maxFetchCount' | 'maxFetchSize'> & CallOptions): Promise<MultiGetSortKeysResult> {
    return this.execute((build) => multiGetSortKeysOperation(build, hashKey, options), options);
  }

  /** Deletes several sort keys of one hash key atomically. */
  multiDel(hashKey: Bytes, sortKeys: readonly Bytes[], options?: CallOptions): Promise<void> {
    return this.execute((build) => multiDelOperation(build, hashKey, sortKeys), options);
  }

  /**
   * Deletes the sort keys of one hash key in [startSortKey, stopSortKey) (stop "" = to the end),
   * by scanning and deleting in batches of 100: not atomic. Resolves with the number deleted. On
   * failure the error's context.nextSortKey is the first key not yet deleted.
   */
  async delRange(hashKey: Bytes, startSortKey: Bytes, stopSortKey: Bytes, options: DelRangeOptions = {}): Promise<number> {
    return deleteRange(this, hashKey, startSortKey, stopSortKey, options);
  }

  /**
   * Adds `increment` to the int64 stored as decimal text under (hashKey, sortKey) (missing or
   * empty counts as 0) and resolves with the new value.
   */
  incr(hashKey: Bytes, sortKey: Bytes, increment: bigint | number, options?: IncrOptions): Promise<bigint> {
    return this.execute((build) => incrOperation(build, hashKey, sortKey, increment, options), options);
  }

  /**
   * Sets (hashKey, setSortKey) to setValue if the record (hashKey, checkSortKey) passes the check,
   * atomically. A failed check is not an error: setSucceed is false and nothing was written.
   */
  checkAndSet(
    hashKey: Bytes, checkSortKey: Bytes, checkType: CheckType, checkOperand: Bytes, setSortKey: Bytes, setValue: Bytes, options?: CheckAndSetOptions,
  ): Promise<CheckAndSetResult> {
    return this.execute((build) => checkAndSetOperation(build, hashKey, checkSortKey, checkType, checkOperand, setSortKey, setValue, options), options);
  }

  /** Applies `mutations` (sets and deletes of one hash key) atomically if the check passes. */
  checkAndMutate(
    hashKey: Bytes, checkSortKey: Bytes, checkType: CheckType, checkOperand: Bytes, mutations: readonly Mutation[], options?: CheckAndMutateOptions,
  ): Promise<CheckAndMutateResult> {
    return this.execute((build) => checkAndMutateOperation(build, hashKey, checkSortKey, checkType, checkOperand, mutations, options), options);
  }

  /** Sets `desired` if the current value equals `expected`; otherwise resolves with the actual value. */
  compareExchange(hashKey: Bytes, sortKey: Bytes, expected: Bytes, desired: Bytes, options?: SetOptions): Promise<CompareExchangeResult> {
    return this.execute((build) => compareExchangeOperation(build, hashKey, sortKey, expected, desired, options), options);
  }

  /** Whether (hashKey, sortKey) holds a record that has not expired. */
  async exist(hashKey: Bytes, sortKey: Bytes, options?: CallOptions): Promise<boolean> {
    return (await this.execute((build) => ttlOperation(build, hashKey, sortKey, 'exist'), options)) !== null;
  }

  /** Seconds until (hashKey, sortKey) expires: -1 when it has no TTL, null when it does not exist. */
  ttl(hashKey: Bytes, sortKey: Bytes, options?: CallOptions): Promise<number | null> {
    return this.execute((build) => ttlOperation(build, hashKey, sortKey), options);
  }

  /** The number of live records of one hash key; -1 when the server's 30 s iteration cap was hit. */
  sortKeyCount(hashKey: Bytes, options?: CallOptions): Promise<number> {
    return this.execute((build) => sortKeyCountOperation(build, hashKey), options);
  }

  /**
   * A scanner over the sort keys of one hash key in [startSortKey, stopSortKey) (stop "" = to the
   * end), in sort-key order, fetched in batches. timeoutMs applies to each batch.
   */
  getScanner(hashKey: Bytes, startSortKey: Bytes, stopSortKey: Bytes, options: ScanOptions = {}): Scanner {
    const plan = hashScanPlan(this.name, hashKey, startSortKey, stopSortKey, options);
    return new PartitionScanner(this, [plan], options);
  }

  /**
   * min(maxScannerCount, partitionCount) scanners that together cover the whole table, each over a share of
   * the partitions (in no particular key order). Use them in parallel.
   */
  getUnorderedScanners(maxScannerCount: number, options: ScanOptions = {}): Scanner[] {
    const context: OperationContext = { table: this.name, operation: 'getUnorderedScanners' };
    const count = this.partitionCount;
    const scanners = Math.min(count, positiveIntegerOf(maxScannerCount, 'maxScannerCount', META_PARTITIONS_PER_TABLE_MAX, context, 1));
    const groups: number[][] = Array.from({ length: scanners }, () => []);
    for (let index = 0; index < count; index++) groups[index % scanners]?.push(index);
    return groups.map((indices) => new PartitionScanner(this, indices.map((index) => fullScanPlan(this.name, index, options)), options));
  }

  /** Reads many records of any hash keys; each item gets its own result. */
  async batchGet(keys: readonly FullKey[], options?: CallOptions): Promise<BatchResult<Uint8Array | null>[]> {
    return runBatch({ table: this.name, operation: 'batchGet' }, keys, this.budget(options, 'batchGet'), this.runtime.clock, (key, itemOptions) => this.get(key.hashKey, key.sortKey, itemOptions));
  }

  /** Stores many records of any hash keys (not atomically); each item gets its own result. */
  async batchSet(items: readonly FullKeyValue[], options?: CallOptions): Promise<BatchResult<void>[]> {
    return runBatch({ table: this.name, operation: 'batchSet' }, items, this.budget(options, 'batchSet'), this.runtime.clock, (item, itemOptions) =>
      this.set(item.hashKey, item.sortKey, item.value, { ...itemOptions, ...(item.ttlSeconds === undefined ? {} : { ttlSeconds: item.ttlSeconds }) }));
  }

  /** Deletes many records of any hash keys (not atomically); each item gets its own result. */
  async batchDel(keys: readonly FullKey[], options?: CallOptions): Promise<BatchResult<void>[]> {
    return runBatch({ table: this.name, operation: 'batchDel' }, keys, this.budget(options, 'batchDel'), this.runtime.clock, (key, itemOptions) => this.del(key.hashKey, key.sortKey, itemOptions));
  }

  /** @internal Builds an operation with "now" and runs it with the retry loop. */
  execute<Request, Response, Result>(build: (context: BuildContext) => Operation<Request, Response, Result>, options: CallOptions | undefined): Promise<Result> {
    try {
      const operation = build({ table: this.name, now2016Seconds: epoch2016SecondsFromUnixMs(this.runtime.clock.nowMs()) });
      const budget = budgetOf(options, this.runtime.timeoutMs, this.runtime.clock, operation.context);
      return this.run(operation, budget);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** @internal The retry loop of one operation within `budget`. */
  async run<Request, Response, Result>(operation: Operation<Request, Response, Result>, budget: Budget): Promise<Result> {
    const { clock, random, transport } = this.runtime;
    let last: AttemptFailure | undefined;
    for (let attempts = 0; ;) {
      if (budget.signal?.aborted === true) throw abortedError(operation.context, budget.signal);
      const routing = this.routingTable;
      const route = routing.route(operation.locator);
      const where: OperationContext = { ...operation.context, partitionIndex: route.partitionIndex, ...(route.primary === '' ? {} : { server: route.primary }) };
      const remainingMs = budget.deadlineMs - clock.monotonicMs();
      if (remainingMs <= 0) throw gaveUpError(where, budget, attempts, last);
      let failure: ReplicaFailure;
      let cause: TransportError | undefined;
      if (route.primary === '') {
        failure = 'NO_PRIMARY';
      } else {
        try {
          const response = await transport.call(route.primary, operation.method, operation.request, {
            timeoutMs: remainingMs,
            routing: { appId: route.appId, partitionIndex: route.partitionIndex, partitionHash: partitionHashOf(operation.locator) },
            ...(budget.signal === undefined ? {} : { signal: budget.signal }),
          });
          return operation.finish(response, where);
        } catch (error) {
          if (!(error instanceof TransportError)) throw error;
          if (isAborted(budget.signal)) throw abortedError(where, budget.signal as AbortSignal);
          failure = error.code;
          cause = error;
        }
      }
      attempts++;
      // The attempt was given the rest of the deadline and used it: the failures before it say
      // more about why the call failed than the timeout does.
      if (failure === 'ERR_TIMEOUT') throw gaveUpError(where, budget, attempts, last);
      const code = failure === 'NO_PRIMARY' ? 'ERR_INVALID_STATE' : failure;
      const what = cause === undefined ? `partition ${route.partitionIndex} has no primary` : cause.reason;
      const action = failureAction(failure);
      if (action.refresh) await this.refresh(routing.version, budget);
      if (!action.retry) throw new PegasusClientError(code, what, where, { cause });
      last = { code, message: `${what} (from ${where.server ?? 'no server'})`, cause };
      const delayMs = backoffDelayMs({ attempts, remainingMs: budget.deadlineMs - clock.monotonicMs(), jitter: random.next() });
      if (delayMs === undefined) throw gaveUpError(where, budget, attempts, last);
      await pause(delayMs, budget.signal, where);
    }
  }

  /** @internal Sends a one-way request to `server` (clear_scanner). */
  sendOneWay(server: string, contextId: bigint, locator: Locator): void {
    const route = this.routingTable.route(locator);
    this.runtime.transport.send(server, clientRpcs.clearScanner, { kind: 'clear_scanner', contextId }, {
      timeoutMs: this.runtime.timeoutMs,
      routing: { appId: route.appId, partitionIndex: route.partitionIndex, partitionHash: partitionHashOf(locator) },
    });
  }

  /** @internal The budget of a call made of several requests. */
  budget(options: CallOptions | undefined, operation: string): Budget {
    return budgetOf(options, this.runtime.timeoutMs, this.runtime.clock, { table: this.name, operation });
  }

  /** @internal The default per-call timeout. */
  get defaultTimeoutMs(): number {
    return this.runtime.timeoutMs;
  }

  /** @internal */
  get clock(): Clock {
    return this.runtime.clock;
  }

  /** Asks the meta server for the table's routing again, unless that is already done or too soon. */
  private async refresh(versionUsed: number, budget: Budget): Promise<void> {
    const decision = this.gate.decide({ versionUsed, versionCurrent: this.routingTable.version, nowMs: this.runtime.clock.monotonicMs() });
    if (decision === 'already_newer' || decision === 'too_soon') return;
    if (decision === 'start') {
      this.gate.started(this.runtime.clock.monotonicMs());
      this.refreshing = this.queryRouting(budget).finally(() => {
        this.gate.finished();
        this.refreshing = null;
      });
    }
    await this.refreshing?.catch(() => undefined);
  }

  private async queryRouting(budget: Budget): Promise<void> {
    const context: OperationContext = { table: this.name, operation: 'refreshRouting' };
    const deadline: Budget = { timeoutMs: budget.timeoutMs, deadlineMs: budget.deadlineMs };
    const response = await this.runtime.meta.queryConfig(this.name, deadline, context);
    const built = RoutingTable.fromQueryConfig(this.name, response, this.routingTable.version + 1);
    if (built.ok) this.routingTable = built.table;
  }
}

/** The partition hash a request's header carries: the key's, or the partition index for full scans. */
function partitionHashOf(locator: Locator): bigint {
  return locator.kind === 'hash' ? locator.hash : BigInt(locator.partitionIndex);
}


function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
