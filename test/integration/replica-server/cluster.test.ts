// Proves the real processes make a working cluster: one meta server process and three replica
// server processes; a table created over the meta server's HTTP API becomes healthy in every
// partition (a primary and two secondaries), the meta server's routing answer (query_cfg) names
// the primaries, and every client RPC works over the wire against a primary. A dropped table
// stops being served but keeps its files, a recall serves it again with its data, and once a
// drop's reserve time is over the replica servers delete the files. A replica server killed with
// SIGKILL is replaced by the others, and rejoins every partition when it restarts.
import test from 'ava';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import { exerciseEveryClientRpc, HASH_KEY } from './client-rpcs.ts';
import {
  callOnce, connect, eventually, exited, key, META_MAIN, REPLICA_MAIN, routeOf, startServerProcess, temporaryDirectory, text, type Started,
} from './harness.ts';
import { freePort } from '../../../infra/onebox/ports.ts';
import { RpcCallError } from '../../../cluster/rpc/node/index.ts';

const PARTITIONS = 4;

interface TableConfig {
  readonly appId: number;
  readonly partitions: ReadonlyArray<{ readonly index: number; readonly primary: string; readonly secondaries: readonly string[]; readonly healthy: boolean }>;
}

interface Cluster {
  readonly directory: string;
  readonly metaPort: number;
  readonly http: string;
  readonly replicas: readonly Started[];
  readonly processes: Started[];
  readonly cleanup: () => Promise<void>;
}

let cluster: Cluster | undefined;
const clusterOf = (): Cluster => {
  if (cluster === undefined) throw new Error('the cluster did not start');
  return cluster;
};

test.before(async () => {
  const directory = await temporaryDirectory();
  const processes: Started[] = [];
  const cleanup = async (): Promise<void> => {
    for (const started of processes) if (started.child.exitCode === null) started.child.kill('SIGTERM');
    await Promise.all(processes.map((started) => exited(started.child)));
    await directory.remove();
  };
  try {
    const metaPort = await freePort();
    processes.push(await startServerProcess(META_MAIN, ['--port', String(metaPort), '--data', join(directory.path, 'meta')]));
    const replicas = await Promise.all([1, 2, 3].map((n) =>
      startServerProcess(REPLICA_MAIN, ['--port', '0', '--data', join(directory.path, `replica${n}`), '--metas', `127.0.0.1:${metaPort}`])));
    processes.push(...replicas);
    cluster = { directory: directory.path, metaPort, http: `http://127.0.0.1:${metaPort}`, replicas, processes, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
});

test.after.always(async () => {
  await cluster?.cleanup();
});

async function createTable(name: string): Promise<number> {
  const { http } = clusterOf();
  const created = await eventually(`table ${name} to be created`, async () => {
    const response = await fetch(`${http}/v1/tables`, { method: 'POST', body: JSON.stringify({ name, partitionCount: PARTITIONS, replicaCount: 3 }) });
    return response.status === 201 ? await response.json() as { appId: number } : undefined;
  }, 30_000);
  return created.appId;
}

function healthyConfig(name: string): Promise<TableConfig> {
  return eventually(`every partition of ${name} healthy`, async () => {
    const response = await fetch(`${clusterOf().http}/v1/tables/${name}/config`);
    if (response.status !== 200) return undefined;
    const body = await response.json() as TableConfig;
    return body.partitions.length === PARTITIONS && body.partitions.every((partition) => partition.healthy) ? body : undefined;
  }, 60_000);
}

function primaryOf(config: TableConfig, hashKey: string): Started {
  const index = routeOf(config.appId, hashKey, PARTITIONS).partitionIndex;
  const primary = clusterOf().replicas.find((replica) => replica.address === config.partitions[index]?.primary);
  if (primary === undefined) throw new Error(`no primary for partition ${index}`);
  return primary;
}

async function replicaCount(server: Started, appId: number): Promise<number> {
  const status = await (await fetch(`http://${server.address}/v1/replicas`)).json() as { replicas: Array<{ gpid: string }> };
  return status.replicas.filter((replica) => replica.gpid.startsWith(`${appId}.`)).length;
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** Reads k/s from the primary the meta server names now, retrying while the table reconfigures. */
function readFromPrimary(what: string, table: string, routing: ReturnType<typeof routeOf>) {
  return eventually(what, async () => callOnce(primaryOf(await healthyConfig(table), 'k').port, clientRpcs.get, { kind: 'get', key: key('k', 's') }, routing), 60_000);
}

test.serial('a new table becomes healthy and serves every client RPC', async (t) => {
  const { replicas, metaPort } = clusterOf();
  const appId = await createTable('onebox');
  const config = await healthyConfig('onebox');
  t.is(config.appId, appId);
  const addresses = replicas.map((replica) => replica.address).sort();
  for (const partition of config.partitions) {
    t.true(addresses.includes(partition.primary));
    t.deepEqual([partition.primary, ...partition.secondaries].sort(), addresses, 'three distinct members');
  }

  const metaConnection = await connect(metaPort);
  t.teardown(() => metaConnection.close());
  const routing = await metaConnection.call(clientRpcs.queryConfig, { appName: 'onebox', partitionIndices: [] });
  t.is(routing.err, 'ERR_OK');
  t.is(routing.partitionCount, PARTITIONS);
  t.deepEqual(routing.partitions.map((partition) => partition.primary), config.partitions.map((partition) => partition.primary));

  const primary = primaryOf(config, HASH_KEY);
  const connection = await connect(primary.port);
  t.teardown(() => connection.close());
  await exerciseEveryClientRpc(t, connection, { appId, partitionCount: PARTITIONS }, primary.address);

  const status = await (await fetch(`http://${primary.address}/v1/replicas`)).json() as { metaLeader: string };
  t.is(status.metaLeader, `127.0.0.1:${metaPort}`);
  for (const replica of replicas) t.is(await replicaCount(replica, appId), PARTITIONS, 'every server holds a replica of every partition');
});

test.serial('a dropped table keeps its files, a recall serves its data again, and after the reserve time the files go', async (t) => {
  const { http, replicas, directory } = clusterOf();
  const appId = await createTable('dropme');
  const before = await healthyConfig('dropme');
  const primary = primaryOf(before, 'k');
  const routing = routeOf(appId, 'k', PARTITIONS);
  const connection = await connect(primary.port);
  t.teardown(() => connection.close());
  t.is((await connection.call(clientRpcs.put, { kind: 'put', key: key('k', 's'), value: new TextEncoder().encode('kept'), expireTsSeconds: 0 }, { routing })).error, 0);
  const replicaDirectory = join(directory, 'replica1', 'replicas', `${appId}.0`);
  t.true(await exists(replicaDirectory));

  t.is((await fetch(`${http}/v1/tables/dropme?reserveSeconds=3600`, { method: 'DELETE' })).status, 200);
  for (const replica of replicas) await eventually('the dropped table\'s replicas to close', async () => ((await replicaCount(replica, appId)) === 0 ? true : undefined));
  const refused = await connection.call(clientRpcs.get, { kind: 'get', key: key('k', 's') }, { routing }).then(() => 'ERR_OK', (error: unknown) => (error as RpcCallError).code);
  t.is(refused, 'ERR_OBJECT_NOT_FOUND');
  t.true(await exists(replicaDirectory), 'files kept while the table may be recalled');

  t.is((await fetch(`${http}/v1/recall`, { method: 'POST', body: JSON.stringify({ appId }) })).status, 200);
  // The recalled replicas reopen as restarted ones: the meta server reconfigures them (primaries
  // may move), so each attempt asks it for the current primary.
  const read = await readFromPrimary('the recalled data', 'dropme', routing);
  t.is(text(read.value), 'kept');

  t.is((await fetch(`${http}/v1/tables/dropme?reserveSeconds=0`, { method: 'DELETE' })).status, 200);
  await eventually('the garbage to be deleted', async () => ((await exists(replicaDirectory)) ? undefined : true), 60_000);
  for (const replica of replicas) t.is(await replicaCount(replica, appId), 0);
});

test.serial('a killed replica server\'s partitions are served by the others, and it rejoins when restarted', async (t) => {
  const { replicas, processes, directory, metaPort } = clusterOf();
  const appId = await createTable('survivor');
  await healthyConfig('survivor');
  const victim = replicas[0];
  if (victim === undefined) throw new Error('no replica server');
  victim.child.kill('SIGKILL');
  await exited(victim.child);

  const served = await eventually('every partition served by the others', async () => {
    const response = await fetch(`${clusterOf().http}/v1/tables/survivor/config`);
    const body = await response.json() as TableConfig;
    const ok = body.partitions.length === PARTITIONS && body.partitions.every((partition) =>
      partition.primary !== '' && partition.primary !== victim.address && !partition.secondaries.includes(victim.address) && partition.secondaries.length >= 1);
    return ok ? body : undefined;
  }, 60_000);
  const primary = primaryOf(served, 'k');
  const routing = routeOf(appId, 'k', PARTITIONS);
  const connection = await connect(primary.port);
  t.teardown(() => connection.close());
  t.is((await connection.call(clientRpcs.put, { kind: 'put', key: key('k', 's'), value: new TextEncoder().encode('while one is down'), expireTsSeconds: 0 }, { routing })).error, 0);

  const restarted = await startServerProcess(REPLICA_MAIN, ['--port', String(victim.port), '--data', join(directory, 'replica1'), '--metas', `127.0.0.1:${metaPort}`]);
  processes.push(restarted);
  const healthy = await healthyConfig('survivor');
  t.true(healthy.partitions.every((partition) => [partition.primary, ...partition.secondaries].includes(victim.address)), 'the restarted server is a member again');
  // The restarted server listens on the victim's port again.
  const read = await readFromPrimary('the write made while it was down, read from the current primary', 'survivor', routing);
  t.is(text(read.value), 'while one is down');
});
