// What one `pegasus` invocation asks for, as plain typed data: the commands, their shared
// settings, and the error for arguments that cannot be taken.
import type { CasCheckType } from '../../cluster/storage/requests.ts';
import type { OneboxOptions } from '../onebox/options.ts';
import type { BackupCommand } from './backup-commands.ts';

export const DEFAULT_META = '127.0.0.1:34601';

export const META_LEVELS = ['stopped', 'blind', 'freezed', 'steady', 'lively'] as const;
export type MetaLevel = (typeof META_LEVELS)[number];

/** rrdb.thrift cas_check_type by the names Pegasus's shell takes for `check_and_set -t`. */
export const CHECK_TYPES = {
  no_check: 'noCheck',
  not_exist: 'valueNotExist',
  not_exist_or_empty: 'valueNotExistOrEmpty',
  exist: 'valueExist',
  not_empty: 'valueNotEmpty',
  match_anywhere: 'valueMatchAnywhere',
  match_prefix: 'valueMatchPrefix',
  match_postfix: 'valueMatchPostfix',
  bytes_less: 'valueBytesLess',
  bytes_less_or_equal: 'valueBytesLessOrEqual',
  bytes_equal: 'valueBytesEqual',
  bytes_greater_or_equal: 'valueBytesGreaterOrEqual',
  bytes_greater: 'valueBytesGreater',
  int_less: 'valueIntLess',
  int_less_or_equal: 'valueIntLessOrEqual',
  int_equal: 'valueIntEqual',
  int_greater_or_equal: 'valueIntGreaterOrEqual',
  int_greater: 'valueIntGreater',
} as const satisfies Record<string, keyof typeof CasCheckType>;
export type CheckTypeName = keyof typeof CHECK_TYPES;

export interface GlobalOptions {
  readonly metas: readonly string[];
  readonly json: boolean;
}

export interface ScanLimits {
  readonly max: number;
  readonly noValue: boolean;
}

export type PointKind = 'get' | 'del' | 'exist' | 'ttl' | 'hash';

/** A command on one record: <table> <hash_key> <sort_key>. */
export interface PointCommand<K extends PointKind> {
  readonly kind: K;
  readonly table: string;
  readonly hashKey: string;
  readonly sortKey: string;
}

export type Command =
  | { readonly kind: 'help'; readonly topic?: string }
  | { readonly kind: 'onebox_start'; readonly options: OneboxOptions; readonly foreground: boolean }
  | { readonly kind: 'onebox_stop'; readonly dir: string }
  | { readonly kind: 'onebox_clean'; readonly dir: string }
  | { readonly kind: 'ls'; readonly all: boolean }
  | { readonly kind: 'create'; readonly table: string; readonly partitionCount: number; readonly replicaCount: number }
  | { readonly kind: 'drop'; readonly table: string; readonly reserveSeconds?: number }
  | { readonly kind: 'recall'; readonly appId: number; readonly newName?: string }
  | { readonly kind: 'app'; readonly table: string }
  | { readonly kind: 'nodes' }
  | { readonly kind: 'cluster_info' }
  | { readonly kind: 'set_meta_level'; readonly level: MetaLevel }
  | { readonly kind: 'set'; readonly table: string; readonly hashKey: string; readonly sortKey: string; readonly value: string; readonly ttlSeconds: number }
  | PointCommand<'get'> | PointCommand<'del'> | PointCommand<'exist'> | PointCommand<'ttl'> | PointCommand<'hash'>
  | { readonly kind: 'multi_set'; readonly table: string; readonly hashKey: string; readonly entries: readonly (readonly [string, string])[]; readonly ttlSeconds: number }
  | { readonly kind: 'multi_get'; readonly table: string; readonly hashKey: string; readonly sortKeys: readonly string[]; readonly limits: ScanLimits }
  | { readonly kind: 'multi_del'; readonly table: string; readonly hashKey: string; readonly sortKeys: readonly string[] }
  | { readonly kind: 'incr'; readonly table: string; readonly hashKey: string; readonly sortKey: string; readonly increment: bigint; readonly ttlSeconds: number }
  | {
    readonly kind: 'check_and_set'; readonly table: string; readonly hashKey: string; readonly checkSortKey: string;
    readonly checkType: CheckTypeName; readonly operand: string; readonly setSortKey: string; readonly value: string;
    readonly ttlSeconds: number; readonly returnCheckValue: boolean;
  }
  | { readonly kind: 'count'; readonly table: string; readonly hashKey: string }
  | { readonly kind: 'hash_scan'; readonly table: string; readonly hashKey: string; readonly start: string; readonly stop: string; readonly limits: ScanLimits }
  | { readonly kind: 'full_scan'; readonly table: string; readonly limits: ScanLimits }
  | BackupCommand;

export type CommandKind = Command['kind'];

export interface Invocation {
  readonly globals: GlobalOptions;
  readonly command: Command;
}

/** Bad arguments: the message names what is wrong; `command` points the user at its usage. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}
