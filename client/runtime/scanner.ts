// A scanner over one or more partitions, one after another: get_scanner opens a context on the
// partition's primary, scan fetches the next batch with the latest context id (the server issues
// a new one every batch), -1 ends the partition. If the server lost the context (kNotFound, e.g.
// after a restart or a primary move), the scan starts over just after the last key received.
// close() sends clear_scanner to the server holding the context; a for-await loop that ends early
// closes the scanner.

import { clientRpcs } from '../../cluster/rpc/rpc-methods.ts';
import { SCAN_CONTEXT_ID_COMPLETED } from '../../cluster/storage/responses.ts';
import { StorageStatus } from '../../cluster/storage/status.ts';
import { CLIENT_SCAN_RESTARTS_MAX } from '../../common/limits.ts';
import type { ScanItem, ScanOptions, Scanner } from '../core/api-types.ts';
import { PegasusClientError, type OperationContext } from '../core/client-error.ts';
import type { Operation } from '../core/operation.ts';
import { storageFailure } from '../core/operation.ts';
import { partitionHashOf } from '../core/partition-hash.ts';
import type { Locator } from '../core/routing-table.ts';
import { resumeAfter, scanItems, type ScanPlan } from '../core/scan-requests.ts';
import type { GetScannerRequest, ScanRequest } from '../../cluster/storage/requests.ts';
import type { ResponseOf, RpcMethod } from '../../cluster/rpc/rpc-methods.ts';
import { budgetOf } from './budget.ts';
import type { Table } from './table.ts';

type ScanResponse = ResponseOf<typeof clientRpcs.scan>;

interface OpenContext {
  readonly id: bigint;
  readonly server: string;
}

type BatchOutcome =
  | { readonly kind: 'batch'; readonly items: ScanItem[]; readonly lastKey: Uint8Array | null; readonly contextId: bigint; readonly server: string }
  | { readonly kind: 'context_lost' };

export class PartitionScanner implements Scanner {
  private planIndex = 0;
  private open: OpenContext | null = null;
  private lastKey: Uint8Array | null = null;
  private restarts = 0;
  private closed = false;

  constructor(private readonly table: Table, private readonly plans: readonly (ScanPlan & { readonly hashKey?: Uint8Array })[], private readonly options: ScanOptions) {}

  async nextBatch(): Promise<readonly ScanItem[] | null> {
    for (;;) {
      const plan = this.plans[this.planIndex];
      if (this.closed || plan === undefined) return null;
      const outcome = await this.fetch(plan);
      if (outcome.kind === 'context_lost') {
        this.open = null;
        if (++this.restarts > CLIENT_SCAN_RESTARTS_MAX) {
          throw new PegasusClientError('kNotFound', `the server lost the scan context ${this.restarts} times`, plan.context);
        }
        continue;
      }
      if (outcome.lastKey !== null) this.lastKey = outcome.lastKey;
      if (outcome.contextId === SCAN_CONTEXT_ID_COMPLETED || outcome.contextId < 0n) {
        this.open = null;
        this.lastKey = null;
        this.planIndex++;
      } else {
        this.open = { id: outcome.contextId, server: outcome.server };
        // Closed while this batch was in flight: release the context the server just made.
        if (this.closed) await this.release(plan);
      }
      if (outcome.items.length > 0) return outcome.items;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const plan = this.plans[this.planIndex];
    if (plan !== undefined) await this.release(plan);
  }

  /** clear_scanner for the open context, if any (one-way: the server never answers it). */
  private async release(plan: ScanPlan): Promise<void> {
    const open = this.open;
    this.open = null;
    if (open !== null) this.table.sendOneWay(open.server, open.id, locatorOf(plan));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ScanItem> {
    try {
      for (;;) {
        const batch = await this.nextBatch();
        if (batch === null) return;
        yield* batch;
      }
    } finally {
      await this.close();
    }
  }

  private async fetch(plan: ScanPlan & { readonly hashKey?: Uint8Array }): Promise<BatchOutcome> {
    const budget = budgetOf(this.options, this.table.defaultTimeoutMs, this.table.clock, plan.context);
    const locator = locatorOf(plan);
    if (this.open === null) {
      const request = this.lastKey === null ? plan.request : resumeAfter(plan.request, this.lastKey);
      return this.table.run(batchOperation(clientRpcs.getScanner, request, plan.context, locator, false), budget);
    }
    const request: ScanRequest = { kind: 'scan', contextId: this.open.id };
    return this.table.run(batchOperation(clientRpcs.scan, request, plan.context, locator, true), budget);
  }
}

function batchOperation<Request extends GetScannerRequest | ScanRequest>(
  method: RpcMethod<Request, ScanResponse>, request: Request, context: OperationContext, locator: Locator, continuing: boolean,
): Operation<Request, ScanResponse, BatchOutcome> {
  return {
    context,
    method,
    request,
    locator,
    finish: (response, where) => {
      if (continuing && response.error === StorageStatus.notFound) return { kind: 'context_lost' };
      if (response.error !== StorageStatus.ok) {
        throw storageFailure(response.error, where, response.error === StorageStatus.incomplete ? 'the scan hit the server\'s time limit; retry later' : undefined);
      }
      return {
        kind: 'batch',
        items: scanItems(response.kvs, where),
        lastKey: response.kvs.at(-1)?.key ?? null,
        contextId: response.contextId,
        server: where.server ?? '',
      };
    },
  };
}

function locatorOf(plan: ScanPlan & { readonly hashKey?: Uint8Array }): Locator {
  if (plan.hashKey !== undefined) return { kind: 'hash', hash: partitionHashOf(plan.hashKey, new Uint8Array(0)) };
  return { kind: 'index', partitionIndex: plan.context.partitionIndex ?? 0 };
}
