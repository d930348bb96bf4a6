// The client under routing change, once per transport (TCP and fetch), against a ClientCluster:
// a partition that moves to the other server (the old one answers ERR_OBJECT_NOT_FOUND, the
// client asks the meta again and carries on), a replica server restarted mid-run (the client
// reconnects), a meta server that is not the leader (ERR_FORWARD_TO_OTHERS is followed) and a
// configured meta server that is down (the next one is asked).
import test from 'ava';
import { createClient, PegasusClientError, partitionOf } from '../../../client/node/index.ts';
import { ClientCluster } from '../../support/client-cluster.ts';
import { transportFactories } from '../../support/client-transports.ts';

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));

/** A test run once per transport; the body builds its client with the entry point it is given. */
function eachTransport(title: string, body: (t: import('ava').ExecutionContext, create: typeof createClient) => Promise<void>): void {
  for (const factory of transportFactories) test(`${factory.name}: ${title}`, (t) => body(t, factory.createClient));
}

eachTransport('a partition moved to the other server: ERR_OBJECT_NOT_FOUND refreshes the routing and the call succeeds', async (t, createClient) => {
  const cluster = await ClientCluster.start();
  const client = createClient({ metaServers: cluster.metaAddresses, timeoutMs: 3000 });
  try {
    const table = await client.openTable(cluster.tableName);
    const index = partitionOf('mover', 8);
    const from = cluster.hostOf(index);
    const to = 1 - from;
    await table.set('mover', 's', 'before');
    const queriesBefore = cluster.metas[0]?.queries ?? 0;
    cluster.movePartition(index, to);
    t.is(text(await table.get('mover', 's')), 'before');
    t.is(cluster.replicas[from]?.refused, 1, 'the old server refused once');
    t.true(cluster.replicas[to]?.served.includes(index));
    t.is((cluster.metas[0]?.queries ?? 0) - queriesBefore, 1, 'one routing query');
    t.is(table.route({ kind: 'index', partitionIndex: index }).primary, cluster.replicas[to]?.address ?? '');
    await table.set('mover', 's', 'after');
    t.is(text(await table.get('mover', 's')), 'after');
    t.is(cluster.replicas[from]?.refused, 1, 'later calls go straight to the new server');
  } finally {
    await client.close();
    await cluster.stop();
  }
});

eachTransport('a replica server restarted mid-run: calls in the gap retry, the client reconnects and carries on', async (t, createClient) => {
  const cluster = await ClientCluster.start();
  const client = createClient({ metaServers: cluster.metaAddresses, timeoutMs: 5000 });
  try {
    const table = await client.openTable(cluster.tableName);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const key of keys) await table.set(key, 's', `v-${key}`);
    await cluster.stopReplica(0);
    const during = Promise.all(keys.map((key) => table.get(key, 's')));
    await new Promise((resolve) => setTimeout(resolve, 150));
    await cluster.startReplica(0);
    const values = await during;
    t.deepEqual(values.map(text), keys.map((key) => `v-${key}`));
    for (const key of keys) await table.set(key, 's', `w-${key}`);
    for (const key of keys) t.is(text(await table.get(key, 's')), `w-${key}`);
  } finally {
    await client.close();
    await cluster.stop();
  }
});

eachTransport('a server that stays down fails the call with a retriable error once the deadline passes', async (t, createClient) => {
  const cluster = await ClientCluster.start();
  const client = createClient({ metaServers: cluster.metaAddresses, timeoutMs: 2000 });
  try {
    const table = await client.openTable(cluster.tableName);
    const index = partitionOf('down', 8);
    await cluster.stopReplica(cluster.hostOf(index));
    const error = await t.throwsAsync(table.get('down', 's'), { instanceOf: PegasusClientError });
    t.is(error?.code, 'ERR_SESSION_RESET', error?.message);
    t.true(error?.retriable);
    t.is(error?.context.partitionIndex, index);
    t.is(error?.context.server, cluster.replicas[cluster.hostOf(index)]?.address);
    t.deepEqual(error?.context.hashKey, new TextEncoder().encode('down'));
  } finally {
    await client.close();
    await cluster.stop();
  }
});

eachTransport('a meta server that is not the leader forwards the client to the leader', async (t, createClient) => {
  const cluster = await ClientCluster.start({ metaCount: 2 });
  const [leader, follower] = cluster.metas;
  const client = createClient({ metaServers: [follower?.address ?? '', leader?.address ?? ''], timeoutMs: 3000 });
  try {
    const table = await client.openTable(cluster.tableName);
    await table.set('h', 's', 'v');
    t.is(follower?.queries, 1);
    t.is(leader?.queries, 1);
    t.is(client.metaServers[0], follower?.address);
    const index = partitionOf('h', 8);
    cluster.movePartition(index, 1 - cluster.hostOf(index));
    t.is(text(await table.get('h', 's')), 'v');
    t.is(follower?.queries, 1, 'the refresh went to the leader learned from the forward');
    t.is(leader?.queries, 2);
  } finally {
    await client.close();
    await cluster.stop();
  }
});

eachTransport('a forward to a leader that was not configured is followed and the address learned', async (t, createClient) => {
  const cluster = await ClientCluster.start({ metaCount: 2 });
  const [leader, follower] = cluster.metas;
  const client = createClient({ metaServers: [follower?.address ?? ''], timeoutMs: 3000 });
  try {
    const table = await client.openTable(cluster.tableName);
    t.is(table.partitionCount, 8);
    t.deepEqual(client.metaServers, [follower?.address, leader?.address]);
  } finally {
    await client.close();
    await cluster.stop();
  }
});

eachTransport('a configured meta server that is down is skipped for the next one', async (t, createClient) => {
  const cluster = await ClientCluster.start();
  const dead = await ClientCluster.start({ tableName: 'other' });
  const deadAddress = dead.metaAddresses[0] ?? '';
  await dead.stop();
  const client = createClient({ metaServers: [deadAddress, ...cluster.metaAddresses], timeoutMs: 3000 });
  try {
    const table = await client.openTable(cluster.tableName);
    await table.set('h', 's', 'v');
    t.is(text(await table.get('h', 's')), 'v');
    t.is(cluster.metas[0]?.queries, 1);
  } finally {
    await client.close();
    await cluster.stop();
  }
});

test('many calls in flight share one connection per server', async (t) => {
  const cluster = await ClientCluster.start();
  const client = createClient({ metaServers: cluster.metaAddresses, timeoutMs: 5000 });
  try {
    const table = await client.openTable(cluster.tableName);
    await Promise.all(Array.from({ length: 500 }, (_, i) => table.set(`p${i}`, 's', `${i}`)));
    const values = await Promise.all(Array.from({ length: 500 }, (_, i) => table.get(`p${i}`, 's')));
    t.deepEqual(values.map(text), Array.from({ length: 500 }, (_, i) => `${i}`));
    t.deepEqual(cluster.replicas.map((replica) => replica.server?.connectionCount), [1, 1]);
  } finally {
    await client.close();
    await cluster.stop();
  }
});

eachTransport('a table dropped and created again: the old app id is refused, the client picks up the new one', async (t, createClient) => {
  const cluster = await ClientCluster.start();
  const client = createClient({ metaServers: cluster.metaAddresses, timeoutMs: 3000 });
  try {
    const table = await client.openTable(cluster.tableName);
    await table.set('h', 's', 'old');
    t.is(table.appId, 2);
    await cluster.recreateTable(7);
    t.is(await table.get('h', 's'), null, 'the new table is empty');
    t.is(table.appId, 7);
    await table.set('h', 's', 'new');
    t.is(text(await table.get('h', 's')), 'new');
  } finally {
    await client.close();
    await cluster.stop();
  }
});

eachTransport('closing the client ends the calls in flight with an error instead of retrying', async (t, createClient) => {
  const cluster = await ClientCluster.start();
  const client = createClient({ metaServers: cluster.metaAddresses, timeoutMs: 60_000 });
  try {
    const table = await client.openTable(cluster.tableName);
    const calls = Array.from({ length: 50 }, (_, i) => table.set(`c${i}`, 's', 'v').then(() => 'ok', (error: unknown) => error));
    await client.close();
    const outcomes = await Promise.all(calls);
    for (const outcome of outcomes) {
      if (outcome === 'ok') continue;
      t.true(outcome instanceof PegasusClientError);
      t.is((outcome as PegasusClientError).code, 'ERR_SERVICE_NOT_ACTIVE');
    }
    const after = await t.throwsAsync(table.get('c0', 's'), { instanceOf: PegasusClientError });
    t.regex(after?.message ?? '', /the client is closed/);
    await t.throwsAsync(client.openTable(cluster.tableName), { instanceOf: PegasusClientError, message: /the client is closed/ });
  } finally {
    await cluster.stop();
  }
});

eachTransport('a scanner whose partition moved mid-scan starts again just after the last key it returned', async (t, createClient) => {
  const cluster = await ClientCluster.start();
  const client = createClient({ metaServers: cluster.metaAddresses, timeoutMs: 5000 });
  try {
    const table = await client.openTable(cluster.tableName);
    const sortKeys = Array.from({ length: 60 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    await table.multiSet('scan', sortKeys.map((sortKey) => ({ sortKey, value: 'v' })));
    const scanner = table.getScanner('scan', '', '', { batchSize: 10 });
    const seen: string[] = [];
    const first = await scanner.nextBatch();
    seen.push(...(first ?? []).map((item) => text(item.sortKey) ?? ''));
    // The partition moves: the new server knows nothing of the old server's scan context.
    const index = partitionOf('scan', 8);
    cluster.movePartition(index, 1 - cluster.hostOf(index));
    for (let batch = await scanner.nextBatch(); batch !== null; batch = await scanner.nextBatch()) {
      seen.push(...batch.map((item) => text(item.sortKey) ?? ''));
    }
    t.deepEqual(seen, sortKeys);
  } finally {
    await client.close();
    await cluster.stop();
  }
});
