// Proves leader election among meta servers on the real ZooKeeper: the first candidate leads and
// every candidate can name it; when the leader's session closes or expires, it reports the loss
// and the next candidate takes over; a candidate in the middle leaving changes nothing; a store on
// an expired session refuses with a final error; an unreachable ZooKeeper is a retriable error;
// two meta servers opened from one ZooKeeper configuration share data and elect one leader; and
// their stores write only while leading (a leader whose lock node vanished is refused at once).
import test from 'ava';
import { LocalLeaderElection } from '../../cluster/meta/store/local-election.ts';
import { openMetaStorage } from '../../cluster/meta/store/open.ts';
import type { LeadershipChange } from '../../cluster/meta/store/meta-store.ts';
import { MetaStoreError } from '../../cluster/meta/store/meta-store.ts';
import { ZooKeeperLeaderElection } from '../../cluster/meta/store/zookeeper-election.ts';
import { ZooKeeperMetaStore } from '../../cluster/meta/store/zookeeper-meta-store.ts';
import { ZooKeeperSession } from '../../cluster/meta/store/zookeeper-session.ts';
import { expireSession as expire, removeTree } from '../support/meta-stores.ts';
import { endpoints, requireService, uniqueName } from '../support/services.ts';

const connectString = () => endpoints().zookeeper.connectString;

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  for (let waitedMs = 0; !condition(); waitedMs += 20) {
    if (waitedMs > timeoutMs) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Candidate {
  readonly session: ZooKeeperSession;
  readonly election: ZooKeeperLeaderElection;
  readonly changes: LeadershipChange[];
}

async function candidate(electionPath: string, address: string): Promise<Candidate> {
  const session = await ZooKeeperSession.connect({ connectString: connectString(), sessionTimeoutMs: 6000 });
  const election = new ZooKeeperLeaderElection({ session, electionPath, address, retryDelayMs: 100 });
  const changes: LeadershipChange[] = [];
  election.onLeadershipChange((change) => changes.push(change));
  await election.start();
  return { session, election, changes };
}

async function withElectionPath(body: (electionPath: string) => Promise<void>): Promise<void> {
  await requireService('zookeeper');
  const root = `/pegasus-ts-test/${uniqueName('election')}`;
  try {
    await body(`${root}/lock/dsn.meta.server.leader`);
  } finally {
    const session = await ZooKeeperSession.connect({ connectString: connectString() });
    await removeTree(session, root);
    session.close();
  }
}

test.serial('the first candidate leads; when its session closes the next one takes over', async (t) => {
  await withElectionPath(async (electionPath) => {
    const a = await candidate(electionPath, 'meta-a:34601');
    const b = await candidate(electionPath, 'meta-b:34601');
    try {
      t.true(a.election.isLeader());
      t.false(b.election.isLeader());
      t.is(await b.election.leaderAddress(), 'meta-a:34601');
      t.deepEqual(a.changes, [{ leader: true, reason: 'elected' }]);
      a.session.close();
      t.false(a.election.isLeader(), 'the loss is reported at once');
      t.deepEqual(a.changes.at(-1), { leader: false, reason: 'session_closed' });
      await until('b leads', () => b.election.isLeader());
      t.deepEqual(b.changes, [{ leader: true, reason: 'elected' }]);
      t.is(await b.election.leaderAddress(), 'meta-b:34601');
    } finally {
      await b.election.close();
      b.session.close();
      a.session.close();
    }
  });
});

test.serial('a candidate in the middle leaving changes nothing; the last one leads after the leader leaves', async (t) => {
  await withElectionPath(async (electionPath) => {
    const all = [await candidate(electionPath, 'a:1'), await candidate(electionPath, 'b:1'), await candidate(electionPath, 'c:1')];
    const [a, b, c] = all as [Candidate, Candidate, Candidate];
    try {
      await b.election.close();
      await new Promise((resolve) => setTimeout(resolve, 200));
      t.true(a.election.isLeader());
      t.false(c.election.isLeader());
      t.is(await c.election.leaderAddress(), 'a:1');
      await a.election.close();
      t.deepEqual(a.changes.at(-1), { leader: false, reason: 'closed' });
      await until('c leads', () => c.election.isLeader());
      t.is(await a.election.leaderAddress(), 'c:1');
    } finally {
      for (const each of all) {
        await each.election.close();
        each.session.close();
      }
    }
  });
});

test.serial('an expired session loses leadership, the store on it refuses for good, and another candidate leads', async (t) => {
  t.timeout(40_000);
  await withElectionPath(async (electionPath) => {
    const a = await candidate(electionPath, 'a:1');
    const b = await candidate(electionPath, 'b:1');
    const store = await ZooKeeperMetaStore.onSession(a.session, { root: electionPath.replace(/\/lock\/.*$/, '/data') });
    try {
      await store.put('apps/1', 'v');
      t.true(a.election.isLeader());
      await expire(a.session);
      t.false(a.election.isLeader());
      t.deepEqual(a.changes.at(-1), { leader: false, reason: 'session_expired' });
      const error = await t.throwsAsync(store.put('apps/1', 'w'), { instanceOf: MetaStoreError });
      t.is(error?.code, 'ERR_SESSION_EXPIRED');
      t.false(error?.retriable);
      await until('b leads', () => b.election.isLeader());
      t.is(await b.election.leaderAddress(), 'b:1');
    } finally {
      await store.close();
      await b.election.close();
      b.session.close();
      a.session.close();
    }
  });
});

test('an unreachable ZooKeeper is a retriable timeout', async (t) => {
  const error = await t.throwsAsync(ZooKeeperSession.connect({ connectString: '127.0.0.1:1', connectTimeoutMs: 300 }), { instanceOf: MetaStoreError });
  t.is(error?.code, 'ERR_TIMEOUT');
  t.true(error?.retriable);
});

test('the file store election leads from start to close', async (t) => {
  const election = new LocalLeaderElection('meta:34601');
  const changes: LeadershipChange[] = [];
  election.onLeadershipChange((change) => changes.push(change));
  t.false(election.isLeader());
  await election.start();
  t.true(election.isLeader());
  t.is(await election.leaderAddress(), 'meta:34601');
  await election.close();
  t.false(election.isLeader());
  t.deepEqual(changes, [{ leader: true, reason: 'elected' }, { leader: false, reason: 'closed' }]);
});

test.serial('two meta servers opened from a ZooKeeper configuration share the data and elect one leader', async (t) => {
  await withElectionPath(async (electionPath) => {
    const root = electionPath.replace(/\/lock\/.*$/, '');
    const config = { kind: 'zookeeper', connectString: connectString(), root, sessionTimeoutMs: 6000 } as const;
    const first = await openMetaStorage(config, 'meta-1:34601');
    const second = await openMetaStorage(config, 'meta-2:34601');
    try {
      await first.election.start();
      await second.election.start();
      t.true(first.election.isLeader());
      t.false(second.election.isLeader());
      await first.store.put('apps/1', 'table');
      t.deepEqual(await second.store.entries(), [['apps/1', 'table']]);
      await first.close();
      await until('the second leads', () => second.election.isLeader());
      t.is(await second.election.leaderAddress(), 'meta-2:34601');
    } finally {
      await first.close();
      await second.close();
    }
  });
});

test.serial('a fenced store writes only while its meta server leads', async (t) => {
  await withElectionPath(async (electionPath) => {
    const root = electionPath.replace(/\/lock\/.*$/, '');
    const config = { kind: 'zookeeper', connectString: connectString(), root, sessionTimeoutMs: 6000 } as const;
    const first = await openMetaStorage(config, 'meta-1:34601');
    const second = await openMetaStorage(config, 'meta-2:34601');
    try {
      await first.election.start();
      await second.election.start();
      await first.store.put('apps/1', 'from the leader');
      await first.store.put('apps/1/0', 'a new key under the leader');
      await first.store.delete('apps/1/0');
      const refused = await t.throwsAsync(second.store.put('apps/1', 'from a follower'), { instanceOf: MetaStoreError });
      t.is(refused?.code, 'ERR_FORWARD_TO_OTHERS');
      // Depose the first without telling it: its lock node disappears; its next write is refused.
      const children = await second.session?.getChildren(electionPath) ?? [];
      const lowest = [...children].sort()[0];
      const depose = first.store.put('apps/1', 'from a deposed leader');
      await second.session?.remove(`${electionPath}/${lowest}`);
      await depose.catch(() => undefined);
      const late = await t.throwsAsync(first.store.put('apps/2', 'late'), { instanceOf: MetaStoreError });
      t.is(late?.code, 'ERR_FORWARD_TO_OTHERS');
      await until('the second leads', () => second.election.isLeader());
      t.is(await second.store.get('apps/2'), undefined);
      await second.store.put('apps/1', 'from the new leader');
      t.is(await first.store.get('apps/1'), 'from the new leader');
    } finally {
      await first.close();
      await second.close();
    }
  });
});
