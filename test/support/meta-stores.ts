// The MetaStore implementations that store-agnostic tests run against: the file store in a fresh
// temporary directory and the ZooKeeper store under a fresh root on the real ZooKeeper. Each
// factory can reopen the same store, to show that what was written survives.
import { mkdtemp, rm } from 'node:fs/promises';
import zookeeper from 'node-zookeeper-client';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileMetaStore } from '../../cluster/meta/store/file-meta-store.ts';
import type { MetaStore } from '../../cluster/meta/store/meta-store.ts';
import { ZooKeeperMetaStore } from '../../cluster/meta/store/zookeeper-meta-store.ts';
import { ZooKeeperSession } from '../../cluster/meta/store/zookeeper-session.ts';
import { endpoints, requireService, uniqueName } from './services.ts';

export interface MetaStoreLocation {
  open(): Promise<MetaStore>;
  remove(): Promise<void>;
}

export interface MetaStoreFactory {
  readonly name: string;
  location(): Promise<MetaStoreLocation>;
}

export async function temporaryMetaDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'pegasus-ts-meta-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

const fileFactory: MetaStoreFactory = {
  name: 'file',
  async location() {
    const directory = await temporaryMetaDirectory();
    return { open: () => FileMetaStore.open({ directory: join(directory.path, 'meta') }), remove: directory.remove };
  },
};

/** Removes `path` and everything below it. */
export async function removeTree(session: ZooKeeperSession, path: string): Promise<void> {
  const children = await session.getChildren(path).catch(() => []);
  for (const child of children) await removeTree(session, `${path}/${child}`);
  await session.remove(path).catch(() => undefined);
}

const zookeeperFactory: MetaStoreFactory = {
  name: 'zookeeper',
  async location() {
    await requireService('zookeeper');
    const root = `/pegasus-ts-test/${uniqueName('meta')}`;
    const connectString = endpoints().zookeeper.connectString;
    return {
      open: () => ZooKeeperMetaStore.open({ connectString, root, sessionTimeoutMs: 6000 }),
      async remove() {
        const session = await ZooKeeperSession.connect({ connectString, sessionTimeoutMs: 6000 });
        try {
          await removeTree(session, root);
        } finally {
          session.close();
        }
      },
    };
  },
};

export const metaStoreFactories: readonly MetaStoreFactory[] = [fileFactory, zookeeperFactory];

/**
 * Makes ZooKeeper expire `session`: another connection takes the session over and ends it. The
 * session's own client may win it back in between, so this tries a few times.
 */
export async function expireSession(session: ZooKeeperSession): Promise<void> {
  for (let attempt = 0; attempt < 10 && session.state() !== 'expired'; attempt++) {
    const options = { sessionTimeout: 6000, sessionId: session.client.getSessionId(), sessionPassword: session.client.getSessionPassword() };
    const thief = zookeeper.createClient(endpoints().zookeeper.connectString, options as unknown as Parameters<typeof zookeeper.createClient>[1]);
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        thief.close();
        resolve();
      };
      const timer = setTimeout(done, 2000);
      thief.once('connected', done);
      thief.once('expired', done);
      thief.connect();
    });
    for (let waitedMs = 0; waitedMs < 2000 && session.state() !== 'expired'; waitedMs += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  if (session.state() !== 'expired') throw new Error('could not expire the session');
}
