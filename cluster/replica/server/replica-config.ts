// The replica server's configuration, described once: each setting's flag, environment variable,
// default and meaning. The entry point parses argv and the environment with it (a flag wins over
// the environment), the documentation lists it, and a bad value is refused at start with a message
// naming the setting.
import { checkFailureDetectorOptions, type FailureDetectorOptions } from '../../meta/core/options.ts';
import type { NodeId } from '../../replication/configuration.ts';
import { BACKUP_PART_BYTES, BACKUP_PART_BYTES_MAX } from '../../../common/limits.ts';

export interface ReplicaServerConfig {
  readonly host: string;
  readonly port: number;
  /** `replicas/<appId>.<index>/` below it hold the replicas. */
  readonly dataDirectory: string;
  readonly metaServers: readonly NodeId[];
  readonly fsync: 'always' | 'never';
  /** Must agree with the meta servers' settings: lease < their grace. */
  readonly failureDetector: Omit<FailureDetectorOptions, 'graceMs'>;
  readonly configSyncIntervalMs: number;
  /** Bytes per second all partition backups of this server upload at most; 0 = no limit. */
  readonly backupUploadBytesPerSecond?: number;
  /** Bytes of one uploaded part of a partition backup. */
  readonly backupPartBytes?: number;
}

interface Setting {
  readonly flag: string;
  readonly env: string;
  /** undefined: required. */
  readonly defaultText: string | undefined;
  readonly doc: string;
}

export const REPLICA_SETTINGS: readonly Setting[] = [
  { flag: 'host', env: 'PEGASUS_REPLICA_HOST', defaultText: '127.0.0.1', doc: 'IPv4 address to listen on; host:port is this server\'s name in the cluster' },
  { flag: 'port', env: 'PEGASUS_REPLICA_PORT', defaultText: '34801', doc: 'port for THFT and HTTP' },
  { flag: 'data', env: 'PEGASUS_REPLICA_DATA', defaultText: undefined, doc: 'data directory; replicas live in DIR/replicas/<appId>.<index>/' },
  { flag: 'metas', env: 'PEGASUS_REPLICA_METAS', defaultText: '127.0.0.1:34601', doc: 'every meta server, ipv4:port[,ipv4:port...]' },
  { flag: 'fsync', env: 'PEGASUS_REPLICA_FSYNC', defaultText: 'always', doc: 'private log policy: always (sync before acknowledging) or never' },
  { flag: 'beacon-interval-ms', env: 'PEGASUS_REPLICA_BEACON_INTERVAL_MS', defaultText: '1000', doc: 'beacon to the meta server this often' },
  { flag: 'check-interval-ms', env: 'PEGASUS_REPLICA_CHECK_INTERVAL_MS', defaultText: '500', doc: 'check the lease this often' },
  { flag: 'lease-ms', env: 'PEGASUS_REPLICA_LEASE_MS', defaultText: '5000', doc: 'stop serving when no beacon sent this long ago was acknowledged; must be below the meta servers\' grace' },
  { flag: 'config-sync-interval-ms', env: 'PEGASUS_REPLICA_CONFIG_SYNC_INTERVAL_MS', defaultText: '5000', doc: 'report every replica to the meta server this often (config sync)' },
  { flag: 'backup-upload-bytes-per-second', env: 'PEGASUS_REPLICA_BACKUP_UPLOAD_BYTES_PER_SECOND', defaultText: '0', doc: 'backup uploads of this server together send at most this many bytes per second (0: no limit)' },
  { flag: 'backup-part-bytes', env: 'PEGASUS_REPLICA_BACKUP_PART_BYTES', defaultText: String(BACKUP_PART_BYTES), doc: 'bytes of one uploaded part of a partition backup' },
];

export class ReplicaConfigError extends Error {
  override readonly name = 'ReplicaConfigError';
}

/** Flags are `--name value` or `--name=value`; anything else is refused. */
export function parseReplicaConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ReplicaServerConfig {
  const given = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new ReplicaConfigError(`unexpected argument ${JSON.stringify(arg)}; flags are --name value`);
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    if (!REPLICA_SETTINGS.some((setting) => setting.flag === name)) {
      throw new ReplicaConfigError(`unknown flag --${name}; known: ${REPLICA_SETTINGS.map((setting) => `--${setting.flag}`).join(' ')}`);
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new ReplicaConfigError(`--${name} needs a value`);
    given.set(name, value);
  }
  const text = (flag: string): string => {
    const setting = REPLICA_SETTINGS.find((candidate) => candidate.flag === flag);
    if (setting === undefined) throw new Error(`no setting ${flag}`);
    const value = given.get(flag) ?? env[setting.env] ?? setting.defaultText;
    if (value === undefined || value === '') throw new ReplicaConfigError(`--${flag} (or ${setting.env}) is required: ${setting.doc}`);
    return value;
  };
  const fsync = text('fsync');
  if (fsync !== 'always' && fsync !== 'never') throw new ReplicaConfigError(`--fsync must be always or never, not ${JSON.stringify(fsync)}`);
  const metaServers = text('metas').split(',').map((address) => address.trim()).filter((address) => address.length > 0);
  if (metaServers.length === 0) throw new ReplicaConfigError('--metas names no meta server');
  for (const address of metaServers) parseAddress(address, '--metas');
  const host = ipv4(text('host'), '--host');
  // The address is also the server's name in partition configurations: it must be dialable.
  if (host === '0.0.0.0') throw new ReplicaConfigError('--host 0.0.0.0 cannot name this server to others: give the address they reach it at');
  const failureDetector = {
    beaconIntervalMs: positiveInteger(text('beacon-interval-ms'), '--beacon-interval-ms'),
    checkIntervalMs: positiveInteger(text('check-interval-ms'), '--check-interval-ms'),
    leaseMs: positiveInteger(text('lease-ms'), '--lease-ms'),
  };
  try {
    checkFailureDetectorOptions({ ...failureDetector, graceMs: failureDetector.leaseMs + 1 });
  } catch (error) {
    throw new ReplicaConfigError(`failure detector settings: ${(error as Error).message}`);
  }
  return {
    host,
    port: port(text('port'), '--port'),
    dataDirectory: text('data'),
    metaServers,
    fsync,
    failureDetector,
    configSyncIntervalMs: positiveInteger(text('config-sync-interval-ms'), '--config-sync-interval-ms'),
    backupUploadBytesPerSecond: text('backup-upload-bytes-per-second') === '0' ? 0 : positiveInteger(text('backup-upload-bytes-per-second'), '--backup-upload-bytes-per-second'),
    backupPartBytes: atMost(positiveInteger(text('backup-part-bytes'), '--backup-part-bytes'), BACKUP_PART_BYTES_MAX, '--backup-part-bytes'),
  };
}

/** The settings as text for --help and the documentation. */
export function replicaConfigHelp(): string {
  return REPLICA_SETTINGS.map((setting) =>
    `  --${setting.flag} (${setting.env})${setting.defaultText === undefined ? ' required' : ` default ${setting.defaultText}`}\n      ${setting.doc}`).join('\n');
}

export function parseAddress(address: string, what: string): { readonly host: string; readonly port: number } {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) throw new ReplicaConfigError(`${what}: ${JSON.stringify(address)} is not ipv4:port`);
  return { host: ipv4(address.slice(0, colon), what), port: port(address.slice(colon + 1), what) };
}

/** Addresses travel in partition configurations as rpc_address: IPv4 and port only. */
function ipv4(text: string, what: string): string {
  const parts = text.split('.');
  const valid = parts.length === 4 && parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
  if (!valid) throw new ReplicaConfigError(`${what}: ${JSON.stringify(text)} is not an IPv4 address (Pegasus addresses are IPv4)`);
  return text;
}

function port(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535) throw new ReplicaConfigError(`${what}: ${JSON.stringify(text)} is not a port (0-65535)`);
  return value;
}

function atMost(value: number, max: number, what: string): number {
  if (value > max) throw new ReplicaConfigError(`${what}: ${value} is above the limit ${max}`);
  return value;
}

function positiveInteger(text: string, what: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value <= 0 || !Number.isSafeInteger(value)) throw new ReplicaConfigError(`${what}: ${JSON.stringify(text)} is not a positive integer`);
  return value;
}
