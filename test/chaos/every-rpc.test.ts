// Every client RPC over the wire against a real onebox (meta and replica servers as processes):
// create, list, query_cfg and drop on the meta server (RPC_CM_*), and the 15 rrdb RPCs on the
// replica servers, 13 of them through the client SDK as an application calls them, checked both by
// their results and by the replica servers' request counters; batch_get (which the SDK does with
// gets) and clear_scanner (one-way, so the SDK cannot see it land) on a direct connection.
import test from 'ava';
import { createClient } from '../../client/node/index.ts';
import { partitionHashOf, partitionOf } from '../../client/index.ts';
import { encodeKey } from '../../cluster/storage/key-schema.ts';
import { AppStatus } from '../../cluster/rpc/meta-structs.ts';
import { clientRpcs } from '../../cluster/rpc/rpc-methods.ts';
import { RpcConnection } from '../../cluster/rpc/node/index.ts';
import { callMeta, createRequest } from '../support/meta-server.ts';
import { healthyConfig, okRequestsByOp, replicaAddresses, startChaosOnebox, until } from './chaos-cluster.ts';

const TABLE = 'chaos_rpc';
const PARTITIONS = 4;
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));

test('a table is created, used through every client RPC, listed, routed and dropped over the wire', async (t) => {
  t.timeout(180_000);
  const cluster = await startChaosOnebox(t);
  const meta = cluster.metas[0] ?? '';

  const created = await callMeta(meta, clientRpcs.createApp, createRequest(TABLE, PARTITIONS, 3));
  t.is(created.err, 'ERR_OK');
  t.true(created.appid > 1, 'a new app id after temp');
  const listed = await callMeta(meta, clientRpcs.listApps, { status: AppStatus.invalid });
  t.deepEqual(listed.infos.filter((info) => info.appName === TABLE).map((info) => [info.appId, info.partitionCount, info.status]), [[created.appid, PARTITIONS, AppStatus.available]]);
  await healthyConfig(cluster, TABLE, 60_000);
  const route = await callMeta(meta, clientRpcs.queryConfig, { appName: TABLE, partitionIndices: [] });
  t.is(route.err, 'ERR_OK');
  t.is(route.appId, created.appid);
  t.is(route.partitionCount, PARTITIONS);
  t.is(route.partitions.length, PARTITIONS);
  const replicas = replicaAddresses(cluster);
  t.true(route.partitions.every((partition) => replicas.includes(partition.primary) && partition.secondaries.length === 2));

  const client = createClient({ metaServers: [...cluster.metas], timeoutMs: 20_000 });
  t.teardown(() => client.close());
  const table = await client.openTable(TABLE);
  const before = await okRequestsByOp(replicas, TABLE);

  await table.set('user1', 'a', '1');
  t.is(text(await table.get('user1', 'a')), '1');
  await table.multiSet('user1', [{ sortKey: 'b', value: '2' }, { sortKey: 'c', value: '3' }, { sortKey: 'd', value: '4' }]);
  await table.del('user1', 'a');
  t.is(await table.get('user1', 'a'), null);
  await table.multiDel('user1', ['d']);
  t.is(await table.incr('user1', 'n', 5), 5n);
  t.is(await table.incr('user1', 'n', -2), 3n);
  const cas = await table.checkAndSet('user1', 'b', 'valueBytesEqual', '2', 'e', '5', { returnCheckValue: true });
  t.true(cas.setSucceed);
  t.is(text(cas.checkValue), '2');
  t.false((await table.checkAndSet('user1', 'b', 'valueBytesEqual', 'no', 'e', 'never')).setSucceed);
  const cam = await table.checkAndMutate('user1', 'zz', 'valueNotExist', '', [{ kind: 'set', sortKey: 'f', value: '6' }, { kind: 'del', sortKey: 'c' }]);
  t.true(cam.mutateSucceed);
  t.deepEqual(await table.compareExchange('user1', 'f', '6', '7'), { setSucceed: true, actualValue: null });
  const swapped = await table.compareExchange('user1', 'f', '6', '8');
  t.false(swapped.setSucceed);
  t.is(text(swapped.actualValue), '7');
  const all = await table.multiGet('user1');
  t.true(all.allFetched);
  t.deepEqual(all.values.map((kv) => `${text(kv.sortKey)}=${text(kv.value)}`), ['b=2', 'e=5', 'f=7', 'n=3']);
  t.deepEqual((await table.multiGet('user1', ['b', 'x'])).values.map((kv) => text(kv.sortKey)), ['b']);
  t.deepEqual((await table.multiGetSortKeys('user1')).sortKeys.map(text), ['b', 'e', 'f', 'n']);
  t.is(await table.sortKeyCount('user1'), 4);
  t.true(await table.exist('user1', 'b'));
  t.false(await table.exist('user1', 'c'));
  t.is(await table.ttl('user1', 'b'), -1);
  await table.set('user1', 't', 'expiring', { ttlSeconds: 600 });
  const ttl = await table.ttl('user1', 't');
  t.true(ttl !== null && ttl > 500 && ttl <= 600, `ttl ${String(ttl)}`);
  const scanned: string[] = [];
  for await (const item of table.getScanner('user1', '', '', { batchSize: 2 })) scanned.push(`${text(item.sortKey)}=${text(item.value)}`);
  t.deepEqual(scanned, ['b=2', 'e=5', 'f=7', 'n=3', 't=expiring']);
  t.is(await table.delRange('user1', 'e', 'n'), 2);
  t.deepEqual((await table.multiGetSortKeys('user1')).sortKeys.map(text), ['b', 'n', 't']);
  const batch = await table.batchSet([0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ hashKey: `batch${i}`, sortKey: 's', value: `v${i}` })));
  t.true(batch.every((item) => item.ok));
  const got = await table.batchGet([0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ hashKey: `batch${i}`, sortKey: 's' })));
  t.deepEqual(got.map((item) => (item.ok ? text(item.value) : item.error.code)), ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7']);
  t.true((await table.batchDel([{ hashKey: 'batch0', sortKey: 's' }])).every((item) => item.ok));
  const everywhere: string[] = [];
  for (const scanner of table.getUnorderedScanners(3, { batchSize: 3 })) {
    for await (const item of scanner) everywhere.push(text(item.hashKey) ?? '');
  }
  t.deepEqual([...new Set(everywhere)].sort(), ['batch1', 'batch2', 'batch3', 'batch4', 'batch5', 'batch6', 'batch7', 'user1']);

  // batch_get and clear_scanner on a connection to the primary of user1's partition.
  const index = partitionOf('user1', PARTITIONS);
  const primary = route.partitions[index]?.primary ?? '';
  const connection = await RpcConnection.connect({ host: '127.0.0.1', port: Number(primary.split(':')[1]) });
  t.teardown(() => connection.close());
  const routing = { appId: created.appid, partitionIndex: index, partitionHash: partitionHashOf(utf8('user1'), new Uint8Array(0)) };
  const batchGet = await connection.call(clientRpcs.batchGet, { kind: 'batch_get', keys: [{ hashKey: utf8('user1'), sortKey: utf8('b') }, { hashKey: utf8('user1'), sortKey: utf8('n') }] }, { routing: { ...routing, partitionHash: 0n }, timeoutMs: 20_000 });
  t.deepEqual(batchGet.data.map((data) => text(data.value)), ['2', '3']);
  const opened = await connection.call(clientRpcs.getScanner, {
    kind: 'get_scanner', startKey: encodeKey(utf8('user1'), new Uint8Array(0)), stopKey: encodeKey(utf8('user1'), utf8('z')), startInclusive: true, stopInclusive: false,
    batchSize: 1, noValue: false, hashKeyFilterType: 0, hashKeyFilterPattern: new Uint8Array(0), sortKeyFilterType: 0,
    sortKeyFilterPattern: new Uint8Array(0), validatePartitionHash: false,
  }, { routing, timeoutMs: 20_000 });
  t.is(opened.kvs.length, 1);
  t.is((await connection.call(clientRpcs.scan, { kind: 'scan', contextId: opened.contextId }, { routing, timeoutMs: 20_000 })).error, 0, 'the context scans before it is cleared');
  connection.send(clientRpcs.clearScanner, { kind: 'clear_scanner', contextId: opened.contextId }, { routing });
  await until('the cleared scan context is refused', async () => {
    const again = await connection.call(clientRpcs.scan, { kind: 'scan', contextId: opened.contextId }, { routing, timeoutMs: 20_000 });
    return again.error !== 0 ? true : undefined;
  }, 20_000);

  // Every rrdb RPC that answers was counted as answered ERR_OK by some replica server.
  const after = await okRequestsByOp(replicas, TABLE);
  const ops = ['put', 'multi_put', 'remove', 'multi_remove', 'incr', 'check_and_set', 'check_and_mutate', 'get', 'multi_get', 'batch_get', 'sortkey_count', 'ttl', 'get_scanner', 'scan'];
  t.deepEqual(ops.filter((op) => (after.get(op) ?? 0) <= (before.get(op) ?? 0)), [], 'ops never answered ERR_OK');

  const dropped = await callMeta(meta, clientRpcs.dropApp, { appName: TABLE, options: { successIfNotExist: false, reserveSeconds: 600n } });
  t.is(dropped.err, 'ERR_OK');
  t.is((await callMeta(meta, clientRpcs.queryConfig, { appName: TABLE, partitionIndices: [] })).err, 'ERR_OBJECT_NOT_FOUND');
  const droppedList = await callMeta(meta, clientRpcs.listApps, { status: AppStatus.dropped });
  t.deepEqual(droppedList.infos.map((info) => info.appName), [TABLE]);
  // The replica servers stop serving the dropped table: the client's next read is refused for good.
  const refused = await until('a read of the dropped table is refused', async () => {
    try {
      await table.get('user1', 'b', { timeoutMs: 3000 });
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  }, 30_000);
  t.is(refused, 'ERR_OBJECT_NOT_FOUND');
});
