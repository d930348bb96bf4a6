// Proves the replica server process (cluster/server/replica-main.ts) refuses bad flags and a busy
// port with a clear message and a non-zero exit, prints its ready line, and that three such
// processes, driven by the real MetaCore over RPC, make a table healthy (primary plus two
// secondaries, so learning works over the wire), serve writes, exit 0 on SIGTERM, and after all
// three restart on their directories still hold every acknowledged write.
import test from 'ava';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import {
  callOnce, collect, connect, eventually, exited, key, REPLICA_MAIN, routeOf, runServerProcess, startServerProcess, temporaryDirectory, text, utf8,
  type Started,
} from './harness.ts';
import { TEST_FAILURE_DETECTOR, TestMeta } from './test-meta.ts';

function startProcess(data: string, metas: string, port = 0): Promise<Started> {
  const { graceMs: _graceMs, ...fd } = TEST_FAILURE_DETECTOR;
  return startServerProcess(REPLICA_MAIN, [
    '--port', String(port), '--data', data, '--metas', metas,
    '--beacon-interval-ms', String(fd.beaconIntervalMs), '--check-interval-ms', String(fd.checkIntervalMs), '--lease-ms', String(fd.leaseMs),
    '--config-sync-interval-ms', '500',
  ]);
}

test('bad flags and a busy port end the process with a clear message', async (t) => {
  const directory = await temporaryDirectory();
  t.teardown(() => directory.remove());
  const noData = runServerProcess(REPLICA_MAIN, ['--port', '0']);
  const noDataOutput = collect(noData);
  t.is(await exited(noData), 2);
  t.regex(noDataOutput.stderr.join(''), /--data .* is required/);

  const badFsync = runServerProcess(REPLICA_MAIN, ['--data', directory.path, '--fsync', 'sometimes']);
  const badFsyncOutput = collect(badFsync);
  t.is(await exited(badFsync), 2);
  t.regex(badFsyncOutput.stderr.join(''), /--fsync must be always or never/);

  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => busy.close(() => resolve())));
  const port = (busy.address() as { port: number }).port;
  const clash = runServerProcess(REPLICA_MAIN, ['--data', directory.path, '--port', String(port)]);
  const clashOutput = collect(clash);
  t.is(await exited(clash), 1);
  t.regex(clashOutput.stderr.join(''), new RegExp(`port ${port} on 127.0.0.1 is in use`));
});

test('three replica server processes make a table healthy, exit 0 on SIGTERM and keep acknowledged writes across a restart', async (t) => {
  const directory = await temporaryDirectory();
  const meta = await TestMeta.start();
  const dirs = [1, 2, 3].map((n) => join(directory.path, `replica${n}`));
  let servers: Started[] = [];
  t.teardown(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await meta.close();
    await directory.remove();
  });
  servers = await Promise.all(dirs.map((data) => startProcess(data, meta.address)));
  const partitionCount = 2;
  const appId = await meta.createTable('tri', partitionCount, 3);
  await eventually('every partition healthy', () => {
    const configs = meta.configs('tri');
    return configs.length === partitionCount && configs.every((config) => config.primary !== '' && config.secondaries.length === 2) ? true : undefined;
  }, 60_000);

  const portOf = new Map(servers.map((server) => [server.address, server.port]));
  const hashKeys = Array.from({ length: 10 }, (_, i) => `k${i}`);
  const primaryPort = (hashKey: string): number => {
    const index = routeOf(appId, hashKey, partitionCount).partitionIndex;
    const primary = meta.configs('tri')[index]?.primary ?? '';
    return portOf.get(primary) ?? 0;
  };
  for (const hashKey of hashKeys) {
    const connection = await connect(primaryPort(hashKey));
    const response = await connection.call(clientRpcs.put, { kind: 'put', key: key(hashKey, 's'), value: utf8(`v-${hashKey}`), expireTsSeconds: 0 }, { routing: routeOf(appId, hashKey, partitionCount) });
    connection.close();
    t.is(response.error, 0);
  }

  for (const server of servers) server.child.kill('SIGTERM');
  t.deepEqual(await Promise.all(servers.map((server) => exited(server.child))), [0, 0, 0]);

  servers = await Promise.all(dirs.map((data, i) => startProcess(data, meta.address, servers[i]?.port)));
  for (const hashKey of hashKeys) {
    const read = await eventually(`${hashKey} readable after the restart`, async () => {
      const port = primaryPort(hashKey);
      if (port === 0) return undefined;
      return callOnce(port, clientRpcs.get, { kind: 'get', key: key(hashKey, 's') }, routeOf(appId, hashKey, partitionCount));
    }, 60_000);
    t.is(text(read.value), `v-${hashKey}`);
  }
  for (const server of servers) server.child.kill('SIGTERM');
  t.deepEqual(await Promise.all(servers.map((server) => exited(server.child))), [0, 0, 0]);
});
