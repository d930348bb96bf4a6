// Proves the meta server as a process (cluster/server/meta-main.ts): it prints its ready line,
// refuses bad flags, a port in use and a data directory held by another process with a clear
// message, exits 0 on SIGTERM and keeps its tables across a restart; and three meta servers on
// the real ZooKeeper elect one leader, the others answer ERR_FORWARD_TO_OTHERS naming it (RPC)
// or redirect with 307 (HTTP), and when the leader is killed with SIGKILL another takes over
// with every table intact.
import test from 'ava';
import { ZooKeeperSession } from '../../../cluster/meta/store/zookeeper-session.ts';
import { AppStatus } from '../../../cluster/rpc/meta-structs.ts';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import { callMeta, createRequest, httpJson, spawnMetaMain, startMetaProcess, until, type MetaProcess } from '../../support/meta-server.ts';
import { removeTree, temporaryMetaDirectory } from '../../support/meta-stores.ts';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';

const list = async (address: string) => (await callMeta(address, clientRpcs.listApps, { status: AppStatus.invalid })).infos.map((info) => [info.appName, info.status]);

test('meta-main: ready line, clear refusals, SIGTERM exits 0, tables survive a restart', async (t) => {
  const directory = await temporaryMetaDirectory();
  const started: MetaProcess[] = [];
  try {
    const badFlag = spawnMetaMain(['--data', directory.path, '--partitions', '4']);
    t.is(await badFlag.exited, 2);
    t.regex(badFlag.stderr(), /unknown flag --partitions/);
    const badHost = spawnMetaMain(['--data', directory.path, '--host', 'localhost']);
    t.is(await badHost.exited, 2);
    t.regex(badHost.stderr(), /--host "localhost": must be an IPv4 address/);

    const first = await startMetaProcess(['--port', '0', '--data', directory.path]);
    started.push(first);
    t.regex(first.address, /^127\.0\.0\.1:\d+$/);
    await until('the meta server leads', async () => ((await httpJson(first.address, '/v1/cluster')).body['leader'] === first.address ? true : undefined));
    t.deepEqual(await callMeta(first.address, clientRpcs.createApp, createRequest('t1', 8)), { err: 'ERR_OK', appid: 1 });

    const port = first.address.split(':')[1]!;
    const samePort = spawnMetaMain(['--port', port, '--data', `${directory.path}/other`]);
    t.is(await samePort.exited, 1);
    t.regex(samePort.stderr(), new RegExp(`port ${port} on 127.0.0.1 is in use`));
    const sameData = spawnMetaMain(['--port', '0', '--data', directory.path]);
    t.is(await sameData.exited, 1);
    t.regex(sameData.stderr(), /cannot start: .*(held|lock|running)/i);

    t.is(await first.stop(), 0);
    const second = await startMetaProcess(['--port', port, '--data', directory.path]);
    started.push(second);
    await until('the restarted server leads', async () => ((await httpJson(second.address, '/v1/tables')).status === 200 ? true : undefined));
    t.deepEqual(await list(second.address), [['t1', AppStatus.available]]);
    t.is((await callMeta(second.address, clientRpcs.queryConfig, { appName: 't1', partitionIndices: [] })).partitions.length, 8);
    t.is(await second.stop(), 0);
  } finally {
    for (const meta of started) await meta.kill();
    await directory.remove();
  }
});

test('three meta servers on ZooKeeper: non-leaders forward to the leader, and a killed leader is replaced with the tables intact', async (t) => {
  await requireService('zookeeper');
  const connectString = endpoints().zookeeper.connectString;
  const root = `/${uniqueName('meta-ha')}`;
  const directories = await Promise.all([0, 1, 2].map(() => temporaryMetaDirectory()));
  const metas: MetaProcess[] = [];
  try {
    for (const directory of directories) {
      metas.push(await startMetaProcess(['--port', '0', '--data', directory.path, '--zk', `${connectString}${root}`, '--cluster', 'ha', '--zk-session-timeout-ms', '4000']));
    }
    const leaderOf = async (candidates: readonly MetaProcess[]): Promise<MetaProcess | undefined> => {
      for (const meta of candidates) {
        const { body } = await httpJson(meta.address, '/v1/cluster');
        if (body['leader'] === meta.address && (await httpJson(meta.address, '/v1/tables')).status === 200) return meta;
      }
      return undefined;
    };
    const leader = await until('one meta server leads', () => leaderOf(metas));
    const others = metas.filter((meta) => meta !== leader);
    await until('every meta server knows the leader', async () => {
      for (const meta of others) if ((await httpJson(meta.address, '/v1/cluster')).body['leader'] !== leader.address) return undefined;
      return true;
    });
    t.deepEqual(await callMeta(leader.address, clientRpcs.createApp, createRequest('ha_table', 4)), { err: 'ERR_OK', appid: 1 });

    const follower = others[0]!;
    const forwarded = await callMeta(follower.address, clientRpcs.queryConfig, { appName: 'ha_table', partitionIndices: [] });
    t.is(forwarded.err, 'ERR_FORWARD_TO_OTHERS');
    t.is(forwarded.partitions[0]?.primary, leader.address, 'the Java client reads the leader from partitions[0].primary');
    t.is((await callMeta(follower.address, clientRpcs.createApp, createRequest('nope', 4))).err, 'ERR_FORWARD_TO_OTHERS');
    t.is((await callMeta(follower.address, clientRpcs.listApps, { status: AppStatus.invalid })).err, 'ERR_FORWARD_TO_OTHERS');
    const redirected = await httpJson(follower.address, '/v1/tables?x=1');
    t.deepEqual(redirected, { status: 307, location: `http://${leader.address}/v1/tables?x=1`, body: { error: 'ERR_FORWARD_TO_OTHERS', leader: leader.address } });
    t.like((await httpJson(follower.address, '/v1/cluster')).body, { cluster: 'ha', self: follower.address, leader: leader.address });

    const killedAtMs = Date.now();
    await leader.kill();
    const next = await until('another meta server leads', () => leaderOf(others), 30_000);
    t.log(`a new leader served ${Date.now() - killedAtMs} ms after SIGKILL (ZooKeeper session timeout 4000 ms)`);
    t.not(next.address, leader.address);
    t.deepEqual(await list(next.address), [['ha_table', AppStatus.available]]);
    t.is((await callMeta(next.address, clientRpcs.queryConfig, { appName: 'ha_table', partitionIndices: [] })).partitions.length, 4);
    const last = others.find((meta) => meta !== next)!;
    await until('the last one forwards to the new leader', async () => ((await httpJson(last.address, '/v1/tables')).location === `http://${next.address}/v1/tables` ? true : undefined));
    t.deepEqual(await callMeta(next.address, clientRpcs.createApp, createRequest('after_failover', 1)), { err: 'ERR_OK', appid: 2 });
    for (const meta of others) t.is(await meta.stop(), 0);
  } finally {
    for (const meta of metas) await meta.kill();
    for (const directory of directories) await directory.remove();
    const session = await ZooKeeperSession.connect({ connectString });
    await removeTree(session, root);
    session.close();
  }
});
