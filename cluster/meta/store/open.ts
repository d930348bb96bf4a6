// Opens the store and the election a meta server runs on, from its configuration: the file store
// with the always-leader election, or one ZooKeeper session shared by the store and the election
// (layout: <root>/meta for the keys, <root>/lock/dsn.meta.server.leader for the lock nodes); the
// ZooKeeper store then writes only while its server leads (fenced by the lock node).
import { FileMetaStore } from './file-meta-store.ts';
import { LocalLeaderElection } from './local-election.ts';
import type { LeaderElection, MetaStore } from './meta-store.ts';
import { ZooKeeperLeaderElection } from './zookeeper-election.ts';
import { ZooKeeperMetaStore } from './zookeeper-meta-store.ts';
import type { ZooKeeperSessionOptions } from './zookeeper-session.ts';
import { ZooKeeperSession } from './zookeeper-session.ts';

export type MetaStoreConfig =
  | { readonly kind: 'file'; readonly directory: string }
  | (ZooKeeperSessionOptions & { readonly kind: 'zookeeper'; /** e.g. "/pegasus-ts/onebox" */ readonly root: string });

export interface MetaStorage {
  readonly store: MetaStore;
  readonly election: LeaderElection;
  /** The ZooKeeper session, whose 'expired' state means: stop serving and start over. */
  readonly session: ZooKeeperSession | undefined;
  /** Leaves the election, closes the store and the session. */
  close(): Promise<void>;
}

/** Opens the store and creates (does not start) the election for the meta server at `address`. */
export async function openMetaStorage(config: MetaStoreConfig, address: string): Promise<MetaStorage> {
  if (config.kind === 'file') {
    const store = await FileMetaStore.open({ directory: config.directory });
    const election = new LocalLeaderElection(address);
    return { store, election, session: undefined, close: async () => { await election.close(); await store.close(); } };
  }
  const session = await ZooKeeperSession.connect(config);
  try {
    const election = new ZooKeeperLeaderElection({ session, electionPath: `${config.root}/lock/dsn.meta.server.leader`, address });
    const store = await ZooKeeperMetaStore.onSession(session, { root: `${config.root}/meta`, fence: election });
    return {
      store,
      election,
      session,
      close: async () => {
        await election.close();
        await store.close();
        session.close();
      },
    };
  } catch (error) {
    session.close();
    throw error;
  }
}
