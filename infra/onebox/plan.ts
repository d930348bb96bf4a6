// Which processes a onebox runs, with which flags, ports and directories. Pure: options in, the
// list of server processes out, so the layout is testable without starting anything.
import { join } from 'node:path';
import { ONEBOX_HOST, ONEBOX_REPLICA_PORT_OFFSET, ONEBOX_REPLICAS, ONEBOX_TABLE, defaultOneboxDir, type OneboxOptions } from './options.ts';

export type Role = 'meta' | 'replica';

export interface ServerPlan {
  /** meta-1, replica-2, ...: also the name of its folder under the onebox directory. */
  readonly name: string;
  readonly role: Role;
  readonly port: number;
  readonly address: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** The entry point relative to the repository root, and its flags (contract of cluster/server/). */
  readonly entry: string;
  readonly args: readonly string[];
}

export interface OneboxPlan {
  readonly metas: readonly ServerPlan[];
  readonly replicas: readonly ServerPlan[];
  readonly metaAddresses: readonly string[];
  readonly table: typeof ONEBOX_TABLE;
}

export const ONEBOX_CLUSTER_NAME = 'onebox';
export const META_ENTRY = 'cluster/server/meta-main.ts';
export const REPLICA_ENTRY = 'cluster/server/replica-main.ts';

/**
 * `zkConnect` is `host:port` of ZooKeeper and `zkRoot` this onebox's own root path; both are
 * required exactly when options.zk is set.
 */
export function planOnebox(options: OneboxOptions, zk?: { readonly connect: string; readonly root: string }): OneboxPlan {
  const metaPorts = Array.from({ length: options.metas }, (_, i) => options.basePort + i);
  const metaAddresses = metaPorts.map((port) => `${ONEBOX_HOST}:${port}`);
  const server = (role: Role, index: number, port: number, flags: readonly string[]): ServerPlan => {
    const name = `${role}-${index + 1}`;
    const dataDir = join(options.dir, name);
    return {
      name,
      role,
      port,
      address: `${ONEBOX_HOST}:${port}`,
      dataDir,
      logFile: join(dataDir, `${name}.log`),
      entry: role === 'meta' ? META_ENTRY : REPLICA_ENTRY,
      args: ['--host', ONEBOX_HOST, '--port', String(port), '--data', join(dataDir, 'data'), '--metas', metaAddresses.join(','), ...flags],
    };
  };
  if (options.zk !== (zk !== undefined)) throw new Error('planOnebox: ZooKeeper settings are required exactly when options.zk is set');
  const zkFlags = zk === undefined ? [] : ['--zk', `${zk.connect}${zk.root}`];
  const metas = metaPorts.map((port, i) => server('meta', i, port, [...zkFlags, '--cluster', ONEBOX_CLUSTER_NAME, ...(options.redis === undefined ? [] : ['--redis', options.redis]),
      ...(options.redisPrefix === undefined ? [] : ['--redis-prefix', options.redisPrefix])]));
  const replicas = Array.from({ length: ONEBOX_REPLICAS }, (_, i) =>
    server('replica', i, options.basePort + ONEBOX_REPLICA_PORT_OFFSET + i, ['--fsync', options.fsync]));
  return { metas, replicas, metaAddresses, table: ONEBOX_TABLE };
}

export interface RunningServer {
  readonly name: string;
  readonly role: Role;
  readonly address: string;
  readonly pid: number;
  readonly logFile: string;
}

/** What `npm start` and `pegasus onebox start` print once the onebox is ready. */
export function describeOnebox(dir: string, servers: readonly RunningServer[], metaAddresses: readonly string[], foreground: boolean): string {
  const width = Math.max(...servers.map((server) => server.name.length));
  const metaFlag = metaAddresses.length === 1 && metaAddresses[0] === '127.0.0.1:34601' ? '' : ` --meta ${metaAddresses.join(',')}`;
  return [
    `onebox is up; data and logs in ${dir}`,
    ...servers.map((server) => `  ${server.name.padEnd(width)}  ${server.address}  pid ${server.pid}  log ${server.logFile}`),
    `table ${ONEBOX_TABLE.name}: ${ONEBOX_TABLE.partitionCount} partitions x ${ONEBOX_TABLE.replicaCount} replicas, all healthy`,
    '',
    'try:',
    `  npx pegasus set ${ONEBOX_TABLE.name} h s v${metaFlag}`,
    `  npx pegasus get ${ONEBOX_TABLE.name} h s${metaFlag}`,
    `  npx pegasus app ${ONEBOX_TABLE.name}${metaFlag}`,
    foreground ? 'Ctrl-C (or `npx pegasus onebox stop`) stops it' : `\`npx pegasus onebox stop${dir === defaultOneboxDir() ? '' : ` --dir ${dir}`}\` stops it`,
  ].join('\n');
}
