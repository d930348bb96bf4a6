// The meta server's configuration, described once: each setting's flag, environment variable,
// default and check. parseMetaConfig reads flags (then PEGASUS_META_* variables, then defaults)
// and refuses anything wrong with a message naming the flag; metaConfigHelp prints the table.
import { DEFAULT_META_OPTIONS, type MetaOptions } from '../core/options.ts';
import type { MetaLevel } from '../core/types.ts';
import { META_LEVEL_VALUE } from '../core/types.ts';
import type { MetaStoreConfig } from '../store/open.ts';

export interface MetaConfig {
  readonly host: string;
  readonly port: number;
  readonly data: string;
  readonly metas: readonly string[];
  readonly cluster: string;
  /** ZooKeeper "host:port[,host:port]/root/path", or undefined for the file store under data. */
  readonly zk: string | undefined;
  readonly zkSessionTimeoutMs: number;
  readonly beaconIntervalMs: number;
  readonly leaseMs: number;
  readonly graceMs: number;
  readonly checkIntervalMs: number;
  readonly level: MetaLevel;
  readonly minLiveNodes: number;
  readonly assignDelayMs: number;
  readonly dropReserveSeconds: number;
  /** Redis "host:port" for backup jobs, or undefined: backup requests are refused. */
  readonly redis: { readonly host: string; readonly port: number } | undefined;
  /** Key prefix of the backup queues in Redis; '' means pegasus-<cluster>. */
  readonly redisPrefix: string;
}

/** Parses one value; throws an Error saying what the value must be. */
type Parse<T> = (text: string) => T;

const bad = (why: string): never => {
  throw new Error(why);
};
const integer = (min: number, max: number): Parse<number> => (value) =>
  /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max ? Number(value) : bad(`must be a whole number within ${min}..${max}`);
const text: Parse<string> = (value) => (value.length > 0 ? value : bad('must not be empty'));
const optional: Parse<string | undefined> = (value) => (value === '' ? undefined : value);
const ipv4: Parse<string> = (value) => (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(value) ? value : bad('must be an IPv4 address (Pegasus addresses are IPv4)'));
const addressList: Parse<readonly string[]> = (value) => {
  const list = value.split(',').filter((item) => item !== '');
  return list.every((item) => /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}:\d{1,5}$/.test(item)) ? list : bad('must be ipv4:port[,ipv4:port...]');
};
const redisAddress: Parse<MetaConfig['redis']> = (value) => {
  if (value === '') return undefined;
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(value);
  return match?.[1] !== undefined && Number(match[2]) <= 65535 ? { host: match[1], port: Number(match[2]) } : bad('must be host:port');
};
const level: Parse<MetaLevel> = (value) => (value in META_LEVEL_VALUE ? (value as MetaLevel) : bad(`must be one of ${Object.keys(META_LEVEL_VALUE).join(', ')}`));

interface Setting<K extends keyof MetaConfig> {
  readonly key: K;
  readonly flag: string;
  readonly help: string;
  readonly fallback: string | undefined;
  readonly parse: Parse<MetaConfig[K]>;
}

function setting<K extends keyof MetaConfig>(key: K, flag: string, fallback: string | undefined, parse: Parse<MetaConfig[K]>, help: string): Setting<K> {
  return { key, flag, fallback, parse, help };
}

// Short failover for onebox and tests: a replica server is declared dead within seconds.
const SETTINGS = [
  setting('host', 'host', '127.0.0.1', ipv4, 'address to listen on and be known by'),
  setting('port', 'port', '34601', integer(0, 65535), 'port for THFT and HTTP (0: any free port)'),
  setting('data', 'data', undefined, text, 'data directory (the file store lives under DIR/meta)'),
  setting('metas', 'metas', '', addressList, "every meta server's address, self included (default: self)"),
  setting('cluster', 'cluster', 'onebox', text, 'cluster name (ZooKeeper root suffix, status pages)'),
  setting('zk', 'zk', '', optional, 'ZooKeeper host:port[,host:port]/root/path: store and election there'),
  setting('zkSessionTimeoutMs', 'zk-session-timeout-ms', '6000', integer(1000, 600_000), 'ZooKeeper session timeout: how soon a dead leader is replaced'),
  setting('beaconIntervalMs', 'beacon-interval-ms', '1000', integer(10, 600_000), 'replica servers beacon this often (fd_beacon_interval_seconds)'),
  setting('leaseMs', 'lease-ms', '5000', integer(10, 3_600_000), 'worker lease (fd_lease_seconds)'),
  setting('graceMs', 'grace-ms', '6000', integer(10, 3_600_000), 'master grace: a silent replica server is dead after this (fd_grace_seconds)'),
  setting('checkIntervalMs', 'check-interval-ms', '500', integer(10, 600_000), 'meta tick and failure check interval (fd_check_interval_seconds)'),
  setting('level', 'level', 'steady', level, 'meta function level at start'),
  setting('minLiveNodes', 'min-live-nodes', '1', integer(0, 100_000), 'below this many alive replica servers the level drops to freezed'),
  setting('assignDelayMs', 'assign-delay-ms', '10000', integer(0, 86_400_000), 'wait this long for a dropped member to return before adding another node'),
  setting('dropReserveSeconds', 'drop-reserve-seconds', '604800', integer(0, 315_360_000), 'reserve time of a dropped table when the request names none'),
  setting('redis', 'redis', '', redisAddress, 'Redis host:port for backup jobs (BullMQ); without it backup commands are refused'),
  setting('redisPrefix', 'redis-prefix', '', (value) => (/^[A-Za-z0-9_.-]*$/.test(value) ? value : bad('may hold only letters, digits, "_", "." and "-"')), 'key prefix of the backup queues in Redis (default pegasus-<cluster>)'),
] as const;

function envName(flag: string): string {
  return `PEGASUS_META_${flag.toUpperCase().replaceAll('-', '_')}`;
}

export function metaConfigHelp(): string {
  return SETTINGS.map((s) => `  --${s.flag.padEnd(24)} ${s.help}${s.fallback === undefined ? ' (required)' : s.fallback === '' ? '' : ` (default ${s.fallback})`}; env ${envName(s.flag)}`).join('\n');
}

/** Parses `--flag value` / `--flag=value` arguments; throws an Error whose message names what is wrong. */
export function parseMetaConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): MetaConfig {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i] ?? '';
    if (!argument.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(argument)}`);
    const equals = argument.indexOf('=');
    const flag = equals < 0 ? argument.slice(2) : argument.slice(2, equals);
    if (!SETTINGS.some((s) => s.flag === flag)) throw new Error(`unknown flag --${flag}`);
    let value: string | undefined = equals < 0 ? argv[++i] : argument.slice(equals + 1);
    if (value === undefined) throw new Error(`--${flag} needs a value`);
    value = value.trim();
    given.set(flag, value);
  }
  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const raw = given.get(s.flag) ?? env[envName(s.flag)] ?? s.fallback;
    if (raw === undefined) throw new Error(`--${s.flag} is required`);
    try {
      config[s.key] = (s.parse as Parse<unknown>)(raw);
    } catch (error) {
      throw new Error(`--${s.flag} ${JSON.stringify(raw)}: ${(error as Error).message}`, { cause: error });
    }
  }
  const result = config as unknown as MetaConfig;
  if (!(result.graceMs > result.leaseMs && result.leaseMs > 2 * result.beaconIntervalMs && result.leaseMs > result.checkIntervalMs)) {
    throw new Error('--grace-ms > --lease-ms > 2 * --beacon-interval-ms and --lease-ms > --check-interval-ms must hold (a replica server stops serving before it is declared dead)');
  }
  if (result.zk !== undefined) zkParts(result.zk);
  return result;
}

function zkParts(zk: string): { connectString: string; root: string } {
  const slash = zk.indexOf('/');
  const connectString = slash < 0 ? zk : zk.slice(0, slash);
  const root = slash < 0 ? '' : zk.slice(slash).replace(/\/+$/, '');
  if (!/^[^,/\s]+:\d+(,[^,/\s]+:\d+)*$/.test(connectString)) throw new Error(`--zk ${JSON.stringify(zk)}: must be host:port[,host:port]/root/path`);
  if (root !== '' && !/^(\/[A-Za-z0-9_.-]+)+$/.test(root)) throw new Error(`--zk ${JSON.stringify(zk)}: the root path may hold only letters, digits, "_", "." and "-"`);
  return { connectString, root };
}

/** Where the meta state lives: ZooKeeper under <root>/<cluster> with --zk, else DIR/meta. */
export function storeConfig(config: MetaConfig): MetaStoreConfig {
  if (config.zk === undefined) return { kind: 'file', directory: `${config.data}/meta` };
  const { connectString, root } = zkParts(config.zk);
  return { kind: 'zookeeper', connectString, root: `${root}/${config.cluster}`, sessionTimeoutMs: config.zkSessionTimeoutMs };
}

export function coreOptions(config: MetaConfig): MetaOptions {
  return {
    ...DEFAULT_META_OPTIONS,
    failureDetector: { beaconIntervalMs: config.beaconIntervalMs, checkIntervalMs: config.checkIntervalMs, leaseMs: config.leaseMs, graceMs: config.graceMs },
    levelOnStart: config.level,
    minLiveNodesForUnfreeze: config.minLiveNodes,
    liveNodePercentForUnfreeze: 0,
    assignDelayMsForDropouts: config.assignDelayMs,
    cureIntervalMs: Math.max(config.checkIntervalMs, 1000),
    proposalResendMs: Math.max(2 * config.beaconIntervalMs, 1000),
  };
}
