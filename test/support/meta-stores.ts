// The MetaStore implementations that store-agnostic tests run against: the file store in a fresh
// temporary directory and the ZooKeeper store under a fresh root on the real ZooKeeper. Each
// factory can reopen the same store, to show that what was written survives.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileMetaStore } from '../../cluster/meta/store/file-meta-store.ts';
import type { MetaStore } from '../../cluster/meta/store/meta-store.ts';
import { ZooKeeperMetaStore } from '../../cluster/meta/store/zookeeper-meta-store.ts';
import { ZooKeeperSession } from '../../cluster/meta/store/zookeeper-session.ts';
import { removeTree } from '../../infra/services/zookeeper-tree.ts';
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

export { removeTree } from '../../infra/services/zookeeper-tree.ts';

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
