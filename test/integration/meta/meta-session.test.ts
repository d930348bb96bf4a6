// Proves that a meta server on the real ZooKeeper that does not lead redirects a replica server's
// beacons to the leader, and that a leader stops leading the moment its session expires,
// the other meta server takes over with the tables, the first opens a new session and follows
// (forwarding to the new leader), and leads again from the store when the other one leaves.
import test from 'ava';
import { ZooKeeperSession } from '../../../cluster/meta/store/zookeeper-session.ts';
import { AppStatus } from '../../../cluster/rpc/meta-structs.ts';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import { callMeta, createRequest, startMetaServer, TestReplicaNode, until } from '../../support/meta-server.ts';
import { expireSession, removeTree } from '../../support/meta-stores.ts';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';

test('a leader whose session expires stops at once, follows under a new session, and leads again later', async (t) => {
  await requireService('zookeeper');
  const connectString = endpoints().zookeeper.connectString;
  const root = `/${uniqueName('meta-session')}`;
  const store = { kind: 'zookeeper' as const, connectString, root, sessionTimeoutMs: 4000 };
  const a = await startMetaServer(store);
  await until('a leads', () => (a.isLeader() ? true : undefined));
  const b = await startMetaServer(store);
  const node = await TestReplicaNode.start();
  try {
    t.is((await callMeta(a.self, clientRpcs.createApp, createRequest('kept', 2))).err, 'ERR_OK');
    const redirect = await node.waitFor(b.self, (envelope) => (envelope.message.kind === 'forward' && envelope.message.leader !== '' ? envelope : undefined));
    t.deepEqual(redirect, { from: b.self, apps: [], message: { kind: 'forward', to: node.address, leader: a.self } });
    const old = a.zookeeperSession!;
    await expireSession(old);
    t.false(a.isLeader(), 'no term outlives its session');
    await until('b leads', () => (b.isLeader() ? true : undefined));
    t.deepEqual((await callMeta(b.self, clientRpcs.listApps, { status: AppStatus.invalid })).infos.map((info) => info.appName), ['kept']);
    await until('a has a new session', () => (a.zookeeperSession !== undefined && a.zookeeperSession !== old ? true : undefined));
    const forwarded = await until('a forwards to b', async () => {
      const answer = await callMeta(a.self, clientRpcs.queryConfig, { appName: 'kept', partitionIndices: [] });
      return answer.partitions[0]?.primary === b.self ? answer : undefined;
    });
    t.is(forwarded.err, 'ERR_FORWARD_TO_OTHERS');
    await b.close();
    await until('a leads again', () => (a.isLeader() ? true : undefined));
    t.is((await callMeta(a.self, clientRpcs.queryConfig, { appName: 'kept', partitionIndices: [] })).partitions.length, 2);
  } finally {
    await node.close();
    await b.close();
    await a.close();
    const session = await ZooKeeperSession.connect({ connectString });
    await removeTree(session, root);
    session.close();
  }
});
