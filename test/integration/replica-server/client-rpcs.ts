// Every client RPC once, over a real connection to the primary of hash key "user1"'s partition,
// with the answers checked (values, counts, stamps). Shared by the single-server and cluster tests.
import type { ExecutionContext } from 'ava';
import type { RpcConnection } from '../../../cluster/rpc/node/index.ts';
import { clientRpcs } from '../../../cluster/rpc/rpc-methods.ts';
import { SCAN_CONTEXT_ID_COMPLETED } from '../../../cluster/storage/responses.ts';
import { eventually, key, routeOf, text, utf8 } from './harness.ts';

export const HASH_KEY = 'user1';

export async function exerciseEveryClientRpc(
  t: ExecutionContext,
  connection: RpcConnection,
  table: { readonly appId: number; readonly partitionCount: number },
  server: string,
): Promise<void> {
  const routing = routeOf(table.appId, HASH_KEY, table.partitionCount);
  const call = { routing };
  const put = await connection.call(clientRpcs.put, { kind: 'put', key: key('user1', 'a'), value: utf8('1'), expireTsSeconds: 0 }, call);
  t.is(put.error, 0);
  t.is(put.appId, table.appId);
  t.is(put.partitionIndex, routing.partitionIndex);
  t.is(put.server, server);
  t.true(put.decree > 0n);
  const multiPut = await connection.call(clientRpcs.multiPut, {
    kind: 'multi_put', hashKey: utf8('user1'), expireTsSeconds: 0,
    kvs: [{ key: utf8('b'), value: utf8('2') }, { key: utf8('c'), value: utf8('3') }, { key: utf8('d'), value: utf8('4') }],
  }, call);
  t.is(multiPut.error, 0);
  t.is(text((await connection.call(clientRpcs.get, { kind: 'get', key: key('user1', 'b') }, call)).value), '2');
  t.is((await connection.call(clientRpcs.remove, { kind: 'remove', key: key('user1', 'a') }, call)).error, 0);
  t.is((await connection.call(clientRpcs.get, { kind: 'get', key: key('user1', 'a') }, call)).error, 1, 'removed: not found');
  const multiRemove = await connection.call(clientRpcs.multiRemove, { kind: 'multi_remove', hashKey: utf8('user1'), sortKeys: [utf8('d')] }, call);
  t.is(multiRemove.count, 1n);
  const incr = await connection.call(clientRpcs.incr, { kind: 'incr', key: key('user1', 'n'), increment: 5n, expireTsSeconds: 0 }, call);
  t.is(incr.newValue, 5n);
  const checkAndSet = await connection.call(clientRpcs.checkAndSet, {
    kind: 'check_and_set', hashKey: utf8('user1'), checkSortKey: utf8('b'), checkType: 10, checkOperand: utf8('2'),
    setDiffSortKey: true, setSortKey: utf8('e'), setValue: utf8('5'), setExpireTsSeconds: 0, returnCheckValue: true,
  }, call);
  t.is(checkAndSet.error, 0);
  t.true(checkAndSet.checkValueExist);
  t.is(text(checkAndSet.checkValue), '2');
  const checkAndMutate = await connection.call(clientRpcs.checkAndMutate, {
    kind: 'check_and_mutate', hashKey: utf8('user1'), checkSortKey: utf8('zz'), checkType: 1, checkOperand: new Uint8Array(0),
    mutateList: [{ operation: 0, sortKey: utf8('f'), value: utf8('6'), setExpireTsSeconds: 0 }], returnCheckValue: false,
  }, call);
  t.is(checkAndMutate.error, 0);
  const multiGet = await connection.call(clientRpcs.multiGet, {
    kind: 'multi_get', hashKey: utf8('user1'), sortKeys: [], maxKvCount: 0, maxKvSize: 0, noValue: false,
    startSortkey: new Uint8Array(0), stopSortkey: new Uint8Array(0), startInclusive: true, stopInclusive: false,
    sortKeyFilterType: 0, sortKeyFilterPattern: new Uint8Array(0), reverse: false,
  }, call);
  t.deepEqual(multiGet.kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}`), ['b=2', 'c=3', 'e=5', 'f=6', `n=5`]);
  t.is(multiGet.server, server);
  const batchGet = await connection.call(clientRpcs.batchGet, { kind: 'batch_get', keys: [{ hashKey: utf8('user1'), sortKey: utf8('c') }] }, { routing: { ...routing, partitionHash: 0n } });
  t.deepEqual(batchGet.data.map((data) => text(data.value)), ['3']);
  t.is((await connection.call(clientRpcs.sortkeyCount, { kind: 'sortkey_count', hashKey: utf8('user1') }, call)).count, 5n);
  t.is((await connection.call(clientRpcs.ttl, { kind: 'ttl', key: key('user1', 'c') }, call)).ttlSeconds, -1);
  const scanner = {
    kind: 'get_scanner' as const, startKey: key('user1', ''), stopKey: key('user1', 'z'), startInclusive: true, stopInclusive: false,
    batchSize: 2, noValue: false, hashKeyFilterType: 0, hashKeyFilterPattern: new Uint8Array(0), sortKeyFilterType: 0,
    sortKeyFilterPattern: new Uint8Array(0), validatePartitionHash: false,
  };
  const first = await connection.call(clientRpcs.getScanner, scanner, call);
  t.is(first.kvs.length, 2);
  t.not(first.contextId, SCAN_CONTEXT_ID_COMPLETED);
  const next = await connection.call(clientRpcs.scan, { kind: 'scan', contextId: first.contextId }, call);
  t.is(next.kvs.length, 2);
  connection.send(clientRpcs.clearScanner, { kind: 'clear_scanner', contextId: next.contextId }, call);
  // The cleared context is gone: scanning it again is refused by the storage layer.
  const cleared = await eventually('the scan context to be cleared', async () => {
    const again = await connection.call(clientRpcs.scan, { kind: 'scan', contextId: next.contextId }, call);
    return again.error !== 0 ? again : undefined;
  });
  t.not(cleared.error, 0);
}
