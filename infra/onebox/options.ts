// The onebox's settings from its command line, shared by `npm start` (infra/onebox/main.ts) and
// `pegasus onebox ...`. Pure: argv in, options or a usage message out.
import { resolve } from 'node:path';
import { ONEBOX_METAS_MAX } from '../../common/limits.ts';
import { REPO_ROOT } from '../endpoints.ts';

export const ONEBOX_META_BASE_PORT = 34601;
/** Replica servers listen this far above the first meta port (34801 for 34601), as in Pegasus. */
export const ONEBOX_REPLICA_PORT_OFFSET = 200;
export const ONEBOX_REPLICAS = 3;
export const ONEBOX_HOST = '127.0.0.1';
export const ONEBOX_TABLE = { name: 'temp', partitionCount: 8, replicaCount: 3 } as const;

export interface OneboxOptions {
  /** Meta servers: 1, or several (needs ZooKeeper). */
  readonly metas: number;
  readonly zk: boolean;
  /** Port of the first meta server; the replica servers use basePort + 200, + 201, ... */
  readonly basePort: number;
  /** Where every process keeps its data and log, and the onebox its state file. */
  readonly dir: string;
  readonly fsync: 'always' | 'never';
  /** Extra node flags for the replica servers' processes (the benchmark's `--cpu-prof`); none by default. */
  readonly replicaNodeArgs?: readonly string[];
  /** Redis "host:port" the meta servers run backup jobs on (--redis); none: backup is refused. */
  readonly redis?: string;
  /** Key prefix of the backup queues in Redis (--redis-prefix); default pegasus-<cluster>. */
  readonly redisPrefix?: string;
}

export function defaultOneboxDir(): string {
  return resolve(REPO_ROOT, 'onebox');
}

export const ONEBOX_DEFAULTS: OneboxOptions = {
  metas: 1,
  zk: false,
  basePort: ONEBOX_META_BASE_PORT,
  dir: defaultOneboxDir(),
  fsync: 'always',
};

/** Raw option values as node:util parseArgs returns them. */
export type RawValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export const ONEBOX_START_OPTIONS = {
  metas: { type: 'string' },
  zk: { type: 'boolean' },
  'base-port': { type: 'string' },
  dir: { type: 'string' },
  fsync: { type: 'string' },
  redis: { type: 'string' },
  foreground: { type: 'boolean' },
} as const;

export const ONEBOX_DIR_OPTION = { dir: { type: 'string' } } as const;

export class OneboxOptionError extends Error {}

function stringValue(values: RawValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** Builds options from parsed values; throws OneboxOptionError naming the bad option. */
export function oneboxOptionsFrom(values: RawValues, cwd: string): OneboxOptions {
  const metasText = stringValue(values, 'metas');
  const metas = metasText === undefined ? ONEBOX_DEFAULTS.metas : Number(metasText);
  if (!Number.isInteger(metas) || metas < 1 || metas > ONEBOX_METAS_MAX) {
    throw new OneboxOptionError(`--metas must be a whole number from 1 to ${ONEBOX_METAS_MAX}, got "${metasText ?? ''}"`);
  }
  const zk = values['zk'] === true;
  if (metas > 1 && !zk) {
    throw new OneboxOptionError(`--metas ${metas} needs --zk: several meta servers elect their leader on ZooKeeper`);
  }
  const portText = stringValue(values, 'base-port');
  const basePort = portText === undefined ? ONEBOX_DEFAULTS.basePort : Number(portText);
  const highest = basePort + ONEBOX_REPLICA_PORT_OFFSET + ONEBOX_REPLICAS - 1;
  if (!Number.isInteger(basePort) || basePort < 1024 || highest > 65535) {
    throw new OneboxOptionError(`--base-port must be a whole number from 1024 to ${65535 - ONEBOX_REPLICA_PORT_OFFSET - ONEBOX_REPLICAS + 1}, got "${portText ?? ''}"`);
  }
  const fsync = stringValue(values, 'fsync') ?? ONEBOX_DEFAULTS.fsync;
  if (fsync !== 'always' && fsync !== 'never') {
    throw new OneboxOptionError(`--fsync must be always or never, got "${fsync}"`);
  }
  const dirText = stringValue(values, 'dir');
  if (dirText === '') throw new OneboxOptionError('--dir must name a directory');
  const dir = dirText === undefined ? ONEBOX_DEFAULTS.dir : resolve(cwd, dirText);
  const redis = stringValue(values, 'redis');
  if (redis !== undefined && !/^[A-Za-z0-9.-]+:\d{1,5}$/.test(redis)) throw new OneboxOptionError(`--redis must be host:port, got "${redis}"`);
  return { metas, zk, basePort, dir, fsync, ...(redis === undefined ? {} : { redis }) };
}

export function oneboxDirFrom(values: RawValues, cwd: string): string {
  const dirText = stringValue(values, 'dir');
  if (dirText === '') throw new OneboxOptionError('--dir must name a directory');
  return dirText === undefined ? ONEBOX_DEFAULTS.dir : resolve(cwd, dirText);
}
