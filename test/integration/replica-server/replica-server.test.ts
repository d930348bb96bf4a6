// Proves a replica server, on real RocksDB and real sockets, becomes primary when a meta server
// (the real MetaCore behind real RPC) assigns it, serves all 15 client RPCs over the THFT wire with
// Pegasus's stamps, refuses what it must (unknown partition, wrong partition hash, lost lease),
// closes and deletes replicas as the meta server says, answers the meta server's queries, and
// keeps acknowledged writes across a restart on the same directory.
import test, { type ExecutionContext } from 'ava';
import { stat } from 'node:fs/promises';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import { clusterRpcs } from '../../../cluster/rpc/cluster-rpcs.ts';
import { RpcCallError } from '../../../cluster/rpc/node/index.ts';
import type { ReplicaServer } from '../../../cluster/replica/server/replica-server.ts';
import { exerciseEveryClientRpc } from './client-rpcs.ts';
import { connect, eventually, key, routeOf, startReplicaServer, temporaryDirectory, text, utf8 } from './harness.ts';
import { TestMeta } from './test-meta.ts';

const PARTITIONS = 4;

/** A replica server on a fresh directory beacons to a TestMeta, and a client connection to it. */
async function serverWithMeta(t: ExecutionContext) {
  const directory = await temporaryDirectory();
  const meta = await TestMeta.start();
  const server = await startReplicaServer({ dataDirectory: directory.path, metaServers: [meta.address] });
  const connection = await connect(server.port);
  t.teardown(async () => {
    connection.close();
    await server.close();
    await meta.close();
    await directory.remove();
  });
  return { directory, meta, server, connection };
}

async function primaryEverywhere(meta: TestMeta, server: ReplicaServer, table: string): Promise<void> {
  await eventually(`${table} served by ${server.address}`, () => {
    const configs = meta.configs(table);
    const allMine = configs.length === PARTITIONS && configs.every((config) => config.primary === server.address);
    const primaries = server.replicaStatuses().filter((status) => status.app.name === table && status.role === 'primary');
    return allMine && primaries.length === PARTITIONS && server.leaseValid() ? true : undefined;
  });
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RpcCallError) return error.code;
    throw error;
  }
  return 'ERR_OK';
}

test('a primary assigned by the meta server serves every client RPC over the wire', async (t) => {
  const { meta, server, connection } = await serverWithMeta(t);
  const appId = await meta.createTable('kv', PARTITIONS, 1);
  await primaryEverywhere(meta, server, 'kv');

  await exerciseEveryClientRpc(t, connection, { appId, partitionCount: PARTITIONS }, server.address);
});

test('unknown partitions, wrong partition hashes and a lost lease are refused', async (t) => {
  const { meta, server, connection } = await serverWithMeta(t);
  const appId = await meta.createTable('kv', PARTITIONS, 1);
  await primaryEverywhere(meta, server, 'kv');
  const get = { kind: 'get' as const, key: key('user1', 'a') };
  const routing = routeOf(appId, 'user1', PARTITIONS);

  t.is(await rejection(connection.call(clientRpcs.get, get, { routing: { ...routing, appId: appId + 100 } })), 'ERR_OBJECT_NOT_FOUND');
  t.is(await rejection(connection.call(clientRpcs.get, get, { routing: { ...routing, partitionIndex: PARTITIONS + 3 } })), 'ERR_OBJECT_NOT_FOUND');
  const otherPartition = (routing.partitionIndex + 1) % PARTITIONS;
  t.is(await rejection(connection.call(clientRpcs.get, get, { routing: { ...routing, partitionIndex: otherPartition } })), 'ERR_PARENT_PARTITION_MISUSED');
  const otherKey = routeOf(appId, 'hello', PARTITIONS);
  const mismatched = { ...otherKey, partitionIndex: otherKey.partitionIndex };
  t.is(await rejection(connection.call(clientRpcs.get, get, { routing: mismatched })), 'ERR_INVALID_PARAMETERS');
  t.is(await rejection(connection.call(clientRpcs.get, get, { routing })), 'ERR_OK');

  meta.ackBeacons = false;
  await eventually('the lease to run out', () => (server.leaseValid() ? undefined : true));
  t.is(await rejection(connection.call(clientRpcs.get, get, { routing })), 'ERR_INVALID_STATE');
  t.is(await rejection(connection.call(clientRpcs.put, { kind: 'put', key: key('user1', 'a'), value: utf8('x'), expireTsSeconds: 0 }, { routing })), 'ERR_INVALID_STATE');
  const replicas = await (await fetch(`http://127.0.0.1:${server.port}/v1/replicas`)).json() as { leaseValid: boolean };
  t.false(replicas.leaseValid);

  meta.ackBeacons = true;
  await eventually('serving again after the lease is renewed', async () =>
    (await rejection(connection.call(clientRpcs.get, get, { routing }))) === 'ERR_OK' ? true : undefined);
  t.true(server.leaseValid());
});

test('the status page and metrics show replicas, roles and requests', async (t) => {
  const { meta, server, connection } = await serverWithMeta(t);
  const appId = await meta.createTable('stats', PARTITIONS, 1);
  await primaryEverywhere(meta, server, 'stats');
  const routing = routeOf(appId, 'k', PARTITIONS);
  await connection.call(clientRpcs.put, { kind: 'put', key: key('k', 's'), value: utf8('v'), expireTsSeconds: 0 }, { routing });
  await connection.call(clientRpcs.get, { kind: 'get', key: key('k', 's') }, { routing });

  const status = await (await fetch(`http://127.0.0.1:${server.port}/v1/replicas`)).json() as {
    node: string; leaseValid: boolean; metaLeader: string;
    replicas: Array<{ gpid: string; app: string; role: string; ballot: number; committedDecree: number; appliedDecree: number; preparedDecree: number; learning: boolean; logBytes: number }>;
  };
  t.is(status.node, server.address);
  t.true(status.leaseValid);
  t.is(status.metaLeader, meta.address);
  t.deepEqual(status.replicas.map((replica) => replica.gpid), [0, 1, 2, 3].map((index) => `${appId}.${index}`));
  const written = status.replicas.find((replica) => replica.gpid === `${appId}.${routing.partitionIndex}`);
  t.is(written?.role, 'primary');
  t.is(written?.app, 'stats');
  t.true((written?.committedDecree ?? 0) >= 1);
  t.true((written?.logBytes ?? 0) > 0);
  t.false(written?.learning);

  const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  t.regex(metrics, /pegasus_replica_requests_total\{table="stats",op="put",result="ERR_OK"\} 1/);
  t.regex(metrics, /pegasus_replica_requests_total\{table="stats",op="get",result="ERR_OK"\} 1/);
  t.regex(metrics, /pegasus_replica_request_duration_seconds_count\{table="stats",op="put"\} 1/);
  t.regex(metrics, /pegasus_replica_replicas\{role="primary"\} 4/);
  t.regex(metrics, /pegasus_replica_prepare_list_depth\{table="stats",gpid="\d+\.\d+"\} \d+/);
  t.regex(metrics, /pegasus_replica_log_bytes\{table="stats",gpid="\d+\.\d+"\} [1-9]/);
  t.regex(metrics, /pegasus_replica_learning\{table="stats",gpid="\d+\.\d+"\} 0/);
  t.regex(metrics, /pegasus_replica_cluster_messages_total\{outcome="sent"\} [1-9]/, 'beacons and reports went out');
  t.is(await (await fetch(`http://127.0.0.1:${server.port}/healthz`)).text(), 'ok');
});

test('a redirect from a meta server that does not lead moves beacons to the leader', async (t) => {
  const directory = await temporaryDirectory();
  const leader = await TestMeta.start();
  const follower = await TestMeta.start();
  follower.redirectTo = leader.address;
  const server = await startReplicaServer({ dataDirectory: directory.path, metaServers: [follower.address, leader.address] });
  t.teardown(async () => {
    await server.close();
    await leader.close();
    await follower.close();
    await directory.remove();
  });
  await eventually('a lease from the leader', () => (server.leaseValid() ? true : undefined));
  t.is(server.metaServer(), leader.address);
  t.true(follower.received.some((message) => message.kind === 'beacon'));
  await eventually('a config sync after the renewal', () =>
    (leader.received.some((message) => message.kind === 'replica_reports' && message.configSync) ? true : undefined));
});

test('a meta server that does not answer is passed over for the next configured one', async (t) => {
  const directory = await temporaryDirectory();
  const meta = await TestMeta.start();
  const silent = await TestMeta.start();
  const silentAddress = silent.address;
  await silent.close();
  const server = await startReplicaServer({ dataDirectory: directory.path, metaServers: [silentAddress, meta.address] });
  t.teardown(async () => {
    await server.close();
    await meta.close();
    await directory.remove();
  });
  t.is(server.metaServer(), silentAddress, 'the first configured is tried first');
  await eventually('a lease from the meta server that answers', () => (server.leaseValid() ? true : undefined));
  t.is(server.metaServer(), meta.address);
});

test('a dropped table\'s replicas close and keep their files until the meta server names them garbage', async (t) => {
  const { meta, server, connection } = await serverWithMeta(t);
  const appId = await meta.createTable('gone', PARTITIONS, 1);
  await primaryEverywhere(meta, server, 'gone');
  const routing = routeOf(appId, 'k', PARTITIONS);
  const replicaDirectory = server.replicas.directoryOf({ appId, partitionIndex: routing.partitionIndex });

  meta.dropTable(appId);
  meta.send(server.address, { kind: 'config_sync_reply', to: server.address, configs: [], garbage: [] });
  await eventually('the replicas to close', () => (server.replicaStatuses().length === 0 ? true : undefined));
  t.is(await rejection(connection.call(clientRpcs.get, { kind: 'get', key: key('k', 's') }, { routing })), 'ERR_OBJECT_NOT_FOUND');
  t.true((await stat(replicaDirectory)).isDirectory(), 'files kept');
  t.is(server.reports().length, PARTITIONS, 'still reported to the meta server');

  const gpids = [0, 1, 2, 3].map((partitionIndex) => ({ appId, partitionIndex }));
  meta.send(server.address, { kind: 'config_sync_reply', to: server.address, configs: [], garbage: gpids });
  await eventually('the files to be deleted', async () => (await stat(replicaDirectory).then(() => false, () => true)) ? true : undefined);
  t.is(server.reports().length, 0);
});

test('a restarted server reopens its replicas and keeps every acknowledged write', async (t) => {
  const directory = await temporaryDirectory();
  const meta = await TestMeta.start();
  let server = await startReplicaServer({ dataDirectory: directory.path, metaServers: [meta.address] });
  t.teardown(async () => {
    await server.close();
    await meta.close();
    await directory.remove();
  });
  const appId = await meta.createTable('durable', PARTITIONS, 1);
  await primaryEverywhere(meta, server, 'durable');
  const port = server.port;
  let connection = await connect(port);
  const hashKeys = Array.from({ length: 20 }, (_, i) => `user${i}`);
  for (const hashKey of hashKeys) {
    const response = await connection.call(clientRpcs.put, { kind: 'put', key: key(hashKey, 's'), value: utf8(`v-${hashKey}`), expireTsSeconds: 0 }, { routing: routeOf(appId, hashKey, PARTITIONS) });
    t.is(response.error, 0);
  }
  connection.close();
  await server.close();

  server = await startReplicaServer({ dataDirectory: directory.path, metaServers: [meta.address], port });
  t.is(server.replicaStatuses().length, PARTITIONS, 'every replica directory reopened');
  connection = await connect(port);
  t.teardown(() => connection.close());
  for (const hashKey of hashKeys) {
    const read = await eventually(`${hashKey} readable after the restart`, async () => {
      try {
        return await connection.call(clientRpcs.get, { kind: 'get', key: key(hashKey, 's') }, { routing: routeOf(appId, hashKey, PARTITIONS) });
      } catch (error) {
        if (error instanceof RpcCallError && error.retriable) return undefined;
        throw error;
      }
    });
    t.is(text(read.value), `v-${hashKey}`);
  }
});

test('query_replicas is answered with reports and absent partitions; checkpoint chunks of unknown partitions are refused', async (t) => {
  const { meta, server, connection } = await serverWithMeta(t);
  const appId = await meta.createTable('asked', PARTITIONS, 1);
  await primaryEverywhere(meta, server, 'asked');
  const held = { appId, partitionIndex: 2 };
  const missing = { appId: appId + 7, partitionIndex: 0 };
  meta.send(server.address, { kind: 'query_replicas', to: server.address, gpids: [held, missing] });
  const answer = await eventually('the answer to query_replicas', () =>
    meta.received.find((message) => message.kind === 'replica_reports' && !message.configSync));
  if (answer.kind !== 'replica_reports') throw new Error('not a report');
  t.deepEqual(answer.replicas.map((report) => report.gpid), [held]);
  t.true((answer.replicas[0]?.ballot ?? 0n) >= 1n);
  t.deepEqual(answer.absent, [missing]);

  const chunk = await connection.call(clusterRpcs.checkpointChunk, { gpid: missing, decree: 1n, offset: 0n, maxBytes: 1024 });
  t.is(chunk.error, 'ERR_OBJECT_NOT_FOUND');
});
