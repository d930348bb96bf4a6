// The backup commands of `pegasus`: policies (add, ls, query, modify, disable, enable), one-shot
// backup_app (with --wait: a progress bar until it finishes), query_backup_status and
// cancel_backup. Each builds a BackupCommand (pure) and runs it against the meta server's
// /v1/backup routes (docs/backup.md). Policy fields are checked by the meta server, which names
// the bad field; the shell only checks what it must to build the request.
import { assertNever } from '../../common/assert.ts';
import type { RawValues } from '../onebox/options.ts';
import { UsageError } from './command.ts';
import type { CommandSpec, Options } from './command-specs.ts';
import { alignedTable, formatDone, type Output } from './format.ts';
import type { MetaHttp } from './meta-http.ts';

export type BackupCommand =
  | { readonly kind: 'backup'; readonly action: 'add_policy'; readonly policy: Readonly<Record<string, string>> }
  | { readonly kind: 'backup'; readonly action: 'modify_policy'; readonly name: string; readonly policy: Readonly<Record<string, string>> }
  | { readonly kind: 'backup'; readonly action: 'ls_policy' }
  | { readonly kind: 'backup'; readonly action: 'query_policy' | 'enable_policy' | 'disable_policy'; readonly name: string }
  | { readonly kind: 'backup'; readonly action: 'backup_app'; readonly table: string; readonly target: string; readonly wait: boolean }
  | { readonly kind: 'backup'; readonly action: 'status'; readonly backupId?: string }
  | { readonly kind: 'backup'; readonly action: 'cancel'; readonly backupId: string };

const POLICY_OPTIONS = {
  name: { type: 'string', short: 'p' },
  tables: { type: 'string', short: 'a' },
  target: { type: 'string', short: 'b' },
  interval: { type: 'string', short: 'i' },
  cron: { type: 'string' },
  start: { type: 'string', short: 's' },
  keep: { type: 'string', short: 'c' },
} as const satisfies Options;

const POLICY_FIELDS = ['name', 'tables', 'target', 'interval', 'cron', 'start', 'keep'] as const;

function given(values: RawValues): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const field of POLICY_FIELDS) {
    const value = values[field];
    if (typeof value === 'string') fields[field] = value;
  }
  return fields;
}

function noPositionals(command: string, positionals: readonly string[]): void {
  if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument "${positionals[0] ?? ''}"`, command);
}

function required(command: string, values: RawValues, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`${command}: --${name} is required`, command);
  return value;
}

function named(command: string, action: 'query_policy' | 'enable_policy' | 'disable_policy', summary: string): CommandSpec {
  return {
    usage: `${command} --name NAME`,
    summary,
    example: `pegasus ${command} --name daily`,
    options: { name: POLICY_OPTIONS.name },
    build(positionals, values) {
      noPositionals(command, positionals);
      return { kind: 'backup', action, name: required(command, values, 'name') };
    },
  };
}

export const BACKUP_COMMAND_SPECS: Readonly<Record<string, CommandSpec>> = {
  add_backup_policy: {
    usage: 'add_backup_policy --name NAME --tables T1,T2 --target URL (--interval SECONDS | --cron EXPR) [--start HH:MM] --keep N',
    summary: 'back tables up on a schedule to s3://, hdfs:// or file:///, keeping the newest N backups',
    example: 'pegasus add_backup_policy --name daily --tables temp --target file:///backups --interval 86400 --start 02:00 --keep 3',
    options: POLICY_OPTIONS,
    build(positionals, values) {
      noPositionals('add_backup_policy', positionals);
      for (const name of ['name', 'tables', 'target', 'keep']) required('add_backup_policy', values, name);
      return { kind: 'backup', action: 'add_policy', policy: given(values) };
    },
  },
  ls_backup_policy: {
    usage: 'ls_backup_policy',
    summary: 'every backup policy: tables, target, schedule, keep, enabled, next run',
    example: 'pegasus ls_backup_policy',
    options: {},
    build(positionals) {
      noPositionals('ls_backup_policy', positionals);
      return { kind: 'backup', action: 'ls_policy' };
    },
  },
  query_backup_policy: named('query_backup_policy', 'query_policy', 'one policy and the backups it made'),
  modify_backup_policy: {
    usage: 'modify_backup_policy --name NAME [--tables T1,T2] [--target URL] [--interval S | --cron EXPR] [--start HH:MM] [--keep N]',
    summary: 'change a policy; the next run uses the new settings',
    example: 'pegasus modify_backup_policy --name daily --keep 7',
    options: POLICY_OPTIONS,
    build(positionals, values) {
      noPositionals('modify_backup_policy', positionals);
      const { name = '', ...policy } = given(values);
      if (name === '') throw new UsageError('modify_backup_policy: --name is required', 'modify_backup_policy');
      if (Object.keys(policy).length === 0) throw new UsageError('modify_backup_policy: give at least one setting to change', 'modify_backup_policy');
      return { kind: 'backup', action: 'modify_policy', name, policy };
    },
  },
  disable_backup_policy: named('disable_backup_policy', 'disable_policy', 'stop scheduling a policy (backups in progress go on)'),
  enable_backup_policy: named('enable_backup_policy', 'enable_policy', 'schedule a disabled policy again'),
  backup_app: {
    usage: 'backup_app <table> --target URL [--wait]',
    summary: 'back one table up now; --wait shows progress until it finishes',
    example: 'pegasus backup_app temp --target file:///backups --wait',
    options: { target: POLICY_OPTIONS.target, wait: { type: 'boolean', short: 'w' } },
    build(positionals, values) {
      const [table, extra] = positionals;
      if (table === undefined || table === '') throw new UsageError('backup_app: missing <table>', 'backup_app');
      if (extra !== undefined) throw new UsageError(`backup_app: unexpected argument "${extra}"`, 'backup_app');
      return { kind: 'backup', action: 'backup_app', table, target: required('backup_app', values, 'target'), wait: values['wait'] === true };
    },
  },
  query_backup_status: {
    usage: 'query_backup_status [--backup-id ID]',
    summary: 'backups the cluster ran (or one): state and per-partition progress',
    example: 'pegasus query_backup_status --backup-id 1767225600000',
    options: { 'backup-id': { type: 'string', short: 'i' } },
    build(positionals, values) {
      noPositionals('query_backup_status', positionals);
      const id = values['backup-id'];
      return { kind: 'backup', action: 'status', ...(typeof id === 'string' ? { backupId: backupIdOf('query_backup_status', id) } : {}) };
    },
  },
  cancel_backup: {
    usage: 'cancel_backup --backup-id ID',
    summary: 'cancel a running backup: uploads stop, no completion marker is written',
    example: 'pegasus cancel_backup --backup-id 1767225600000',
    options: { 'backup-id': { type: 'string', short: 'i' } },
    build(positionals, values) {
      noPositionals('cancel_backup', positionals);
      return { kind: 'backup', action: 'cancel', backupId: backupIdOf('cancel_backup', required('cancel_backup', values, 'backup-id')) };
    },
  },
};

function backupIdOf(command: string, raw: string): string {
  if (!/^\d{1,20}$/.test(raw)) throw new UsageError(`${command}: --backup-id must be the decimal id backup_app or query_backup_status printed, got "${raw}"`, command);
  return raw;
}

interface PolicyJson {
  readonly name: string;
  readonly tables: readonly string[];
  readonly target: string;
  readonly schedule: { readonly kind: 'interval'; readonly seconds: number } | { readonly kind: 'cron'; readonly pattern: string };
  readonly start?: string;
  readonly keep: number;
  readonly enabled: boolean;
  readonly nextRunMs?: number;
  readonly backups?: readonly string[];
}

interface StatusJson {
  readonly backupId: string;
  readonly policyName: string;
  readonly target: string;
  readonly state: string;
  readonly startTimeMs: number;
  readonly endTimeMs?: number;
  readonly failedReason?: string;
  readonly tables: readonly { readonly name: string; readonly partitions: readonly { readonly index: number; readonly state: string; readonly uploadedBytes: number; readonly attempts: number }[] }[];
}

export interface BackupIo {
  /** Takes one line; the progress bar prints a line whenever it changes. */
  readonly stderr: (text: string) => void;
  readonly sleep: (ms: number) => Promise<void>;
}

export async function runBackupCommand(command: BackupCommand, http: MetaHttp, io: BackupIo): Promise<Output> {
  switch (command.action) {
    case 'add_policy': {
      const { policy } = await http.request<{ policy: PolicyJson }>('POST', '/v1/backup/policies', command.policy);
      return formatDone(`added backup policy ${policy.name}: ${scheduleText(policy)}`, policy);
    }
    case 'modify_policy': {
      const { policy } = await http.request<{ policy: PolicyJson }>('PUT', `/v1/backup/policies/${encodeURIComponent(command.name)}`, command.policy);
      return formatDone(`modified backup policy ${policy.name}: ${scheduleText(policy)}`, policy);
    }
    case 'ls_policy': {
      const { policies } = await http.request<{ policies: PolicyJson[] }>('GET', '/v1/backup/policies');
      return { text: policiesText(policies), json: policies };
    }
    case 'query_policy': {
      const { policy } = await http.request<{ policy: PolicyJson }>('GET', `/v1/backup/policies/${encodeURIComponent(command.name)}`);
      return { text: `${policiesText([policy])}\nbackups: ${(policy.backups ?? []).join(', ') || '(none yet)'}`, json: policy };
    }
    case 'enable_policy':
    case 'disable_policy': {
      const verb = command.action === 'enable_policy' ? 'enable' : 'disable';
      const { policy } = await http.request<{ policy: PolicyJson }>('POST', `/v1/backup/policies/${encodeURIComponent(command.name)}/${verb}`);
      return formatDone(`${verb}d backup policy ${policy.name}`, policy);
    }
    case 'backup_app': {
      const { backupId } = await http.request<{ backupId: string }>('POST', '/v1/backup/backups', { table: command.table, target: command.target });
      if (!command.wait) return formatDone(`backup ${backupId} of ${command.table} started; \`pegasus query_backup_status --backup-id ${backupId}\` follows it`, { backupId });
      const status = await waitWithProgress(http, backupId, io);
      return { text: statusText([status]), json: status };
    }
    case 'status': {
      const statuses = command.backupId === undefined
        ? (await http.request<{ backups: StatusJson[] }>('GET', '/v1/backup/backups')).backups
        : [(await http.request<{ backup: StatusJson }>('GET', `/v1/backup/backups/${command.backupId}`)).backup];
      return { text: statusText(statuses), json: statuses };
    }
    case 'cancel':
      await http.request('POST', `/v1/backup/backups/${command.backupId}/cancel`);
      return formatDone(`backup ${command.backupId} cancelled`, { backupId: command.backupId, cancelled: true });
    default:
      return assertNever(command, 'backup command');
  }
}

/** Polls until the backup is final, drawing [#####.....] done/total partitions and bytes on stderr. */
async function waitWithProgress(http: MetaHttp, backupId: string, io: BackupIo): Promise<StatusJson> {
  let last = '';
  for (;;) {
    const { backup } = await http.request<{ backup: StatusJson }>('GET', `/v1/backup/backups/${backupId}`);
    const line = progressLine(backup);
    if (line !== last) {
      io.stderr(line);
      last = line;
    }
    if (backup.state !== 'running') return backup;
    await io.sleep(500);
  }
}

export function progressLine(status: StatusJson): string {
  const partitions = status.tables.flatMap((table) => table.partitions);
  const done = partitions.filter((partition) => partition.state === 'completed').length;
  const bytes = partitions.reduce((sum, partition) => sum + partition.uploadedBytes, 0);
  const width = 30;
  const filled = partitions.length === 0 ? 0 : Math.round((done / partitions.length) * width);
  return `backup ${status.backupId} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${partitions.length} partitions, ${(bytes / (1 << 20)).toFixed(1)} MiB, ${status.state}`;
}

function scheduleText(policy: PolicyJson): string {
  const when = policy.schedule.kind === 'interval' ? `every ${policy.schedule.seconds} s` : `cron "${policy.schedule.pattern}" UTC`;
  return `${policy.tables.join(',')} to ${policy.target}, ${when}${policy.start === undefined ? '' : ` from ${policy.start} UTC`}, keep ${policy.keep}`;
}

function policiesText(policies: readonly PolicyJson[]): string {
  if (policies.length === 0) return '(no backup policies)';
  return alignedTable(['name', 'tables', 'target', 'schedule', 'start', 'keep', 'enabled', 'next_run'], policies.map((policy) => [
    policy.name,
    policy.tables.join(','),
    policy.target,
    policy.schedule.kind === 'interval' ? `every ${policy.schedule.seconds}s` : policy.schedule.pattern,
    policy.start ?? '-',
    String(policy.keep),
    policy.enabled ? 'yes' : 'no',
    policy.nextRunMs === undefined || !policy.enabled ? '-' : new Date(policy.nextRunMs).toISOString(),
  ]));
}

function statusText(statuses: readonly StatusJson[]): string {
  if (statuses.length === 0) return '(no backups)';
  return alignedTable(['backup_id', 'policy', 'state', 'partitions_done', 'MiB', 'started', 'target', 'reason'], statuses.map((status) => {
    const partitions = status.tables.flatMap((table) => table.partitions);
    const done = partitions.filter((partition) => partition.state === 'completed').length;
    return [
      status.backupId,
      status.policyName === '' ? '(backup_app)' : status.policyName,
      status.state,
      `${done}/${partitions.length}`,
      (partitions.reduce((sum, partition) => sum + partition.uploadedBytes, 0) / (1 << 20)).toFixed(1),
      new Date(status.startTimeMs).toISOString(),
      status.target,
      status.failedReason ?? '',
    ];
  }));
}
