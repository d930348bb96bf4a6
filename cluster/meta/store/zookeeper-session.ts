// One ZooKeeper session with promise-returning operations whose failures are MetaStoreErrors:
// connection loss and timeouts are retriable (the outcome of a write is then unknown), session
// expiry is final and reported to listeners at once. The store and the election of one meta
// server share a session, as Pegasus's do.
import type { Client, Event, Stat, Transaction } from 'node-zookeeper-client';
import zookeeper from 'node-zookeeper-client';
import { MetaStoreError } from './meta-store.ts';

export interface ZooKeeperSessionOptions {
  /** "host:port[,host:port...]". */
  readonly connectString: string;
  /** Pegasus uses 30000 (`[zookeeper] timeout_ms`). */
  readonly sessionTimeoutMs?: number;
  /** How long one operation may wait, connection losses included, before ERR_TIMEOUT. */
  readonly operationTimeoutMs?: number;
  /** How long `connect` waits for the first connection. */
  readonly connectTimeoutMs?: number;
}

export type SessionState = 'connected' | 'disconnected' | 'expired' | 'closed';

const { Exception } = zookeeper;

function toError(operation: string, path: string, error: unknown): MetaStoreError {
  if (error instanceof MetaStoreError) return error;
  const code = (error as { code?: unknown }).code;
  const what = `zookeeper ${operation} ${path}: ${String(error)}`;
  if (code === Exception.CONNECTION_LOSS || code === Exception.OPERATION_TIMEOUT) return new MetaStoreError('ERR_TIMEOUT', what, true, { cause: error });
  if (code === Exception.SESSION_EXPIRED) return new MetaStoreError('ERR_SESSION_EXPIRED', what, false, { cause: error });
  return new MetaStoreError('ERR_ZOOKEEPER_OPERATION', what, false, { cause: error });
}

/** The ZooKeeper exception code of an error from this module, if it came from ZooKeeper. */
export function zookeeperCode(error: unknown): number | undefined {
  const cause = error instanceof MetaStoreError ? error.cause : error;
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

export class ZooKeeperSession {
  private stateNow: SessionState = 'disconnected';
  private readonly listeners = new Set<(state: SessionState) => void>();

  private constructor(
    readonly client: Client,
    private readonly operationTimeoutMs: number,
  ) {
    client.on('connected', () => this.setState('connected'));
    client.on('disconnected', () => this.setState('disconnected'));
    client.on('expired', () => this.setState('expired'));
  }

  static async connect(options: ZooKeeperSessionOptions): Promise<ZooKeeperSession> {
    const client = zookeeper.createClient(options.connectString, { sessionTimeout: options.sessionTimeoutMs ?? 30_000, spinDelay: 200, retries: 0 });
    const session = new ZooKeeperSession(client, options.operationTimeoutMs ?? 10_000);
    const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.close();
        reject(new MetaStoreError('ERR_TIMEOUT', `zookeeper ${options.connectString}: no connection within ${connectTimeoutMs} ms`, true));
      }, connectTimeoutMs);
      client.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      client.connect();
    });
    return session;
  }

  state(): SessionState {
    return this.stateNow;
  }

  /** 16 hex digits, as ZooKeeper logs it. */
  sessionId(): string {
    return this.client.getSessionId().toString('hex');
  }

  /** Called on every state change; 'expired' and 'closed' are final. Returns an unsubscribe function. */
  onStateChange(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.stateNow === 'closed') return;
    this.client.close();
    this.setState('closed');
  }

  /** Runs one client call, failing fast when the session is over and after the operation timeout. */
  run<T>(operation: string, path: string, call: (done: (error: unknown, result?: T) => void) => void): Promise<T> {
    if (this.stateNow === 'expired') return Promise.reject(new MetaStoreError('ERR_SESSION_EXPIRED', `zookeeper ${operation} ${path}: the session expired`, false));
    if (this.stateNow === 'closed') return Promise.reject(new MetaStoreError('ERR_INVALID_STATE', `zookeeper ${operation} ${path}: the session is closed`, false));
    return new Promise<T>((resolve, reject) => {
      let finished = false;
      const timer = setTimeout(() => {
        finished = true;
        reject(new MetaStoreError('ERR_TIMEOUT', `zookeeper ${operation} ${path}: no answer within ${this.operationTimeoutMs} ms`, true));
      }, this.operationTimeoutMs);
      call((error, result) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        if (error !== null && error !== undefined) reject(toError(operation, path, error));
        else resolve(result as T);
      });
    });
  }

  getData(path: string): Promise<Buffer> {
    return this.run<Buffer>('getData', path, (done) => this.client.getData(path, (error, data) => done(error, data ?? Buffer.alloc(0))));
  }

  setData(path: string, data: Buffer): Promise<Stat> {
    return this.run<Stat>('setData', path, (done) => this.client.setData(path, data, -1, (error, stat) => done(error, stat)));
  }

  create(path: string, data: Buffer, mode: number = zookeeper.CreateMode.PERSISTENT): Promise<string> {
    return this.run<string>('create', path, (done) => this.client.create(path, data, mode, (error, created) => done(error, created)));
  }

  mkdirp(path: string): Promise<void> {
    return this.run<void>('mkdirp', path, (done) => this.client.mkdirp(path, (error) => done(error)));
  }

  remove(path: string): Promise<void> {
    return this.run<void>('remove', path, (done) => this.client.remove(path, -1, (error) => done(error)));
  }

  getChildren(path: string): Promise<string[]> {
    return this.run<string[]>('getChildren', path, (done) => this.client.getChildren(path, (error, children) => done(error, children)));
  }

  /** Whether `path` exists; `watcher` fires once on its next change (set in both cases). */
  exists(path: string, watcher: (event: Event) => void): Promise<boolean> {
    return this.run<boolean>('exists', path, (done) => this.client.exists(path, watcher, (error, stat) => done(error, stat !== null && stat !== undefined)));
  }

  /**
   * Commits the operations `build` adds, all or none. Resolves with the index of the operation that
   * failed and its ZooKeeper code, or undefined when all applied.
   */
  multi(path: string, build: (transaction: Transaction) => Transaction): Promise<{ index: number; code: number } | undefined> {
    return this.run<{ index: number; code: number } | undefined>('multi', path, (done) =>
      build(this.client.transaction()).commit((error, results: unknown) => {
        const list = Array.isArray(results) ? (results as { err?: number }[]) : [];
        const index = list.findIndex((result) => typeof result.err === 'number' && result.err !== 0);
        const failed = list[index];
        if (failed !== undefined && failed.err !== undefined) done(null, { index, code: failed.err });
        else done(error);
      }),
    );
  }

  private setState(state: SessionState): void {
    if (this.stateNow === 'closed' || this.stateNow === 'expired' || this.stateNow === state) return;
    this.stateNow = state;
    for (const listener of [...this.listeners]) listener(state);
  }
}
