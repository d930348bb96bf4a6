// Proves replica servers follow the meta leader: three meta server processes on the real
// ZooKeeper and three replica server processes configured with all three; when the leading meta
// server is killed with SIGKILL, the replica servers move to the new leader (silence, then the
// next configured meta server, whose redirects name the leader), their leases are renewed there,
// and the table serves every acknowledged write and new ones.
import test from 'ava';
import { join } from 'node:path';
import { ZooKeeperSession } from '../../../cluster/meta/store/zookeeper-session.ts';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import { removeTree } from '../../support/meta-stores.ts';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';
import {
  callOnce, eventually, exited, key, META_MAIN, REPLICA_MAIN, routeOf, startServerProcess, temporaryDirectory, text, utf8, type Started,
} from './harness.ts';
import { freePort } from '../../../infra/onebox/ports.ts';

const PARTITIONS = 2;

async function json(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { redirect: 'manual' });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

interface Partition { readonly primary: string; readonly healthy: boolean }

test('replica servers follow a new meta leader after the old one is killed, and keep serving', async (t) => {
  await requireService('zookeeper');
  const connectString = endpoints().zookeeper.connectString;
  const root = `/${uniqueName('replica-failover')}`;
  const directory = await temporaryDirectory();
  const processes: Started[] = [];
  t.teardown(async () => {
    for (const started of processes) if (started.child.exitCode === null) started.child.kill('SIGKILL');
    await Promise.all(processes.map((started) => exited(started.child)));
    await directory.remove();
    const session = await ZooKeeperSession.connect({ connectString });
    await removeTree(session, root);
    session.close();
  });
  const metaPorts = [await freePort(), await freePort(), await freePort()];
  const metaList = metaPorts.map((port) => `127.0.0.1:${port}`).join(',');
  const metas = await Promise.all(metaPorts.map((port, i) => startServerProcess(META_MAIN, [
    '--port', String(port), '--data', join(directory.path, `meta${i}`), '--metas', metaList,
    '--zk', `${connectString}${root}`, '--cluster', 'failover', '--zk-session-timeout-ms', '4000',
  ])));
  processes.push(...metas);
  const leaderOf = async (candidates: readonly Started[]): Promise<Started | undefined> => {
    for (const meta of candidates) {
      const { body } = await json(`http://${meta.address}/v1/cluster`);
      if (body['leader'] === meta.address && (await json(`http://${meta.address}/v1/tables`)).status === 200) return meta;
    }
    return undefined;
  };
  const leader = await eventually('one meta server leads', () => leaderOf(metas), 30_000);
  const replicas = await Promise.all([1, 2, 3].map((n) =>
    startServerProcess(REPLICA_MAIN, ['--port', '0', '--data', join(directory.path, `replica${n}`), '--metas', metaList])));
  processes.push(...replicas);

  const created = await eventually('the table to be created', async () => {
    const response = await fetch(`http://${leader.address}/v1/tables`, { method: 'POST', body: JSON.stringify({ name: 'ha', partitionCount: PARTITIONS, replicaCount: 3 }) });
    return response.status === 201 ? await response.json() as { appId: number } : undefined;
  }, 30_000);
  const portOf = new Map(replicas.map((replica) => [replica.address, replica.port]));
  const primaryPort = async (meta: Started, hashKey: string): Promise<number | undefined> => {
    const { status, body } = await json(`http://${meta.address}/v1/tables/ha/config`);
    const partitions = body['partitions'] as Partition[] | undefined;
    if (status !== 200 || partitions === undefined || !partitions.every((partition) => partition.healthy)) return undefined;
    return portOf.get(partitions[routeOf(created.appId, hashKey, PARTITIONS).partitionIndex]?.primary ?? '');
  };
  const put = (meta: Started, hashKey: string) => eventually(`put ${hashKey}`, async () => {
    const port = await primaryPort(meta, hashKey);
    if (port === undefined) return undefined;
    const response = await callOnce(port, clientRpcs.put, { kind: 'put', key: key(hashKey, 's'), value: utf8(`v-${hashKey}`), expireTsSeconds: 0 }, routeOf(created.appId, hashKey, PARTITIONS));
    return response?.error === 0 ? true : undefined;
  }, 60_000);
  const get = (meta: Started, hashKey: string) => eventually(`get ${hashKey}`, async () => {
    const port = await primaryPort(meta, hashKey);
    if (port === undefined) return undefined;
    const response = await callOnce(port, clientRpcs.get, { kind: 'get', key: key(hashKey, 's') }, routeOf(created.appId, hashKey, PARTITIONS));
    return response === undefined ? undefined : text(response.value);
  }, 60_000);
  const before = ['a', 'b', 'c', 'd'];
  for (const hashKey of before) await put(leader, hashKey);

  leader.child.kill('SIGKILL');
  await exited(leader.child);
  const others = metas.filter((meta) => meta !== leader);
  const next = await eventually('another meta server leads', () => leaderOf(others), 60_000);
  for (const replica of replicas) {
    await eventually(`${replica.address} to follow the new leader`, async () => {
      const { body } = await json(`http://${replica.address}/v1/replicas`);
      return body['metaLeader'] === next.address && body['leaseValid'] === true ? true : undefined;
    }, 60_000);
  }
  for (const hashKey of before) t.is(await get(next, hashKey), `v-${hashKey}`);
  await put(next, 'after');
  t.is(await get(next, 'after'), 'v-after');
});
