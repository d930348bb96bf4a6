// The requests of a scanner (reference/pegasus-api.md section 3.7), pure: the get_scanner request
// of a hash-key scan or of one partition of a full scan, the one that resumes after the server
// lost the context (from the last key received, exclusive), and scan results as items.

import type { GetScannerRequest, KeyValue } from '../../cluster/storage/requests.ts';
import { decodeKey, encodeKey, FULL_SCAN_START, FULL_SCAN_STOP, hashKeyStop } from '../../cluster/storage/key-schema.ts';
import { CLIENT_SCAN_BATCH_SIZE_DEFAULT, SCAN_BATCH_COUNT_MAX } from '../../common/limits.ts';
import type { ScanItem, ScanOptions } from './api-types.ts';
import { ownBytes, toBytes, type Bytes } from './bytes.ts';
import { PegasusClientError, type OperationContext } from './client-error.ts';
import { booleanOf, checkRequestSize, filterOf, hashKeyBytes, positiveIntegerOf } from './validate.ts';

export interface ScanPlan {
  readonly context: OperationContext;
  readonly request: GetScannerRequest;
}

/** Scans sort keys [startSortKey, stopSortKey) of one hash key; an empty stop means to its end. */
export function hashScanPlan(table: string, hashKey: Bytes, startSortKey: Bytes, stopSortKey: Bytes, options: ScanOptions = {}): ScanPlan & { readonly hashKey: Uint8Array } {
  const context: OperationContext = { table, operation: 'getScanner' };
  const hk = hashKeyBytes(hashKey, context, true);
  const start = toBytes(startSortKey, 'startSortKey', context);
  const stop = toBytes(stopSortKey, 'stopSortKey', context);
  const common = commonFields(options, context);
  checkRequestSize(2 * hk.length + start.length + stop.length + common.hashKeyFilterPattern.length + common.sortKeyFilterPattern.length, context);
  const stopIsEnd = stop.length === 0;
  return {
    hashKey: hk,
    context: { ...context, hashKey: hk },
    request: {
      ...common,
      startKey: encodeKey(hk, start),
      stopKey: stopIsEnd ? hashKeyStop(hk) : encodeKey(hk, stop),
      // "to the end" is the exclusive bound just past the hash key, whatever stopInclusive says.
      stopInclusive: stopIsEnd ? false : common.stopInclusive,
      validatePartitionHash: false,
      fullScan: false,
    },
  };
}

/** Scans every record of one partition (unordered scanners). */
export function fullScanPlan(table: string, partitionIndex: number, options: ScanOptions = {}): ScanPlan {
  const context: OperationContext = { table, operation: 'getUnorderedScanners', partitionIndex };
  return {
    context,
    request: {
      ...commonFields(options, context),
      startKey: FULL_SCAN_START,
      stopKey: FULL_SCAN_STOP,
      startInclusive: true,
      stopInclusive: false,
      validatePartitionHash: true,
      fullScan: true,
    },
  };
}

/** The request that carries on after `lastKey` (a composite key) once the server lost the context. */
export function resumeAfter(request: GetScannerRequest, lastKey: Uint8Array): GetScannerRequest {
  return { ...request, startKey: lastKey, startInclusive: false };
}

/** Scan results (composite keys) as items. A key that does not decode is the server's fault. */
export function scanItems(kvs: readonly KeyValue[], where: OperationContext): ScanItem[] {
  return kvs.map((kv) => {
    const decoded = decodeKey(ownBytes(kv.key));
    if (decoded === undefined) throw new PegasusClientError('ERR_INVALID_DATA', 'the server returned a malformed key in a scan', where, { retriable: false });
    return { hashKey: decoded.hashKey, sortKey: decoded.sortKey, value: ownBytes(kv.value) };
  });
}

function commonFields(options: ScanOptions, context: OperationContext) {
  const hashKeyFilter = filterOf(options.hashKeyFilter, 'hashKeyFilter', context);
  const sortKeyFilter = filterOf(options.sortKeyFilter, 'sortKeyFilter', context);
  return {
    kind: 'get_scanner' as const,
    startInclusive: booleanOf(options.startInclusive, 'startInclusive', context, true),
    stopInclusive: booleanOf(options.stopInclusive, 'stopInclusive', context, false),
    batchSize: positiveIntegerOf(options.batchSize, 'batchSize', SCAN_BATCH_COUNT_MAX, context, CLIENT_SCAN_BATCH_SIZE_DEFAULT),
    noValue: booleanOf(options.noValue, 'noValue', context, false),
    hashKeyFilterType: hashKeyFilter.type,
    hashKeyFilterPattern: hashKeyFilter.pattern,
    sortKeyFilterType: sortKeyFilter.type,
    sortKeyFilterPattern: sortKeyFilter.pattern,
    returnExpireTs: false,
    onlyReturnCount: false,
  };
}

