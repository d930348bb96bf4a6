// Data commands (set, get, scans, ...) through the client SDK, exactly as an application would
// call it; client errors become shell errors that keep the client's code and context.
import { SCAN_BATCH_COUNT_MAX } from '../../common/limits.ts';
import { createClient, PegasusClientError, type PegasusClient, type Scanner, type Table } from '../../client/node/index.ts';
import { CHECK_TYPES, type Command, type GlobalOptions } from './args.ts';
import {
  formatCheckAndSet, formatDone, formatRecords, formatTtl, formatValue, type Output, type Record3,
} from './format.ts';
import { ShellError } from './meta-http.ts';

export type DataCommand = Extract<Command, { kind: 'set' | 'get' | 'del' | 'exist' | 'ttl' | 'multi_set' | 'multi_get' | 'multi_del' | 'incr' | 'check_and_set' | 'count' | 'hash_scan' | 'full_scan' }>;

const encoder = new TextEncoder();

/** Reads up to `max` records from the scanners in turn; `more` when records were left unread. */
async function collect(scanners: readonly Scanner[], max: number, noValue: boolean): Promise<{ records: Record3[]; more: boolean }> {
  const records: Record3[] = [];
  try {
    for (const scanner of scanners) {
      for await (const item of scanner) {
        if (records.length === max) return { records, more: true };
        records.push(noValue ? { hashKey: item.hashKey, sortKey: item.sortKey } : item);
      }
    }
    return { records, more: false };
  } finally {
    await Promise.all(scanners.map((scanner) => scanner.close()));
  }
}

async function dataOn(table: Table, command: DataCommand): Promise<Output> {
  switch (command.kind) {
    case 'set':
      await table.set(command.hashKey, command.sortKey, command.value, { ttlSeconds: command.ttlSeconds });
      return formatDone('OK', { ok: true });
    case 'get':
      return formatValue((await table.get(command.hashKey, command.sortKey)) ?? undefined);
    case 'del':
      await table.del(command.hashKey, command.sortKey);
      return formatDone('OK', { ok: true });
    case 'exist': {
      const exists = await table.exist(command.hashKey, command.sortKey);
      return formatDone(exists ? 'true' : 'false', { exist: exists });
    }
    case 'ttl':
      return formatTtl((await table.ttl(command.hashKey, command.sortKey)) ?? undefined);
    case 'multi_set':
      await table.multiSet(command.hashKey, command.entries.map(([sortKey, value]) => ({ sortKey, value })), { ttlSeconds: command.ttlSeconds });
      return formatDone(`OK: ${command.entries.length} record${command.entries.length === 1 ? '' : 's'} written`, { ok: true, written: command.entries.length });
    case 'multi_get': {
      const options = { noValue: command.limits.noValue, maxFetchCount: command.limits.max };
      const result = command.sortKeys.length === 0
        ? await table.multiGet(command.hashKey, { start: '', stop: '' }, options)
        : await table.multiGet(command.hashKey, command.sortKeys, options);
      const hashKey = encoder.encode(command.hashKey);
      const records = result.values.map((entry) => (command.limits.noValue ? { hashKey, sortKey: entry.sortKey } : { hashKey, ...entry }));
      return formatRecords(records, !result.allFetched, command.limits.max, false);
    }
    case 'multi_del':
      await table.multiDel(command.hashKey, command.sortKeys);
      return formatDone(`OK: ${command.sortKeys.length} sort key${command.sortKeys.length === 1 ? '' : 's'} deleted`, { ok: true, deleted: command.sortKeys.length });
    case 'incr': {
      const value = await table.incr(command.hashKey, command.sortKey, command.increment, { ttlSeconds: command.ttlSeconds });
      return formatDone(value.toString(), { value });
    }
    case 'check_and_set': {
      const result = await table.checkAndSet(
        command.hashKey, command.checkSortKey, CHECK_TYPES[command.checkType], command.operand, command.setSortKey, command.value,
        { ttlSeconds: command.ttlSeconds, returnCheckValue: command.returnCheckValue },
      );
      return formatCheckAndSet({
        setSucceed: result.setSucceed,
        checkValueReturned: result.checkValueReturned,
        checkValueExist: result.checkValueExist,
        ...(result.checkValue === null ? {} : { checkValue: result.checkValue }),
      });
    }
    case 'count': {
      const count = await table.sortKeyCount(command.hashKey);
      return formatDone(count < 0 ? 'unknown: the server stopped counting at its 30 s limit' : String(count), { count });
    }
    case 'hash_scan': {
      const { max, noValue } = command.limits;
      const scanner = table.getScanner(command.hashKey, command.start, command.stop, { noValue, batchSize: Math.min(max + 1, SCAN_BATCH_COUNT_MAX) });
      const { records, more } = await collect([scanner], max, noValue);
      return formatRecords(records, more, max, false);
    }
    case 'full_scan': {
      const { max, noValue } = command.limits;
      const scanners = table.getUnorderedScanners(1, { noValue, batchSize: Math.min(max + 1, SCAN_BATCH_COUNT_MAX) });
      const { records, more } = await collect(scanners, max, noValue);
      return formatRecords(records, more, max, true);
    }
  }
}

function shellErrorOf(error: unknown, globals: GlobalOptions): unknown {
  if (!(error instanceof PegasusClientError)) return error;
  const unreachable = error.code === 'ERR_NETWORK_FAILURE' || error.code === 'ERR_TIMEOUT' || error.code === 'ERR_SESSION_RESET';
  return new ShellError(`${error.message}${unreachable ? ` (meta servers tried: ${globals.metas.join(', ')})` : ''}`);
}

/** Opens a client on the --meta servers, runs the command on its table, and closes the client. */
export async function runDataCommand(command: DataCommand, globals: GlobalOptions): Promise<Output> {
  let client: PegasusClient | undefined;
  try {
    client = createClient({ metaServers: globals.metas });
    const table = await client.openTable(command.table);
    return await dataOn(table, command);
  } catch (error) {
    throw shellErrorOf(error, globals);
  } finally {
    await client?.close();
  }
}
