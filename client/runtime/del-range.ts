// delRange as the Java client does it: scan the range without values and delete what was found
// with multiDel, 100 sort keys at a time, inside one deadline. Not atomic: on failure the error's
// context.nextSortKey is the first sort key not yet deleted.

import { CLIENT_DEL_RANGE_BATCH_COUNT } from '../../common/limits.ts';
import type { DelRangeOptions } from '../core/api-types.ts';
import type { Bytes } from '../core/bytes.ts';
import { PegasusClientError } from '../core/client-error.ts';
import { timeoutError } from './budget.ts';
import type { Table } from './table.ts';

export async function deleteRange(table: Table, hashKey: Bytes, startSortKey: Bytes, stopSortKey: Bytes, options: DelRangeOptions): Promise<number> {
  const budget = table.budget(options, 'delRange');
  const scanner = table.getScanner(hashKey, startSortKey, stopSortKey, {
    noValue: true,
    batchSize: CLIENT_DEL_RANGE_BATCH_COUNT,
    ...(options.startInclusive === undefined ? {} : { startInclusive: options.startInclusive }),
    ...(options.stopInclusive === undefined ? {} : { stopInclusive: options.stopInclusive }),
    ...(options.sortKeyFilter === undefined ? {} : { sortKeyFilter: options.sortKeyFilter }),
    timeoutMs: budget.timeoutMs,
    ...(budget.signal === undefined ? {} : { signal: budget.signal }),
  });
  let deleted = 0;
  try {
    for (;;) {
      const batch = await scanner.nextBatch();
      if (batch === null) return deleted;
      const sortKeys = batch.map((item) => item.sortKey);
      try {
        const remainingMs = budget.deadlineMs - table.clock.monotonicMs();
        if (remainingMs <= 0) throw timeoutError({ table: table.name, operation: 'delRange' }, budget);
        await table.multiDel(hashKey, sortKeys, { timeoutMs: remainingMs, ...(budget.signal === undefined ? {} : { signal: budget.signal }) });
      } catch (error) {
        if (!(error instanceof PegasusClientError) || sortKeys[0] === undefined) throw error;
        throw new PegasusClientError(error.code, error.message, { ...error.context, operation: 'delRange', nextSortKey: sortKeys[0] },
          { retriable: error.retriable, cause: error });
      }
      deleted += sortKeys.length;
    }
  } finally {
    await scanner.close();
  }
}
