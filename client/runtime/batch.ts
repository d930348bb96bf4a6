// batchGet/batchSet/batchDel: one call per item, a bounded number in flight, all inside the
// batch's one deadline. Batches are not atomic: each item gets its own result or error.

import type { Clock } from '../../common/clock.ts';
import { CLIENT_BATCH_CONCURRENCY_MAX, CLIENT_BATCH_ITEMS_MAX } from '../../common/limits.ts';
import type { BatchResult, CallOptions } from '../core/api-types.ts';
import { invalidArgument, PegasusClientError, type OperationContext } from '../core/client-error.ts';
import { listOf } from '../core/validate.ts';
import { timeoutError, type Budget } from './budget.ts';

export async function runBatch<Item, Result>(
  context: OperationContext, items: readonly Item[], budget: Budget, clock: Clock, one: (item: Item, options: CallOptions) => Promise<Result>,
): Promise<BatchResult<Result>[]> {
  const list = listOf<Item>(items, 'items', 0, CLIENT_BATCH_ITEMS_MAX, context);
  const results: BatchResult<Result>[] = new Array(list.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const index = next++;
      const item = list[index] as Item;
      const remainingMs = budget.deadlineMs - clock.monotonicMs();
      try {
        if (remainingMs <= 0) throw timeoutError(context, budget);
        if (typeof item !== 'object' || item === null) throw invalidArgument(context, `items[${index}] must be an object`);
        const value = await one(item, { timeoutMs: remainingMs, ...(budget.signal === undefined ? {} : { signal: budget.signal }) });
        results[index] = { ok: true, value };
      } catch (error) {
        if (!(error instanceof PegasusClientError)) throw error;
        results[index] = { ok: false, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CLIENT_BATCH_CONCURRENCY_MAX, list.length) }, worker));
  return results;
}
