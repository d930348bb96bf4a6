// Backup policies as operators give them (add_backup_policy / modify_backup_policy) and as the meta
// server keeps them: validation is pure so the shell, the HTTP routes and tests refuse bad input
// alike, before anything is stored or scheduled. A policy names its tables, its target, when it
// runs (every N seconds or a cron pattern, optionally first at HH:MM UTC) and how many completed
// backups it keeps.
import { parseBlockTarget } from '../block-store/target.ts';
import {
  BACKUP_INTERVAL_SECONDS_MAX, BACKUP_INTERVAL_SECONDS_MIN, BACKUP_KEEP_MAX, BACKUP_POLICY_TABLES_MAX,
} from '../../common/limits.ts';
import { BackupError, invalidBackupInput } from './backup-error.ts';

export type BackupSchedule =
  | { readonly kind: 'interval'; readonly seconds: number }
  /** A 5-field (minute hour day month weekday) or 6-field (with seconds first) cron pattern, UTC. */
  | { readonly kind: 'cron'; readonly pattern: string };

export interface BackupPolicy {
  readonly name: string;
  readonly tables: readonly string[];
  readonly target: string;
  readonly schedule: BackupSchedule;
  /** "HH:MM" UTC of the first run, or undefined to start one period from now. */
  readonly start?: string;
  readonly keep: number;
  readonly enabled: boolean;
}

/** What add_backup_policy sends: every field as text or number, unchecked. */
export interface BackupPolicyInput {
  readonly name?: unknown;
  readonly tables?: unknown;
  readonly target?: unknown;
  readonly interval?: unknown;
  readonly cron?: unknown;
  readonly start?: unknown;
  readonly keep?: unknown;
}

const POLICY_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const CRON_FIELD = /^[0-9A-Za-z*?/,#LW-]+$/;

/** A new, enabled policy from `input`, or ERR_INVALID_PARAMETERS naming the first bad field. */
export function policyFromInput(input: BackupPolicyInput, knownTables: ReadonlySet<string>): BackupPolicy {
  const name = checkPolicyName(input.name);
  const start = input.start === undefined || input.start === '' ? undefined : checkStart(input.start);
  return {
    name,
    tables: checkTables(input.tables, knownTables),
    target: checkTarget(input.target),
    schedule: checkSchedule(input.interval, input.cron),
    ...(start === undefined ? {} : { start }),
    keep: checkKeep(input.keep),
    enabled: true,
  };
}

/** modify_backup_policy: the given fields replace the policy's; the name stays. */
export function modifyPolicy(policy: BackupPolicy, input: BackupPolicyInput, knownTables: ReadonlySet<string>): BackupPolicy {
  if (input.name !== undefined && input.name !== policy.name) throw invalidBackupInput('a policy cannot be renamed');
  const scheduleGiven = input.interval !== undefined || input.cron !== undefined;
  let start = policy.start;
  if (input.start !== undefined) start = input.start === '' ? undefined : checkStart(input.start);
  const { start: _dropped, ...rest } = policy;
  return {
    ...rest,
    tables: input.tables === undefined ? policy.tables : checkTables(input.tables, knownTables),
    target: input.target === undefined ? policy.target : checkTarget(input.target),
    schedule: scheduleGiven ? checkSchedule(input.interval, input.cron) : policy.schedule,
    ...(start === undefined ? {} : { start }),
    keep: input.keep === undefined ? policy.keep : checkKeep(input.keep),
  };
}

export function checkPolicyName(value: unknown): string {
  if (typeof value !== 'string' || !POLICY_NAME.test(value)) {
    throw invalidBackupInput(`policy name ${JSON.stringify(value)} must start with a letter and hold at most 64 of [A-Za-z0-9_-]`);
  }
  return value;
}

export function checkTables(value: unknown, knownTables: ReadonlySet<string>): string[] {
  const list = typeof value === 'string' ? value.split(',').map((name) => name.trim()).filter((name) => name !== '') : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((name): name is string => typeof name === 'string')) {
    throw invalidBackupInput('--tables must name at least one table (comma separated)');
  }
  if (list.length > BACKUP_POLICY_TABLES_MAX) throw invalidBackupInput(`--tables names ${list.length} tables; at most ${BACKUP_POLICY_TABLES_MAX}`);
  const unique = [...new Set(list)];
  const unknown = unique.filter((name) => !knownTables.has(name));
  if (unknown.length > 0) throw new BackupError('ERR_OBJECT_NOT_FOUND', `no table named ${unknown.map((name) => JSON.stringify(name)).join(', ')}`, false);
  return unique;
}

export function checkTarget(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw invalidBackupInput('--target is required (s3://bucket/prefix, hdfs://host:port/path or file:///dir)');
  try {
    parseBlockTarget(value);
  } catch (error) {
    throw invalidBackupInput((error as Error).message);
  }
  return value;
}

function checkSchedule(interval: unknown, cron: unknown): BackupSchedule {
  const hasInterval = interval !== undefined && interval !== '';
  const hasCron = cron !== undefined && cron !== '';
  if (hasInterval === hasCron) throw invalidBackupInput('give exactly one of --interval SECONDS and --cron EXPR');
  if (hasInterval) {
    const seconds = typeof interval === 'string' && /^\d+$/.test(interval) ? Number(interval) : interval;
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < BACKUP_INTERVAL_SECONDS_MIN || seconds > BACKUP_INTERVAL_SECONDS_MAX) {
      throw invalidBackupInput(`--interval ${JSON.stringify(interval)} must be a whole number of seconds in ${BACKUP_INTERVAL_SECONDS_MIN}..${BACKUP_INTERVAL_SECONDS_MAX}`);
    }
    return { kind: 'interval', seconds };
  }
  if (typeof cron !== 'string') throw invalidBackupInput('--cron must be a cron pattern');
  const fields = cron.trim().split(/\s+/);
  if ((fields.length !== 5 && fields.length !== 6) || !fields.every((field) => CRON_FIELD.test(field))) {
    throw invalidBackupInput(`--cron ${JSON.stringify(cron)} is not a cron pattern of 5 fields (minute hour day month weekday) or 6 (seconds first)`);
  }
  return { kind: 'cron', pattern: fields.join(' ') };
}

function checkStart(value: unknown): string {
  if (typeof value !== 'string' || !HH_MM.test(value)) throw invalidBackupInput(`--start ${JSON.stringify(value)} must be HH:MM (UTC, 00:00..23:59)`);
  return value;
}

function checkKeep(value: unknown): number {
  const keep = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 1 || keep > BACKUP_KEEP_MAX) {
    throw invalidBackupInput(`--keep ${JSON.stringify(value)} must be a whole number in 1..${BACKUP_KEEP_MAX}`);
  }
  return keep;
}

/** The first time at or after `nowMs` whose UTC clock reads `start` ("HH:MM"). */
export function nextStartMs(start: string, nowMs: number): number {
  const match = HH_MM.exec(start);
  if (match === null) throw invalidBackupInput(`start ${JSON.stringify(start)} is not HH:MM`);
  const dayMs = 24 * 3600 * 1000;
  const offsetMs = (Number(match[1]) * 60 + Number(match[2])) * 60 * 1000;
  const today = Math.floor(nowMs / dayMs) * dayMs + offsetMs;
  return today >= nowMs ? today : today + dayMs;
}
