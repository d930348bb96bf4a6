// Shared pieces of the replica server tests: a ReplicaServer in this process on real RocksDB and
// real sockets, wired to a TestMeta; a client connection that routes by hash key as clients do;
// polling until a condition holds; server processes started from their entry points.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../../common/clock.ts';
import { crc64 } from '../../../common/crc64.ts';
import { ReplicaServer } from '../../../cluster/replica/server/replica-server.ts';
import { RpcClusterTransport } from '../../../cluster/rpc/node/cluster-transport.ts';
import { RpcCallError, RpcConnection } from '../../../cluster/rpc/node/index.ts';
import type { RpcMethod } from '../../../cluster/rpc/rpc-methods.ts';
import { serveCluster } from '../../../cluster/rpc/node/serve-cluster.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { TEST_FAILURE_DETECTOR } from './test-meta.ts';

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const key = (hashKey: string, sortKey: string): Uint8Array => encodeKey(utf8(hashKey), utf8(sortKey));

export async function temporaryDirectory(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'replica-server-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface StartOptions {
  readonly dataDirectory: string;
  readonly metaServers: readonly string[];
  readonly port?: number;
  /** One replica per partition in these tests unless told otherwise. */
  readonly minReplicaCount?: number;
  readonly log?: string[];
}

export function startReplicaServer(options: StartOptions): Promise<ReplicaServer> {
  const { graceMs: _graceMs, ...failureDetector } = TEST_FAILURE_DETECTOR;
  return ReplicaServer.start({
    config: {
      host: '127.0.0.1',
      port: options.port ?? 0,
      dataDirectory: options.dataDirectory,
      metaServers: options.metaServers,
      fsync: 'always',
      failureDetector,
      configSyncIntervalMs: 500,
    },
    clock: systemClock,
    log: (line) => options.log?.push(line),
    coreOptions: { minReplicaCount: options.minReplicaCount ?? 1 },
    cluster: {
      createOutbound: () => new RpcClusterTransport({ log: () => undefined }),
      serve: (handlers, inbound) => serveCluster(handlers, inbound),
    },
  });
}

/** Routing header fields for a request about `hashKey` in a table of `partitionCount` partitions. */
export function routeOf(appId: number, hashKey: string, partitionCount: number) {
  const partitionHash = crc64(utf8(hashKey));
  return { appId, partitionIndex: Number(partitionHash % BigInt(partitionCount)), partitionHash };
}

export function connect(port: number): Promise<RpcConnection> {
  return RpcConnection.connect({ host: '127.0.0.1', port });
}

/**
 * One call on a connection of its own; undefined when it fails in a way a client retries (for
 * `eventually` while primaries move), any other failure thrown.
 */
export async function callOnce<Request, Response>(port: number, method: RpcMethod<Request, Response>, request: Request, routing: ReturnType<typeof routeOf>): Promise<Response | undefined> {
  const connection = await connect(port);
  try {
    return await connection.call(method, request, { routing });
  } catch (error) {
    if (error instanceof RpcCallError && error.retriable) return undefined;
    throw error;
  } finally {
    connection.close();
  }
}

export async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const REPLICA_MAIN = 'cluster/server/replica-main.ts';
export const META_MAIN = 'cluster/server/meta-main.ts';

export interface Started {
  readonly child: ChildProcess;
  readonly address: string;
  readonly port: number;
  readonly stderr: string[];
}

export function runServerProcess(script: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import=tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The exit code; null when a signal ended the process. */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export function collect(child: ChildProcess): { stdout: string[]; stderr: string[] } {
  const out = { stdout: [] as string[], stderr: [] as string[] };
  child.stdout?.on('data', (chunk: Buffer) => out.stdout.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => out.stderr.push(chunk.toString()));
  return out;
}

/** Starts a server entry point and waits for its ready line. */
export async function startServerProcess(script: string, args: readonly string[]): Promise<Started> {
  const child = runServerProcess(script, args);
  const output = collect(child);
  const ready = await eventually('the ready line', () => {
    const line = output.stdout.join('').split('\n').find((candidate) => candidate.startsWith('{'));
    if (line !== undefined) return JSON.parse(line) as { event: string; role: string; address: string };
    if (child.exitCode !== null) throw new Error(`${script} exited ${child.exitCode}: ${output.stderr.join('')}`);
    return undefined;
  }, 30_000);
  return { child, address: ready.address, port: Number(ready.address.split(':')[1]), stderr: output.stderr };
}
