// What each command prints: aligned text for people and JSON for scripts, from plain data. Pure.
import type { ClusterInfo, NodeInfo, TableConfig, TableInfo } from './meta-api.ts';

export interface Output {
  readonly text: string;
  readonly json: unknown;
}

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function alignedTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Bytes as a person reads them: UTF-8 text as is, except that backslashes, quotes and control
 * characters are escaped, and bytes that are not UTF-8 are shown as \xHH (as Pegasus's shell does).
 */
export function bytesText(bytes: Uint8Array): string {
  const decoded = decodeUtf8(bytes);
  if (decoded !== undefined) {
    // eslint-disable-next-line no-control-regex
    return `"${decoded.replace(/[\\"\u0000-\u001f\u007f]/g, (char) => (char === '\\' || char === '"' ? `\\${char}` : `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`))}"`;
  }
  let out = '"';
  for (const byte of bytes) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x5c && byte !== 0x22 ? String.fromCharCode(byte) : byte === 0x5c || byte === 0x22 ? `\\${String.fromCharCode(byte)}` : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** Bytes in JSON: a string when they are UTF-8, else `{"hex": "..."}`. */
export function bytesJson(bytes: Uint8Array): string | { readonly hex: string } {
  const decoded = decodeUtf8(bytes);
  if (decoded !== undefined) return decoded;
  return { hex: Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('') };
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function formatTables(tables: readonly TableInfo[], all: boolean, nowMs: number): Output {
  const shown = all ? tables : tables.filter((table) => table.status !== 'dropped');
  const rows = shown.map((table) => [
    String(table.appId),
    table.name,
    table.status,
    String(table.partitionCount),
    String(table.replicaCount),
    table.dropExpireAtMs === undefined ? '' : describeExpiry(table.dropExpireAtMs, nowMs),
  ]);
  const hasExpiry = rows.some((row) => row[5] !== '');
  const headers = ['app_id', 'name', 'status', 'partitions', 'replicas', ...(hasExpiry ? ['recallable'] : [])];
  const text = shown.length === 0
    ? (all ? 'no tables' : 'no tables (`pegasus ls --all` also lists dropped ones)')
    : `${alignedTable(headers, rows.map((row) => (hasExpiry ? row : row.slice(0, 5))))}\n\n${plural(shown.length, 'table')}`;
  return { text, json: { tables: shown } };
}

function describeExpiry(expireAtMs: number, nowMs: number): string {
  const seconds = Math.round((expireAtMs - nowMs) / 1000);
  return seconds > 0 ? `for ${seconds} s more` : 'no longer';
}

export function formatTableConfig(config: TableConfig): Output {
  const rows = config.partitions.map((partition) => [
    String(partition.index),
    String(partition.ballot),
    partition.primary === '' ? '-' : partition.primary,
    partition.secondaries.length === 0 ? '-' : partition.secondaries.join(','),
    String(partition.lastCommittedDecree),
    partition.healthy ? 'yes' : 'NO',
  ]);
  const healthy = config.partitions.filter((partition) => partition.healthy).length;
  const text = [
    `table ${config.name} (app_id ${config.appId}): ${config.status}, ${plural(config.partitionCount, 'partition')}, ${plural(config.replicaCount, 'replica')}`,
    '',
    alignedTable(['pidx', 'ballot', 'primary', 'secondaries', 'committed', 'healthy'], rows),
    '',
    `${healthy}/${config.partitions.length} partitions healthy`,
  ].join('\n');
  return { text, json: config };
}

export function formatNodes(nodes: readonly NodeInfo[]): Output {
  const rows = nodes.map((node) => [node.address, node.alive ? 'alive' : 'UNALIVE', String(node.primaries), String(node.secondaries), String(node.primaries + node.secondaries)]);
  const alive = nodes.filter((node) => node.alive).length;
  const text = nodes.length === 0
    ? 'no replica servers have reported to the meta server'
    : `${alignedTable(['address', 'status', 'primaries', 'secondaries', 'replicas'], rows)}\n\n${alive} alive, ${nodes.length - alive} unalive`;
  return { text, json: { nodes } };
}

export function formatClusterInfo(info: ClusterInfo, askedMeta: string): Output {
  const rows = [
    ['cluster', info.cluster],
    ['meta_servers', info.metas.join(',')],
    ['meta_leader', info.leader === '' ? '(none known)' : info.leader],
    ['answered_by', info.self === '' ? askedMeta : info.self],
    ['meta_level', info.level],
    ['tables', String(info.tables)],
    ['alive_nodes', String(info.nodes.alive)],
    ['unalive_nodes', String(info.nodes.dead)],
  ];
  return { text: alignedTable(['key', 'value'], rows).split('\n').slice(1).join('\n'), json: info };
}

export function formatDone(what: string, json: unknown): Output {
  return { text: what, json };
}

export function formatValue(value: Uint8Array | undefined): Output {
  if (value === undefined) return { text: '(not found)', json: { found: false } };
  return { text: bytesText(value), json: { found: true, value: bytesJson(value) } };
}

export interface Record3 {
  readonly hashKey: Uint8Array;
  readonly sortKey: Uint8Array;
  readonly value?: Uint8Array;
}

/** Rows of records; `more` says that the listing stopped at the limit with rows left. */
export function formatRecords(records: readonly Record3[], more: boolean, limit: number, withHashKey: boolean): Output {
  const rows = records.map((record) => [
    ...(withHashKey ? [bytesText(record.hashKey)] : []),
    bytesText(record.sortKey),
    record.value === undefined ? '' : bytesText(record.value),
  ]);
  const headers = [...(withHashKey ? ['hash_key'] : []), 'sort_key', ...(records.some((record) => record.value !== undefined) ? ['value'] : [])];
  const summary = `${plural(records.length, 'record')}${more ? ` shown; more remain (raise --max, now ${limit})` : ''}`;
  const text = records.length === 0 ? '0 records' : `${alignedTable(headers, rows.map((row) => row.slice(0, headers.length)))}\n\n${summary}`;
  return {
    text,
    json: {
      records: records.map((record) => ({
        ...(withHashKey ? { hashKey: bytesJson(record.hashKey) } : {}),
        sortKey: bytesJson(record.sortKey),
        ...(record.value === undefined ? {} : { value: bytesJson(record.value) }),
      })),
      more,
    },
  };
}

export function formatTtl(ttlSeconds: number | undefined): Output {
  if (ttlSeconds === undefined) return { text: '(not found)', json: { found: false } };
  if (ttlSeconds < 0) return { text: 'no ttl (never expires)', json: { found: true, ttlSeconds: -1 } };
  return { text: `${ttlSeconds} s`, json: { found: true, ttlSeconds } };
}

export interface CheckAndSetOutcome {
  readonly setSucceed: boolean;
  readonly checkValueReturned: boolean;
  readonly checkValueExist: boolean;
  readonly checkValue?: Uint8Array;
}

export function formatCheckAndSet(outcome: CheckAndSetOutcome): Output {
  const lines = [outcome.setSucceed ? 'set: the check passed and the value was written' : 'not set: the check failed'];
  if (outcome.checkValueReturned) {
    lines.push(outcome.checkValueExist && outcome.checkValue !== undefined ? `check value: ${bytesText(outcome.checkValue)}` : 'check value: (not found)');
  }
  return {
    text: lines.join('\n'),
    json: {
      setSucceed: outcome.setSucceed,
      ...(outcome.checkValueReturned
        ? { checkValueExist: outcome.checkValueExist, ...(outcome.checkValue === undefined ? {} : { checkValue: bytesJson(outcome.checkValue) }) }
        : {}),
    },
  };
}

export interface KeyPlacement {
  readonly table: string;
  readonly appId: number;
  readonly partitionCount: number;
  readonly partitionIndex: number;
  readonly partitionHash: bigint;
  readonly ballot: number;
  readonly primary: string;
  readonly secondaries: readonly string[];
}

export function formatPlacement(placement: KeyPlacement): Output {
  const rows = [
    ['app_id', String(placement.appId)],
    ['partition_index', `${placement.partitionIndex} of ${placement.partitionCount}`],
    ['gpid', `${placement.appId}.${placement.partitionIndex}`],
    ['partition_hash', `0x${placement.partitionHash.toString(16).padStart(16, '0')}`],
    ['ballot', String(placement.ballot)],
    ['primary', placement.primary === '' ? '-' : placement.primary],
    ['secondaries', placement.secondaries.length === 0 ? '-' : placement.secondaries.join(',')],
  ];
  return {
    text: alignedTable(['key', 'value'], rows).split('\n').slice(1).join('\n'),
    json: { ...placement, partitionHash: `0x${placement.partitionHash.toString(16).padStart(16, '0')}` },
  };
}

/** `--json` output: bigints as numbers when exact, else as strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'bigint') return item;
    return item <= BigInt(Number.MAX_SAFE_INTEGER) && item >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(item) : item.toString();
  }, 2);
}
