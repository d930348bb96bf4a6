// Proves the real processes make a working cluster: one meta server process and three replica
// server processes; a table created over the meta server's HTTP API becomes healthy in every
// partition (a primary and two secondaries), the meta server's routing answer (query_cfg) names
// the primaries, and every client RPC works over the wire against a primary.
import test from 'ava';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import { exerciseEveryClientRpc, HASH_KEY } from './client-rpcs.ts';
import {
  connect, eventually, exited, META_MAIN, REPLICA_MAIN, routeOf, startServerProcess, temporaryDirectory, type Started,
} from './harness.ts';

const PARTITIONS = 4;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface TableConfig {
  readonly appId: number;
  readonly partitions: ReadonlyArray<{ readonly index: number; readonly primary: string; readonly secondaries: readonly string[]; readonly healthy: boolean }>;
}

test('a meta server and three replica servers: a new table becomes healthy and serves every client RPC', async (t) => {
  const directory = await temporaryDirectory();
  const processes: Started[] = [];
  t.teardown(async () => {
    for (const started of processes) if (started.child.exitCode === null) started.child.kill('SIGTERM');
    await Promise.all(processes.map((started) => exited(started.child)));
    await directory.remove();
  });
  const metaPort = await freePort();
  const meta = await startServerProcess(META_MAIN, ['--port', String(metaPort), '--data', join(directory.path, 'meta')]);
  processes.push(meta);
  const metaAddress = `127.0.0.1:${metaPort}`;
  const replicas = await Promise.all([1, 2, 3].map((n) =>
    startServerProcess(REPLICA_MAIN, ['--port', '0', '--data', join(directory.path, `replica${n}`), '--metas', metaAddress])));
  processes.push(...replicas);
  const http = `http://${metaAddress}`;

  const created = await eventually('the table to be created', async () => {
    const response = await fetch(`${http}/v1/tables`, { method: 'POST', body: JSON.stringify({ name: 'onebox', partitionCount: PARTITIONS, replicaCount: 3 }) });
    return response.status === 201 ? await response.json() as { appId: number } : undefined;
  }, 30_000);
  const config = await eventually('every partition healthy', async () => {
    const response = await fetch(`${http}/v1/tables/onebox/config`);
    if (response.status !== 200) return undefined;
    const body = await response.json() as TableConfig;
    return body.partitions.length === PARTITIONS && body.partitions.every((partition) => partition.healthy) ? body : undefined;
  }, 60_000);
  t.is(config.appId, created.appId);
  const addresses = new Set(replicas.map((replica) => replica.address));
  for (const partition of config.partitions) {
    t.true(addresses.has(partition.primary));
    t.deepEqual([partition.primary, ...partition.secondaries].sort(), [...addresses].sort(), 'three distinct members');
  }

  const metaConnection = await connect(metaPort);
  t.teardown(() => metaConnection.close());
  const routing = await metaConnection.call(clientRpcs.queryConfig, { appName: 'onebox', partitionIndices: [] });
  t.is(routing.err, 'ERR_OK');
  t.is(routing.partitionCount, PARTITIONS);
  t.deepEqual(routing.partitions.map((partition) => partition.primary), config.partitions.map((partition) => partition.primary));

  const index = routeOf(created.appId, HASH_KEY, PARTITIONS).partitionIndex;
  const primary = replicas.find((replica) => replica.address === config.partitions[index]?.primary);
  if (primary === undefined) throw new Error(`no primary for partition ${index}`);
  const connection = await connect(primary.port);
  t.teardown(() => connection.close());
  await exerciseEveryClientRpc(t, connection, { appId: created.appId, partitionCount: PARTITIONS }, primary.address);

  const status = await (await fetch(`http://${primary.address}/v1/replicas`)).json() as { metaLeader: string; replicas: Array<{ role: string }> };
  t.is(status.metaLeader, metaAddress);
  t.is(status.replicas.length, PARTITIONS, 'every server holds a replica of every partition');
});
