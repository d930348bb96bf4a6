// Meta servers for integration tests: in-process on a real port and a real store, with short
// failure-detector timings; as child processes of cluster/server/meta-main.ts; a stand-in replica
// server that talks to them over the real cluster transport; and small RPC/HTTP helpers.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { systemClock } from '../../common/clock.ts';
import { DEFAULT_META_OPTIONS, type MetaOptions } from '../../cluster/meta/core/options.ts';
import { MetaServer, type MetaServerOptions } from '../../cluster/meta/shell/meta-server.ts';
import type { MetaStoreConfig } from '../../cluster/meta/store/open.ts';
import type { FromMetaEnvelope, ReplicaToMetaMessage } from '../../cluster/rpc/cluster-messages.ts';
import { clientRpcs, type RequestOf, type ResponseOf } from '../../cluster/rpc/rpc-methods.ts';
import { RpcClusterTransport } from '../../cluster/rpc/node/cluster-transport.ts';
import { HandlerTable, RpcConnection, RpcServer } from '../../cluster/rpc/node/index.ts';
import { serveCluster } from '../../cluster/rpc/node/serve-cluster.ts';

export const fastMetaOptions: MetaOptions = {
  ...DEFAULT_META_OPTIONS,
  failureDetector: { beaconIntervalMs: 100, checkIntervalMs: 50, leaseMs: 1000, graceMs: 1200 },
  minLiveNodesForUnfreeze: 1,
  liveNodePercentForUnfreeze: 0,
  cureIntervalMs: 200,
  proposalResendMs: 300,
};

/** An in-process meta server on 127.0.0.1:0 with the real RPC cluster transport. */
export function startMetaServer(store: MetaStoreConfig, overrides: Partial<MetaServerOptions> = {}): Promise<MetaServer> {
  return MetaServer.start({
    host: '127.0.0.1',
    port: 0,
    metas: [],
    cluster: 'test',
    store,
    core: fastMetaOptions,
    dropReserveMsDefault: 3_600_000,
    clock: systemClock,
    createOutbound: () => new RpcClusterTransport({ log: () => undefined }),
    log: () => undefined,
    ...overrides,
  });
}

/** A stand-in replica server: its own port for what the meta server sends, a transport to send. */
export class TestReplicaNode {
  private constructor(
    readonly address: string,
    /** Every envelope a meta server sent here, in arrival order. */
    readonly received: FromMetaEnvelope[],
    private readonly server: RpcServer,
    private readonly transport: RpcClusterTransport,
  ) {}

  static async start(): Promise<TestReplicaNode> {
    const handlers = new HandlerTable();
    const received: FromMetaEnvelope[] = [];
    serveCluster(handlers, { onFromMeta: (envelope) => received.push(envelope) });
    const server = new RpcServer({ handlers, log: () => undefined });
    const { port } = await server.listen();
    return new TestReplicaNode(`127.0.0.1:${port}`, received, server, new RpcClusterTransport({ log: () => undefined }));
  }

  send(meta: string, message: ReplicaToMetaMessage): void {
    this.transport.sendToMeta(meta, message);
  }

  /** Waits (beaconing to `meta` meanwhile) until a received envelope satisfies `match`. */
  async waitFor<T>(meta: string, match: (envelope: FromMetaEnvelope) => T | undefined, timeoutMs = 10_000): Promise<T> {
    for (let waitedMs = 0; waitedMs < timeoutMs; waitedMs += 50) {
      for (const envelope of this.received) {
        const found = match(envelope);
        if (found !== undefined) return found;
      }
      this.send(meta, { kind: 'beacon', from: this.address, sentMs: waitedMs });
      await sleep(50);
    }
    throw new Error(`no matching message from ${meta} within ${timeoutMs} ms`);
  }

  async close(): Promise<void> {
    await this.transport.close();
    await this.server.close();
  }
}

/** One RPC to `address` on a fresh connection. */
export async function callMeta<M extends (typeof clientRpcs)[keyof typeof clientRpcs]>(
  address: string,
  method: M,
  request: RequestOf<M>,
): Promise<ResponseOf<M>> {
  const [host, port] = address.split(':');
  const connection = await RpcConnection.connect({ host: host ?? '127.0.0.1', port: Number(port) });
  try {
    return (await connection.call(method as never, request as never, { timeoutMs: 10_000 })) as ResponseOf<M>;
  } finally {
    connection.close();
  }
}

export const createRequest = (appName: string, partitionCount: number, replicaCount = 3): RequestOf<typeof clientRpcs.createApp> => ({
  appName,
  options: { partitionCount, replicaCount, successIfExist: false, appType: 'pegasus', isStateful: true, envs: new Map() },
});

export async function httpJson(address: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: Record<string, unknown>; location: string | null }> {
  const response = await fetch(`http://${address}${path}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), location: response.headers.get('location') };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  for (let waitedMs = 0; ; waitedMs += 100) {
    const value = await probe();
    if (value !== undefined) return value;
    if (waitedMs > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await sleep(100);
  }
}

/** A meta-main.ts child process that printed its ready line. */
export interface MetaProcess {
  readonly address: string;
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly stderr: () => string;
  /** SIGTERM, resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, resolves once gone. */
  kill(): Promise<void>;
}

export function spawnMetaMain(args: readonly string[]): { child: ChildProcessByStdio<null, Readable, Readable>; exited: Promise<number | null>; stderr: () => string; ready: Promise<string> } {
  const child = spawn(process.execPath, ['--import=tsx', 'cluster/server/meta-main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('"event":"ready"'));
      if (line !== undefined) resolve((JSON.parse(line) as { address: string }).address);
    });
    void exited.then((code) => reject(new Error(`meta-main exited with ${code} before ready: ${errors}`)));
  });
  ready.catch(() => undefined);
  return { child, exited, stderr: () => errors, ready };
}

export async function startMetaProcess(args: readonly string[]): Promise<MetaProcess> {
  const { child, exited, stderr, ready } = spawnMetaMain(args);
  const address = await ready;
  return {
    address,
    child,
    stderr,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
