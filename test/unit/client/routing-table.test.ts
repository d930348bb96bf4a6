// The routing table built from query_cfg answers: whole answers only, the split rule (a child
// with ballot -1 routes to its parent) and routing by partition index.
import test from 'ava';
import type { PartitionConfiguration, QueryCfgResponse } from '../../../cluster/rpc/meta-structs.ts';
import { crc64 } from '../../../common/crc64.ts';
import { RoutingTable } from '../../../client/core/routing-table.ts';

function configuration(index: number, ballot: bigint, primary: string, appId = 3): PartitionConfiguration {
  return { pid: { appId, partitionIndex: index }, ballot, maxReplicaCount: 3, primary, secondaries: [], lastDrops: [], lastCommittedDecree: 0n, partitionFlags: 0 };
}

function response(partitions: PartitionConfiguration[], partitionCount = partitions.length): QueryCfgResponse {
  return { err: 'ERR_OK', appId: 3, partitionCount, isStateful: true, partitions };
}

function build(answer: QueryCfgResponse): RoutingTable {
  const built = RoutingTable.fromQueryConfig('t', answer, 1);
  if (!built.ok) throw new Error(built.reason);
  return built.table;
}

const hashOfA = crc64(new TextEncoder().encode('a'));

test('a key routes to the primary of its partition', (t) => {
  const table = build(response(Array.from({ length: 8 }, (_, i) => configuration(i, 1n, `10.0.0.${i}:34801`))));
  t.deepEqual(table.route({ kind: 'hash', hash: hashOfA }), { appId: 3, partitionIndex: 4, primary: '10.0.0.4:34801', ballot: 1n });
  t.is(table.route({ kind: 'index', partitionIndex: 6 }).primary, '10.0.0.6:34801');
  t.deepEqual(table.primaries().length, 8);
});

test('split rule: a child that is not ready (ballot -1) sends its keys to its parent', (t) => {
  // 16 partitions, children 8..15 not ready: "a" hashes to 12 and is served by 12 - 8 = 4.
  const partitions = Array.from({ length: 16 }, (_, i) => configuration(i, i < 8 ? 5n : -1n, i < 8 ? `10.0.0.${i}:34801` : ''));
  const table = build(response(partitions));
  const route = table.route({ kind: 'hash', hash: hashOfA });
  t.is(route.partitionIndex, 4);
  t.is(route.primary, '10.0.0.4:34801');
  // Once the child is ready, it serves its own keys.
  partitions[12] = configuration(12, 6n, '10.0.0.12:34801');
  t.is(build(response(partitions)).route({ kind: 'hash', hash: hashOfA }).partitionIndex, 12);
});

test('a partition without a primary routes with an empty primary (the caller refreshes)', (t) => {
  const table = build(response([configuration(0, 1n, ''), configuration(1, 1n, '10.0.0.1:1')]));
  t.is(table.route({ kind: 'index', partitionIndex: 0 }).primary, '');
  t.deepEqual(table.primaries(), ['10.0.0.1:1']);
});

test('answers that are not whole or not ok are refused with the reason', (t) => {
  const two = [configuration(0, 1n, 'a:1'), configuration(1, 1n, 'a:1')];
  const cases: Array<[QueryCfgResponse, RegExp]> = [
    [{ ...response(two), err: 'ERR_OBJECT_NOT_FOUND' }, /meta answered ERR_OBJECT_NOT_FOUND/],
    [response(two, 4), /2 partition configurations for partition count 4/],
    [response([configuration(0, 1n, 'a:1'), configuration(0, 1n, 'a:1')]), /partition 0 is configured twice/],
    [response([configuration(0, 1n, 'a:1'), configuration(5, 1n, 'a:1')]), /partition index 5 is outside 0..1/],
    [response([configuration(0, 1n, 'a:1'), configuration(1, 1n, 'a:1', 9)]), /names app 9/],
    [response([], 0), /partition count 0 is outside/],
    [response([configuration(0, -1n, ''), configuration(1, -1n, '')]), /not ready and neither is its parent/],
  ];
  for (const [answer, reason] of cases) {
    const built = RoutingTable.fromQueryConfig('t', answer, 1);
    t.false(built.ok);
    if (!built.ok) t.regex(built.reason, reason);
  }
});

test('routing by an index outside the table is a RangeError', (t) => {
  const table = build(response([configuration(0, 1n, 'a:1')]));
  t.throws(() => table.route({ kind: 'index', partitionIndex: 1 }), { instanceOf: RangeError });
});
