// Every `pegasus` command's usage, summary, example, options and the builder that turns its
// arguments into a typed command (throwing UsageError naming what is wrong). Pure.
import type { ParseArgsConfig } from 'node:util';
import { SHELL_SCAN_ROWS_DEFAULT, SHELL_SCAN_ROWS_MAX, SHELL_SORT_KEYS_MAX } from '../../common/limits.ts';
import {
  ONEBOX_DIR_OPTION, ONEBOX_START_OPTIONS, OneboxOptionError, oneboxDirFrom, oneboxOptionsFrom, type RawValues,
} from '../onebox/options.ts';
import {
  CHECK_TYPES, META_LEVELS, UsageError, type CheckTypeName, type Command, type MetaLevel, type PointCommand, type PointKind, type ScanLimits,
} from './command.ts';
import { BACKUP_COMMAND_SPECS } from './backup-commands.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  readonly usage: string;
  readonly summary: string;
  readonly example: string;
  readonly options: Options;
  build(positionals: readonly string[], values: RawValues): Command;
}

const TTL_OPTION = { ttl: { type: 'string', short: 'l' } } as const satisfies Options;
const SCAN_OPTIONS = { max: { type: 'string', short: 'n' }, 'no-value': { type: 'boolean', short: 'i' } } as const satisfies Options;

function positionals(name: string, given: readonly string[], names: readonly string[], optional: readonly string[] = []): string[] {
  if (given.length < names.length) {
    throw new UsageError(`${name}: missing <${names[given.length] ?? ''}>`, name);
  }
  if (given.length > names.length + optional.length) {
    throw new UsageError(`${name}: unexpected argument "${given[names.length + optional.length] ?? ''}"`, name);
  }
  return [...given];
}

function text(values: RawValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A whole number within [min, max], or a UsageError naming the option. */
export function wholeNumber(command: string, what: string, raw: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${command}: ${what} must be a whole number from ${min} to ${max}, got "${raw}"`, command);
  }
  return value;
}

function ttlOf(command: string, values: RawValues): number {
  const raw = text(values, 'ttl');
  return raw === undefined ? 0 : wholeNumber(command, '--ttl (seconds, 0 = never expires)', raw, 0, 2 ** 31 - 1);
}

function limitsOf(command: string, values: RawValues): ScanLimits {
  const raw = text(values, 'max');
  const max = raw === undefined ? SHELL_SCAN_ROWS_DEFAULT : wholeNumber(command, '--max', raw, 1, SHELL_SCAN_ROWS_MAX);
  return { max, noValue: values['no-value'] === true };
}

function tableName(command: string, raw: string): string {
  if (raw.trim() === '') throw new UsageError(`${command}: <table> must not be empty`, command);
  return raw;
}

function hashKeyOf(command: string, raw: string): string {
  if (new TextEncoder().encode(raw).length >= 0xffff) {
    throw new UsageError(`${command}: <hash_key> must be shorter than 65535 bytes`, command);
  }
  return raw;
}

function point(kind: PointKind, summary: string, example: string): CommandSpec {
  return {
    usage: `${kind} <table> <hash_key> <sort_key>`,
    summary,
    example,
    options: {},
    build(given) {
      const [table = '', hashKey = '', sortKey = ''] = positionals(kind, given, ['table', 'hash_key', 'sort_key']);
      const command: PointCommand<PointKind> = { kind, table: tableName(kind, table), hashKey: hashKeyOf(kind, hashKey), sortKey };
      return command as Command;
    },
  };
}

function onebox(positional: readonly string[], values: RawValues, cwd: string): Command {
  const [action, ...rest] = positional;
  if (rest.length > 0) throw new UsageError(`onebox: unexpected argument "${rest[0] ?? ''}"`, 'onebox');
  try {
    switch (action) {
      case 'start':
        return { kind: 'onebox_start', options: oneboxOptionsFrom(values, cwd), foreground: values['foreground'] === true };
      case 'stop':
      case 'clean':
        for (const name of Object.keys(values)) {
          if (name !== 'dir' && values[name] !== undefined) throw new UsageError(`onebox ${action}: --${name} only applies to onebox start`, 'onebox');
        }
        return { kind: action === 'stop' ? 'onebox_stop' : 'onebox_clean', dir: oneboxDirFrom(values, cwd) };
      case undefined:
        throw new UsageError('onebox: missing start, stop or clean', 'onebox');
      default:
        throw new UsageError(`onebox: unknown action "${action}"; expected start, stop or clean`, 'onebox');
    }
  } catch (error) {
    if (error instanceof OneboxOptionError) throw new UsageError(`onebox ${action ?? ''}: ${error.message}`, 'onebox');
    throw error;
  }
}

/** Every command, in the order `pegasus help` lists them. */
export function commandSpecs(cwd: string): Readonly<Record<string, CommandSpec>> {
  return {
    onebox: {
      usage: 'onebox start [--metas 1|3 --zk] [--base-port N] [--dir D] [--fsync always|never] [--foreground] | onebox stop [--dir D] | onebox clean [--dir D]',
      summary: 'start (in the background unless --foreground), stop, or remove a local cluster of 1 or 3 meta and 3 replica servers',
      example: 'pegasus onebox start',
      options: { ...ONEBOX_START_OPTIONS, ...ONEBOX_DIR_OPTION },
      build: (given, values) => onebox(given, values, cwd),
    },
    ls: {
      usage: 'ls [-a|--all]',
      summary: 'list tables (with --all also dropped ones)',
      example: 'pegasus ls',
      options: { all: { type: 'boolean', short: 'a' } },
      build(given, values) {
        positionals('ls', given, []);
        return { kind: 'ls', all: values['all'] === true };
      },
    },
    create: {
      usage: 'create <table> [-p|--partitions N] [-r|--replicas N]',
      summary: 'create a table (partition count a power of two, default 4; 3 replicas)',
      example: 'pegasus create usertable -p 8 -r 3',
      options: { partitions: { type: 'string', short: 'p' }, replicas: { type: 'string', short: 'r' } },
      build(given, values) {
        const [table = ''] = positionals('create', given, ['table']);
        const partitionsText = text(values, 'partitions');
        const partitionCount = partitionsText === undefined ? 4 : wholeNumber('create', '--partitions', partitionsText, 1, 1 << 16);
        if ((partitionCount & (partitionCount - 1)) !== 0) {
          throw new UsageError(`create: --partitions must be a power of two, got ${partitionCount}`, 'create');
        }
        const replicasText = text(values, 'replicas');
        const replicaCount = replicasText === undefined ? 3 : wholeNumber('create', '--replicas', replicasText, 1, 9);
        return { kind: 'create', table: tableName('create', table), partitionCount, replicaCount };
      },
    },
    drop: {
      usage: 'drop <table> [--reserve-seconds N]',
      summary: 'drop a table softly: recallable until the reserve time passes',
      example: 'pegasus drop usertable --reserve-seconds 3600',
      options: { 'reserve-seconds': { type: 'string', short: 'r' } },
      build(given, values) {
        const [table = ''] = positionals('drop', given, ['table']);
        const raw = text(values, 'reserve-seconds');
        return {
          kind: 'drop',
          table: tableName('drop', table),
          ...(raw === undefined ? {} : { reserveSeconds: wholeNumber('drop', '--reserve-seconds', raw, 0, 2 ** 31 - 1) }),
        };
      },
    },
    recall: {
      usage: 'recall <app_id> [new_name]',
      summary: 'bring back a dropped table whose reserve time has not passed',
      example: 'pegasus recall 2 usertable_back',
      options: {},
      build(given) {
        const [appId = '', newName] = positionals('recall', given, ['app_id'], ['new_name']);
        return {
          kind: 'recall',
          appId: wholeNumber('recall', '<app_id>', appId, 1, 2 ** 31 - 1),
          ...(newName === undefined ? {} : { newName: tableName('recall', newName) }),
        };
      },
    },
    app: {
      usage: 'app <table>',
      summary: 'a table\'s partitions: ballot, primary, secondaries, committed decree, health',
      example: 'pegasus app temp',
      options: {},
      build(given) {
        const [table = ''] = positionals('app', given, ['table']);
        return { kind: 'app', table: tableName('app', table) };
      },
    },
    nodes: {
      usage: 'nodes',
      summary: 'replica servers, alive or not, with their primary and secondary counts',
      example: 'pegasus nodes',
      options: {},
      build(given) {
        positionals('nodes', given, []);
        return { kind: 'nodes' };
      },
    },
    cluster_info: {
      usage: 'cluster_info',
      summary: 'cluster name, meta servers and leader, meta level, table and node counts',
      example: 'pegasus cluster_info',
      options: {},
      build(given) {
        positionals('cluster_info', given, []);
        return { kind: 'cluster_info' };
      },
    },
    set_meta_level: {
      usage: `set_meta_level <${META_LEVELS.join('|')}>`,
      summary: 'what the meta server may change on its own (steady: cure only; lively: also balance)',
      example: 'pegasus set_meta_level lively',
      options: {},
      build(given) {
        const [level = ''] = positionals('set_meta_level', given, ['level']);
        if (!(META_LEVELS as readonly string[]).includes(level)) {
          throw new UsageError(`set_meta_level: unknown level "${level}"; expected one of ${META_LEVELS.join(', ')}`, 'set_meta_level');
        }
        return { kind: 'set_meta_level', level: level as MetaLevel };
      },
    },
    set: {
      usage: 'set <table> <hash_key> <sort_key> <value> [-l|--ttl SECONDS]',
      summary: 'write one record',
      example: 'pegasus set temp user1 name alice',
      options: TTL_OPTION,
      build(given, values) {
        const [table = '', hashKey = '', sortKey = '', value = ''] = positionals('set', given, ['table', 'hash_key', 'sort_key', 'value']);
        return { kind: 'set', table: tableName('set', table), hashKey: hashKeyOf('set', hashKey), sortKey, value, ttlSeconds: ttlOf('set', values) };
      },
    },
    get: point('get', 'read one record', 'pegasus get temp user1 name'),
    del: point('del', 'delete one record', 'pegasus del temp user1 name'),
    multi_set: {
      usage: 'multi_set <table> <hash_key> <sort_key> <value> [<sort_key> <value> ...] [-l|--ttl SECONDS]',
      summary: 'write several records of one hash key atomically',
      example: 'pegasus multi_set temp user1 name alice city paris',
      options: TTL_OPTION,
      build(given, values) {
        const [table = '', hashKey = '', ...pairs] = given;
        if (given.length < 4) positionals('multi_set', given, ['table', 'hash_key', 'sort_key', 'value']);
        if (pairs.length % 2 !== 0) throw new UsageError(`multi_set: sort key "${pairs[pairs.length - 1] ?? ''}" has no value`, 'multi_set');
        if (pairs.length / 2 > SHELL_SORT_KEYS_MAX) throw new UsageError(`multi_set: at most ${SHELL_SORT_KEYS_MAX} records at once`, 'multi_set');
        const entries: (readonly [string, string])[] = [];
        for (let i = 0; i < pairs.length; i += 2) entries.push([pairs[i] ?? '', pairs[i + 1] ?? '']);
        return { kind: 'multi_set', table: tableName('multi_set', table), hashKey: hashKeyOf('multi_set', hashKey), entries, ttlSeconds: ttlOf('multi_set', values) };
      },
    },
    multi_get: {
      usage: 'multi_get <table> <hash_key> [<sort_key> ...] [-n|--max N] [-i|--no-value]',
      summary: 'read several records of one hash key (all of them when no sort key is given)',
      example: 'pegasus multi_get temp user1 name city',
      options: SCAN_OPTIONS,
      build(given, values) {
        const [table = '', hashKey = '', ...sortKeys] = given;
        if (given.length < 2) positionals('multi_get', given, ['table', 'hash_key']);
        if (sortKeys.length > SHELL_SORT_KEYS_MAX) throw new UsageError(`multi_get: at most ${SHELL_SORT_KEYS_MAX} sort keys at once`, 'multi_get');
        return { kind: 'multi_get', table: tableName('multi_get', table), hashKey: hashKeyOf('multi_get', hashKey), sortKeys, limits: limitsOf('multi_get', values) };
      },
    },
    multi_del: {
      usage: 'multi_del <table> <hash_key> <sort_key> [<sort_key> ...]',
      summary: 'delete several records of one hash key atomically',
      example: 'pegasus multi_del temp user1 name city',
      options: {},
      build(given) {
        const [table = '', hashKey = '', ...sortKeys] = given;
        if (given.length < 3) positionals('multi_del', given, ['table', 'hash_key', 'sort_key']);
        if (sortKeys.length > SHELL_SORT_KEYS_MAX) throw new UsageError(`multi_del: at most ${SHELL_SORT_KEYS_MAX} sort keys at once`, 'multi_del');
        return { kind: 'multi_del', table: tableName('multi_del', table), hashKey: hashKeyOf('multi_del', hashKey), sortKeys };
      },
    },
    incr: {
      usage: 'incr <table> <hash_key> <sort_key> [increment] [-l|--ttl SECONDS]',
      summary: 'add to a record holding a 64-bit integer (default 1; may be negative) and print the new value',
      example: 'pegasus incr temp user1 visits 5',
      options: TTL_OPTION,
      build(given, values) {
        const [table = '', hashKey = '', sortKey = '', raw = '1'] = positionals('incr', given, ['table', 'hash_key', 'sort_key'], ['increment']);
        if (!/^-?\d{1,19}$/.test(raw) || BigInt(raw) > 2n ** 63n - 1n || BigInt(raw) < -(2n ** 63n)) {
          throw new UsageError(`incr: increment must be a 64-bit whole number, got "${raw}"`, 'incr');
        }
        return { kind: 'incr', table: tableName('incr', table), hashKey: hashKeyOf('incr', hashKey), sortKey, increment: BigInt(raw), ttlSeconds: ttlOf('incr', values) };
      },
    },
    check_and_set: {
      usage: `check_and_set <table> <hash_key> -c|--check-sort-key SK -t|--check-type TYPE [-o|--operand V] [-s|--set-sort-key SK] -v|--value V [-l|--ttl S] [-r|--return-check-value]\n  TYPE: ${Object.keys(CHECK_TYPES).join(', ')}`,
      summary: 'set a record only if a check on a record of the same hash key passes',
      example: 'pegasus check_and_set temp user1 -c name -t not_exist -v alice',
      options: {
        'check-sort-key': { type: 'string', short: 'c' },
        'check-type': { type: 'string', short: 't' },
        operand: { type: 'string', short: 'o' },
        'set-sort-key': { type: 'string', short: 's' },
        value: { type: 'string', short: 'v' },
        'return-check-value': { type: 'boolean', short: 'r' },
        ...TTL_OPTION,
      },
      build(given, values) {
        const [table = '', hashKey = ''] = positionals('check_and_set', given, ['table', 'hash_key']);
        const checkSortKey = text(values, 'check-sort-key');
        if (checkSortKey === undefined) throw new UsageError('check_and_set: missing --check-sort-key', 'check_and_set');
        const checkType = text(values, 'check-type');
        if (checkType === undefined) throw new UsageError('check_and_set: missing --check-type', 'check_and_set');
        if (!(checkType in CHECK_TYPES)) {
          throw new UsageError(`check_and_set: unknown check type "${checkType}"; expected one of ${Object.keys(CHECK_TYPES).join(', ')}`, 'check_and_set');
        }
        const value = text(values, 'value');
        if (value === undefined) throw new UsageError('check_and_set: missing --value', 'check_and_set');
        return {
          kind: 'check_and_set',
          table: tableName('check_and_set', table),
          hashKey: hashKeyOf('check_and_set', hashKey),
          checkSortKey,
          checkType: checkType as CheckTypeName,
          operand: text(values, 'operand') ?? '',
          setSortKey: text(values, 'set-sort-key') ?? checkSortKey,
          value,
          ttlSeconds: ttlOf('check_and_set', values),
          returnCheckValue: values['return-check-value'] === true,
        };
      },
    },
    exist: point('exist', 'whether a record exists', 'pegasus exist temp user1 name'),
    ttl: point('ttl', 'seconds a record has left (-1: no expiry)', 'pegasus ttl temp user1 name'),
    count: {
      usage: 'count <table> <hash_key>',
      summary: 'how many records one hash key holds',
      example: 'pegasus count temp user1',
      options: {},
      build(given) {
        const [table = '', hashKey = ''] = positionals('count', given, ['table', 'hash_key']);
        return { kind: 'count', table: tableName('count', table), hashKey: hashKeyOf('count', hashKey) };
      },
    },
    hash_scan: {
      usage: 'hash_scan <table> <hash_key> [start_sort_key [stop_sort_key]] [-n|--max N] [-i|--no-value]',
      summary: 'records of one hash key in sort-key order, from start (inclusive) to stop (exclusive; empty = to the end)',
      example: 'pegasus hash_scan temp user1',
      options: SCAN_OPTIONS,
      build(given, values) {
        const [table = '', hashKey = '', start = '', stop = ''] = positionals('hash_scan', given, ['table', 'hash_key'], ['start_sort_key', 'stop_sort_key']);
        return { kind: 'hash_scan', table: tableName('hash_scan', table), hashKey: hashKeyOf('hash_scan', hashKey), start, stop, limits: limitsOf('hash_scan', values) };
      },
    },
    full_scan: {
      usage: 'full_scan <table> [-n|--max N] [-i|--no-value]',
      summary: 'records of the whole table, partition by partition',
      example: 'pegasus full_scan temp -n 20',
      options: SCAN_OPTIONS,
      build(given, values) {
        const [table = ''] = positionals('full_scan', given, ['table']);
        return { kind: 'full_scan', table: tableName('full_scan', table), limits: limitsOf('full_scan', values) };
      },
    },
    hash: point('hash', 'which partition a key maps to, and the servers that hold it', 'pegasus hash temp user1 name'),
    ...BACKUP_COMMAND_SPECS,
  };
}

