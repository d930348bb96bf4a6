// The MetaStore on ZooKeeper, as Pegasus keeps its meta state: key "apps/1/0" is the node
// <root>/apps/1/0 and its value the node's data (UTF-8). Parents are created as needed with empty
// data; a node with empty data has no value (values are never empty). A put resolves once
// ZooKeeper acknowledged it, which makes it durable on a quorum.
import type { Transaction } from 'node-zookeeper-client';
import zookeeper from 'node-zookeeper-client';
import { assert } from '../../../common/assert.ts';
import { META_STORE_ENTRIES_MAX, META_STORE_READS_IN_FLIGHT_MAX } from '../../../common/limits.ts';
import { KeyedQueue } from './keyed-queue.ts';
import type { MetaStore } from './meta-store.ts';
import { checkKey, checkValue, closedError, MetaStoreError } from './meta-store.ts';
import type { ZooKeeperSessionOptions } from './zookeeper-session.ts';
import { ZooKeeperSession, zookeeperCode } from './zookeeper-session.ts';

export interface ZooKeeperMetaStoreOptions {
  /** Absolute path under which the keys live, e.g. "/pegasus-ts/<cluster>". */
  readonly root: string;
  /**
   * Writes only while leading: each put and delete is one transaction with a check that this
   * lock node exists, so a deposed leader's writes are refused with ERR_FORWARD_TO_OTHERS.
   */
  readonly fence?: { lockNodePath(): string | undefined };
}

const { Exception } = zookeeper;
const EMPTY = Buffer.alloc(0);

export function checkRoot(root: string): void {
  if (!/^(\/[A-Za-z0-9_.-]+)+$/.test(root)) {
    throw new MetaStoreError('ERR_INVALID_PARAMETERS', `zookeeper root ${JSON.stringify(root)} is not an absolute path of plain segments`, false);
  }
}

export class ZooKeeperMetaStore implements MetaStore {
  private readonly queue: KeyedQueue;
  private closed = false;

  private constructor(
    readonly session: ZooKeeperSession,
    readonly root: string,
    private readonly ownsSession: boolean,
    private readonly fence: { lockNodePath(): string | undefined } | undefined,
  ) {
    this.queue = new KeyedQueue(`meta store zookeeper ${root}`);
  }

  /** Connects a session of its own (closed with the store) and creates the root. */
  static async open(options: ZooKeeperSessionOptions & ZooKeeperMetaStoreOptions): Promise<ZooKeeperMetaStore> {
    checkRoot(options.root);
    const session = await ZooKeeperSession.connect(options);
    try {
      return await ZooKeeperMetaStore.onSession(session, options, true);
    } catch (error) {
      session.close();
      throw error;
    }
  }

  /** A store on a session shared with others (the election); closing the store leaves it open. */
  static async onSession(session: ZooKeeperSession, options: ZooKeeperMetaStoreOptions, ownsSession = false): Promise<ZooKeeperMetaStore> {
    checkRoot(options.root);
    await session.mkdirp(options.root);
    return new ZooKeeperMetaStore(session, options.root, ownsSession, options.fence);
  }

  async put(key: string, value: string): Promise<void> {
    checkKey(key);
    checkValue(key, value);
    this.checkOpen();
    const path = this.path(key);
    const data = Buffer.from(value, 'utf8');
    await this.queue.run(key, async () => {
      if (await this.fenced(path, (tx) => tx.setData(path, data, -1)) !== Exception.NO_NODE) return;
      await this.session.mkdirp(path.slice(0, path.lastIndexOf('/')));
      if (await this.fenced(path, (tx) => tx.create(path, data, zookeeper.CreateMode.PERSISTENT)) !== Exception.NODE_EXISTS) return;
      await this.fenced(path, (tx) => tx.setData(path, data, -1));
    });
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    this.checkOpen();
    const path = this.path(key);
    await this.queue.run(key, async () => {
      const code = await this.fenced(path, (tx) => tx.remove(path, -1));
      if (code === Exception.NOT_EMPTY) await this.fenced(path, (tx) => tx.setData(path, EMPTY, -1));
    });
  }

  async get(key: string): Promise<string | undefined> {
    checkKey(key);
    this.checkOpen();
    return this.read(this.path(key));
  }

  async entries(prefix?: string): Promise<[string, string][]> {
    if (prefix !== undefined) checkKey(prefix);
    this.checkOpen();
    const out: [string, string][] = [];
    let level = prefix === undefined ? await this.children(this.root) : [prefix];
    let visited = 0;
    while (level.length > 0) {
      visited += level.length;
      if (visited > META_STORE_ENTRIES_MAX) throw new MetaStoreError('ERR_CORRUPTION', `zookeeper ${this.root}: more than ${META_STORE_ENTRIES_MAX} nodes`, false);
      const found: { key: string; value: string | undefined; children: string[] }[] = [];
      for (let start = 0; start < level.length; start += META_STORE_READS_IN_FLIGHT_MAX) {
        found.push(...await Promise.all(level.slice(start, start + META_STORE_READS_IN_FLIGHT_MAX).map(async (key) => {
          const [value, children] = await Promise.all([this.read(this.path(key)), this.children(this.path(key))]);
          return { key, value, children };
        })));
      }
      level = [];
      for (const { key, value, children } of found) {
        if (value !== undefined) out.push([key, value]);
        for (const child of children) level.push(`${key}/${child}`);
      }
    }
    return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.drain();
    assert(this.queue.size() === 0, 'writes left after close');
    if (this.ownsSession) this.session.close();
  }

  /**
   * Applies one write, behind the fence check if there is a fence. Returns undefined when applied,
   * NO_NODE / NODE_EXISTS / NOT_EMPTY for the caller to handle; throws on anything else.
   */
  private async fenced(path: string, write: (transaction: Transaction) => Transaction): Promise<number | undefined> {
    const lockNode = this.fence?.lockNodePath();
    if (this.fence !== undefined && lockNode === undefined) {
      throw new MetaStoreError('ERR_FORWARD_TO_OTHERS', `meta store zookeeper ${this.root}: not the leader, ${path} not written`, false);
    }
    const failed = await this.session.multi(path, (tx) => write(lockNode === undefined ? tx : tx.check(lockNode)));
    if (failed === undefined) return undefined;
    const writeIndex = lockNode === undefined ? 0 : 1;
    if (failed.index < writeIndex) {
      throw new MetaStoreError('ERR_FORWARD_TO_OTHERS', `meta store zookeeper ${this.root}: leadership lost (${lockNode} is gone), ${path} not written`, false);
    }
    if (failed.code === Exception.NO_NODE || failed.code === Exception.NODE_EXISTS || failed.code === Exception.NOT_EMPTY) return failed.code;
    throw new MetaStoreError('ERR_ZOOKEEPER_OPERATION', `zookeeper write ${path}: error code ${failed.code}`, false);
  }

  private path(key: string): string {
    return `${this.root}/${key}`;
  }

  private checkOpen(): void {
    if (this.closed) throw closedError(`meta store zookeeper ${this.root}`);
  }

  private async read(path: string): Promise<string | undefined> {
    try {
      const data = await this.session.getData(path);
      return data.length === 0 ? undefined : data.toString('utf8');
    } catch (error) {
      if (zookeeperCode(error) === Exception.NO_NODE) return undefined;
      throw error;
    }
  }

  private async children(path: string): Promise<string[]> {
    try {
      return await this.session.getChildren(path);
    } catch (error) {
      if (zookeeperCode(error) === Exception.NO_NODE) return [];
      throw error;
    }
  }
}
