// Proves the meta server end to end on real sockets and the real file store: tables are created,
// listed, dropped and recalled over Pegasus's meta RPCs and over the HTTP JSON, routing answers
// follow Pegasus (no primary before replica servers exist, not found once dropped), bad requests
// get clear errors and change nothing, a replica server beaconing over the real cluster transport
// is proposed as primary and its change shows in query_cfg, and a restart keeps every table.
import test from 'ava';
import type { MetaServer } from '../../../cluster/meta/shell/meta-server.ts';
import { AppStatus } from '../../../cluster/rpc/meta-structs.ts';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import { temporaryMetaDirectory } from '../../support/meta-stores.ts';
import {
  callMeta, createRequest, httpJson, startMetaServer, TestReplicaNode, until,
} from '../../support/meta-server.ts';

async function withServer(run: (server: MetaServer, directory: string) => Promise<void>): Promise<void> {
  const directory = await temporaryMetaDirectory();
  const server = await startMetaServer({ kind: 'file', directory: directory.path });
  try {
    await until('the server leads', () => (server.isLeader() ? true : undefined));
    await run(server, directory.path);
  } finally {
    await server.close();
    await directory.remove();
  }
}

const list = async (address: string) => (await callMeta(address, clientRpcs.listApps, { status: AppStatus.invalid })).infos.map((info) => [info.appId, info.appName, info.status]);

test('a table created over RPC_CM_CREATE_APP is listed and routed, without primaries until replica servers come', (t) => withServer(async (server) => {
  const created = await callMeta(server.self, clientRpcs.createApp, createRequest('users', 4));
  t.deepEqual(created, { err: 'ERR_OK', appid: 1 });
  t.deepEqual(await list(server.self), [[1, 'users', AppStatus.available]]);
  const routing = await callMeta(server.self, clientRpcs.queryConfig, { appName: 'users', partitionIndices: [] });
  t.is(routing.err, 'ERR_OK');
  t.is(routing.partitionCount, 4);
  t.deepEqual(routing.partitions.map((p) => [p.pid.partitionIndex, p.ballot, p.primary]), [[0, 0n, ''], [1, 0n, ''], [2, 0n, ''], [3, 0n, '']]);
  const one = await callMeta(server.self, clientRpcs.queryConfig, { appName: 'users', partitionIndices: [2] });
  t.deepEqual(one.partitions.map((p) => p.pid.partitionIndex), [2]);
  t.is((await callMeta(server.self, clientRpcs.queryConfig, { appName: 'nope', partitionIndices: [] })).err, 'ERR_OBJECT_NOT_FOUND');
  const tables = await httpJson(server.self, '/v1/tables');
  t.deepEqual(tables.body, { tables: [{ appId: 1, name: 'users', status: 'available', partitionCount: 4, replicaCount: 3 }] });
  const config = await httpJson(server.self, '/v1/tables/users/config');
  t.like(config.body, { appId: 1, name: 'users', status: 'available', partitionCount: 4, replicaCount: 3 });
  t.deepEqual((config.body['partitions'] as unknown[])[0], { index: 0, ballot: 0, primary: '', secondaries: [], lastCommittedDecree: 0, healthy: false });
}));

test('bad table requests get clear errors over RPC and HTTP and change nothing', async (t) => withServer(async (server) => {
  t.is((await callMeta(server.self, clientRpcs.createApp, createRequest('t', 4))).err, 'ERR_OK');
  for (const [name, partitions, replicas] of [['a', 0, 3], ['a', 3, 3], ['a', 4, 9], ['bad name', 4, 3]] as const) {
    t.is((await callMeta(server.self, clientRpcs.createApp, createRequest(name, partitions, replicas))).err, 'ERR_INVALID_PARAMETERS', `${name} ${partitions} ${replicas}`);
  }
  t.is((await callMeta(server.self, clientRpcs.createApp, createRequest('t', 8))).err, 'ERR_APP_EXIST');
  t.deepEqual(await callMeta(server.self, clientRpcs.createApp, { ...createRequest('t', 4), options: { ...createRequest('t', 4).options, successIfExist: true } }), { err: 'ERR_OK', appid: 1 });
  t.is((await callMeta(server.self, clientRpcs.dropApp, { appName: 'nope', options: { successIfNotExist: false } })).err, 'ERR_APP_NOT_EXIST');
  t.is((await callMeta(server.self, clientRpcs.dropApp, { appName: 'nope', options: { successIfNotExist: true } })).err, 'ERR_OK');
  t.is((await callMeta(server.self, clientRpcs.queryConfig, { appName: 't', partitionIndices: [4] })).err, 'ERR_INVALID_PARAMETERS');

  const notPowerOfTwo = await httpJson(server.self, '/v1/tables', { method: 'POST', body: { name: 'x', partitionCount: 6, replicaCount: 3 } });
  t.deepEqual(notPowerOfTwo, { status: 400, location: null, body: { error: 'ERR_INVALID_PARAMETERS', message: 'partition count 6 is not a power of two within 1..16384' } });
  t.like(await httpJson(server.self, '/v1/tables', { method: 'POST', body: '{"name":' }), { status: 400, body: { error: 'ERR_INVALID_PARAMETERS' } });
  t.like(await httpJson(server.self, '/v1/tables', { method: 'POST', body: { name: 'x', partitionCount: '4', replicaCount: 3 } }), { status: 400, body: { message: 'partitionCount must be a number' } });
  t.like(await httpJson(server.self, '/v1/tables', { method: 'POST', body: { name: 't', partitionCount: 4, replicaCount: 3 } }), { status: 409, body: { error: 'ERR_APP_EXIST' } });
  t.like(await httpJson(server.self, '/v1/tables/nope', { method: 'DELETE' }), { status: 404, body: { error: 'ERR_APP_NOT_EXIST' } });
  t.like(await httpJson(server.self, '/v1/tables/t?reserveSeconds=-5', { method: 'DELETE' }), { status: 400, body: { error: 'ERR_INVALID_PARAMETERS' } });
  t.like(await httpJson(server.self, '/v1/recall', { method: 'POST', body: { appId: 'one' } }), { status: 400 });
  t.like(await httpJson(server.self, '/v1/recall', { method: 'POST', body: { appId: 1 } }), { status: 409, body: { error: 'ERR_APP_EXIST', message: 'table 1 (t) is available, not dropped' } });
  t.like(await httpJson(server.self, '/v1/level', { method: 'PUT', body: { level: 'loud' } }), { status: 400 });
  t.like(await httpJson(server.self, '/v1/tables/nope/config'), { status: 404 });
  t.deepEqual(await list(server.self), [[1, 't', AppStatus.available]]);
}));

test('drop, list and recall over RPC and HTTP: a dropped table is not routed and comes back under a new name', (t) => withServer(async (server) => {
  await callMeta(server.self, clientRpcs.createApp, createRequest('orders', 2));
  t.is((await callMeta(server.self, clientRpcs.dropApp, { appName: 'orders', options: { successIfNotExist: false, reserveSeconds: 600n } })).err, 'ERR_OK');
  t.is((await callMeta(server.self, clientRpcs.queryConfig, { appName: 'orders', partitionIndices: [] })).err, 'ERR_OBJECT_NOT_FOUND');
  const listed = await callMeta(server.self, clientRpcs.listApps, { status: AppStatus.dropped });
  t.deepEqual(listed.infos.map((info) => [info.appName, info.status]), [['orders', AppStatus.dropped]]);
  t.true(listed.infos[0]!.expireSecond > BigInt(Math.floor(Date.now() / 1000)) + 590n);
  t.deepEqual((await callMeta(server.self, clientRpcs.listApps, { status: AppStatus.available })).infos, []);
  const [table] = (await httpJson(server.self, '/v1/tables')).body['tables'] as Record<string, unknown>[];
  t.like(table, { appId: 1, name: 'orders', status: 'dropped' });
  t.is(typeof table?.['dropExpireAtMs'], 'number');

  // The name is free again; the dropped table comes back under another one.
  t.deepEqual(await httpJson(server.self, '/v1/tables', { method: 'POST', body: { name: 'orders', partitionCount: 1, replicaCount: 3 } }), { status: 201, location: null, body: { appId: 2 } });
  t.like(await httpJson(server.self, '/v1/recall', { method: 'POST', body: { appId: 1 } }), { status: 409, body: { error: 'ERR_APP_EXIST' } });
  t.deepEqual((await httpJson(server.self, '/v1/recall', { method: 'POST', body: { appId: 1, newName: 'orders_old' } })).body, { appId: 1, name: 'orders_old' });
  const recalled = await callMeta(server.self, clientRpcs.queryConfig, { appName: 'orders_old', partitionIndices: [] });
  t.like(recalled, { err: 'ERR_OK', appId: 1, partitionCount: 2 });
  t.deepEqual(await list(server.self), [[1, 'orders_old', AppStatus.available], [2, 'orders', AppStatus.available]]);

  t.deepEqual(await httpJson(server.self, '/v1/tables/orders?reserveSeconds=0', { method: 'DELETE' }), { status: 200, location: null, body: { appId: 2 } });
  t.like(await httpJson(server.self, '/v1/recall', { method: 'POST', body: { appId: 2 } }), { status: 404, body: { error: 'ERR_APP_NOT_EXIST' } });
}));

test('a replica server beaconing over the cluster transport is proposed as primary, and its change shows in query_cfg', (t) => withServer(async (server) => {
  const node = await TestReplicaNode.start();
  try {
    await callMeta(server.self, clientRpcs.createApp, createRequest('kv', 1, 1));
    const proposal = await node.waitFor(server.self, (envelope) => (envelope.message.kind === 'proposal' ? { envelope, proposal: envelope.message } : undefined));
    t.like(proposal.proposal, { to: node.address, change: 'assign_primary', node: node.address });
    t.deepEqual(proposal.envelope.apps, [{ appId: 1, name: 'kv', partitionCount: 1, status: 'available' }]);
    t.is(proposal.envelope.from, server.self);
    const config = proposal.proposal.config;
    node.send(server.self, { kind: 'config_update', from: node.address, request: { kind: 'assign_primary', node: node.address, config: { ...config, ballot: config.ballot + 1n, primary: node.address } } });
    const reply = await node.waitFor(server.self, (envelope) => (envelope.message.kind === 'config_update_reply' ? envelope.message : undefined));
    t.like(reply, { error: 'ERR_OK' });
    const routing = await callMeta(server.self, clientRpcs.queryConfig, { appName: 'kv', partitionIndices: [] });
    t.deepEqual(routing.partitions.map((p) => [p.ballot, p.primary]), [[1n, node.address]]);
    t.like((await httpJson(server.self, '/v1/tables/kv/config')).body, { partitions: [{ index: 0, ballot: 1, primary: node.address, healthy: true }] });
    t.deepEqual((await httpJson(server.self, '/v1/nodes')).body, { nodes: [{ address: node.address, alive: true, primaries: 1, secondaries: 0 }] });
    t.like((await httpJson(server.self, '/v1/cluster')).body, { cluster: 'test', self: server.self, leader: server.self, tables: 1, nodes: { alive: 1, dead: 0 }, level: 'steady' });
    const metrics = await (await fetch(`http://${server.self}/metrics`)).text();
    t.regex(metrics, /pegasus_meta_leader 1/);
    t.regex(metrics, /pegasus_meta_partitions\{health="healthy"\} 1/);
    t.regex(metrics, /pegasus_meta_replica_servers\{state="alive"\} 1/);
    t.regex(metrics, /pegasus_meta_tables\{status="available"\} 1/);
    t.regex(metrics, /pegasus_meta_config_changes_total 2/);

    // Dropped: the member is told with the table marked dropped, so it stops serving.
    node.received.length = 0;
    await callMeta(server.self, clientRpcs.dropApp, { appName: 'kv', options: { successIfNotExist: false } });
    const notice = await node.waitFor(server.self, (envelope) => (envelope.message.kind === 'notify_config' ? envelope : undefined));
    t.deepEqual(notice.apps, [{ appId: 1, name: 'kv', partitionCount: 1, status: 'dropped' }]);
    t.deepEqual((await httpJson(server.self, '/v1/level', { method: 'PUT', body: { level: 'lively' } })).body, { level: 'lively', previous: 'steady' });
  } finally {
    await node.close();
  }
}));

test('a restart on the same directory keeps every table, dropped ones included', async (t) => {
  const directory = await temporaryMetaDirectory();
  try {
    const first = await startMetaServer({ kind: 'file', directory: directory.path });
    await until('the server leads', () => (first.isLeader() ? true : undefined));
    await callMeta(first.self, clientRpcs.createApp, createRequest('a', 2));
    await callMeta(first.self, clientRpcs.createApp, createRequest('b', 1));
    await callMeta(first.self, clientRpcs.dropApp, { appName: 'b', options: { successIfNotExist: false } });
    await first.close();
    const second = await startMetaServer({ kind: 'file', directory: directory.path });
    try {
      await until('the server leads', () => (second.isLeader() ? true : undefined));
      t.deepEqual(await list(second.self), [[1, 'a', AppStatus.available], [2, 'b', AppStatus.dropped]]);
      t.is((await callMeta(second.self, clientRpcs.queryConfig, { appName: 'a', partitionIndices: [] })).partitions.length, 2);
      t.is((await callMeta(second.self, clientRpcs.createApp, createRequest('c', 1))).appid, 3, 'app ids are never reused');
    } finally {
      await second.close();
    }
  } finally {
    await directory.remove();
  }
});
