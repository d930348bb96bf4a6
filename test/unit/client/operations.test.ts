// The pure operation builders: the requests the API calls become (composite keys, absolute expiry,
// check types, filters), how responses become results (not found, incomplete, failed checks), and
// how storage errors become PegasusClientErrors with their context.
import test from 'ava';
import { getOperation, incrOperation, multiGetOperation, setOperation, ttlOperation } from '../../../client/core/data-operations.ts';
import { checkAndMutateOperation, checkAndSetOperation, compareExchangeOperation } from '../../../client/core/check-operations.ts';
import { PegasusClientError } from '../../../client/core/client-error.ts';
import { fullScanPlan, hashScanPlan, resumeAfter, scanItems } from '../../../client/core/scan-requests.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { crc64 } from '../../../common/crc64.ts';

const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);
const build = { table: 't', now2016Seconds: 1000 };
const where = { table: 't', operation: 'x', partitionIndex: 3, server: '10.0.0.1:34801' };
const stamp = { appId: 1, partitionIndex: 3, server: '10.0.0.1:34801' };

test('set sends the composite key and an absolute expiry, routed by the hash key', (t) => {
  const operation = setOperation(build, 'hk', 'sk', 'v', { ttlSeconds: 60 });
  t.deepEqual(operation.request, { kind: 'put', key: encodeKey(utf8('hk'), utf8('sk')), value: utf8('v'), expireTsSeconds: 1060 });
  t.deepEqual(operation.locator, { kind: 'hash', hash: crc64(utf8('hk')) });
  t.is(operation.method.name, 'RPC_RRDB_RRDB_PUT');
  t.is(setOperation(build, 'hk', 'sk', 'v').request.expireTsSeconds, 0);
});

test('get: kNotFound is null, other storage errors are PegasusClientErrors with the context', (t) => {
  const operation = getOperation(build, 'hk', 'sk');
  t.is(operation.finish({ kind: 'read_response', error: 1, value: new Uint8Array(0), ...stamp }, where), null);
  t.deepEqual(operation.finish({ kind: 'read_response', error: 0, value: utf8('v'), ...stamp }, where), utf8('v'));
  const error = t.throws(() => operation.finish({ kind: 'read_response', error: 5, value: new Uint8Array(0), ...stamp }, where), { instanceOf: PegasusClientError });
  t.is(error?.code, 'kIOError');
  t.deepEqual(error?.context, where);
  t.regex(error?.message ?? '', /kIOError: x on table "t" \(partition 3, server 10\.0\.0\.1:34801\)/);
});

test('multiGet: kIncomplete means partial results (allFetched false); point and range requests', (t) => {
  const point = multiGetOperation(build, 'hk', ['a', 'b']);
  t.deepEqual(point.request.sortKeys, [utf8('a'), utf8('b')]);
  t.is(point.request.maxKvCount, -1);
  const range = multiGetOperation(build, 'hk', { start: 'a', stop: 'z' }, { maxFetchCount: 5, reverse: true, sortKeyFilter: { type: 'matchAnywhere', pattern: 'x' } });
  t.deepEqual([range.request.startSortkey, range.request.stopSortkey, range.request.maxKvCount, range.request.reverse], [utf8('a'), utf8('z'), 5, true]);
  t.deepEqual([range.request.sortKeyFilterType, range.request.sortKeyFilterPattern], [1, utf8('x')]);
  const kvs = [{ key: utf8('a'), value: utf8('1') }];
  t.deepEqual(range.finish({ kind: 'multi_get_response', error: 7, kvs, ...stamp }, where), { allFetched: false, values: [{ sortKey: utf8('a'), value: utf8('1') }] });
  t.true(range.finish({ kind: 'multi_get_response', error: 0, kvs: [], ...stamp }, where).allFetched);
});

test('checkAndSet: kTryAgain is a failed check, not an error; the check value is returned when asked', (t) => {
  const same = checkAndSetOperation(build, 'hk', 'sk', 'valueIntLess', '5', 'sk', 'v', { returnCheckValue: true, ttlSeconds: 10 });
  t.false(same.request.setDiffSortKey);
  t.is(same.request.checkType, 13);
  t.is(same.request.setExpireTsSeconds, 1010);
  const other = checkAndSetOperation(build, 'hk', 'sk', 'noCheck', '', 'other', 'v');
  t.true(other.request.setDiffSortKey);
  t.deepEqual(other.request.setSortKey, utf8('other'));
  const response = { kind: 'check_and_set_response' as const, checkValueReturned: true, checkValueExist: true, checkValue: utf8('9'), decree: 1n, ...stamp };
  t.deepEqual(same.finish({ ...response, error: 13 }, where), { setSucceed: false, checkValueReturned: true, checkValueExist: true, checkValue: utf8('9') });
  t.true(same.finish({ ...response, error: 0 }, where).setSucceed);
  t.is(t.throws(() => same.finish({ ...response, error: 4 }, where), { instanceOf: PegasusClientError })?.code, 'kInvalidArgument');
});

test('compareExchange is a value-equality check on the same key that reports the actual value', (t) => {
  const operation = compareExchangeOperation(build, 'hk', 'sk', 'old', 'new');
  t.deepEqual([operation.request.checkType, operation.request.setDiffSortKey, operation.request.returnCheckValue], [10, false, true]);
  const response = { kind: 'check_and_set_response' as const, checkValueReturned: true, decree: 1n, ...stamp };
  t.deepEqual(operation.finish({ ...response, error: 13, checkValueExist: true, checkValue: utf8('cur') }, where), { setSucceed: false, actualValue: utf8('cur') });
  t.deepEqual(operation.finish({ ...response, error: 13, checkValueExist: false, checkValue: new Uint8Array(0) }, where), { setSucceed: false, actualValue: null });
});

test('checkAndMutate turns mutations into puts and deletes with absolute expiry', (t) => {
  const operation = checkAndMutateOperation(build, 'hk', 'sk', 'valueExist', '', [
    { kind: 'set', sortKey: 'a', value: 'A', ttlSeconds: 5 }, { kind: 'del', sortKey: 'b' },
  ]);
  t.deepEqual(operation.request.mutateList, [
    { operation: 0, sortKey: utf8('a'), value: utf8('A'), setExpireTsSeconds: 1005 },
    { operation: 1, sortKey: utf8('b'), value: new Uint8Array(0), setExpireTsSeconds: 0 },
  ]);
});

test('incr accepts -1 to remove the TTL and bigint increments; ttl maps not found to null', (t) => {
  t.is(incrOperation(build, 'hk', 'sk', 1, { ttlSeconds: -1 }).request.expireTsSeconds, -1);
  t.is(incrOperation(build, 'hk', 'sk', 1n << 62n).request.increment, 1n << 62n);
  const ttl = ttlOperation(build, 'hk', 'sk');
  t.is(ttl.finish({ kind: 'ttl_response', error: 1, ttlSeconds: 0, ...stamp }, where), null);
  t.is(ttl.finish({ kind: 'ttl_response', error: 0, ttlSeconds: -1, ...stamp }, where), -1);
});

test('scanner requests: hash scans stop at the end of the hash key; full scans validate the partition hash; resume is exclusive', (t) => {
  const plan = hashScanPlan('t', 'hk', '', '', { batchSize: 10 });
  t.deepEqual(plan.request.startKey, encodeKey(utf8('hk'), new Uint8Array(0)));
  t.deepEqual(plan.request.stopKey, Uint8Array.of(0, 2, 0x68, 0x6c), 'next("hk") = 00 02 68 6c');
  t.deepEqual([plan.request.batchSize, plan.request.validatePartitionHash, plan.request.fullScan], [10, false, false]);
  const full = fullScanPlan('t', 5);
  t.deepEqual([full.request.startKey, full.request.stopKey, full.request.validatePartitionHash, full.request.fullScan], [Uint8Array.of(0, 0), Uint8Array.of(0xff, 0xff), true, true]);
  t.is(full.context.partitionIndex, 5);
  const resumed = resumeAfter(plan.request, encodeKey(utf8('hk'), utf8('m')));
  t.deepEqual([resumed.startKey, resumed.startInclusive], [encodeKey(utf8('hk'), utf8('m')), false]);
  t.deepEqual(scanItems([{ key: encodeKey(utf8('hk'), utf8('s')), value: utf8('v') }], where), [{ hashKey: utf8('hk'), sortKey: utf8('s'), value: utf8('v') }]);
  t.is(t.throws(() => scanItems([{ key: Uint8Array.of(0, 9), value: utf8('v') }], where), { instanceOf: PegasusClientError })?.code, 'ERR_INVALID_DATA');
});

test('bad arguments throw ERR_INVALID_PARAMETERS naming the argument, before any request exists', (t) => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => setOperation(build, 'hk', 'sk', null as unknown as string), /value must be a Uint8Array or a string, got null/],
    [() => setOperation(build, 'hk', 'sk', 'v', { ttlSeconds: 2 ** 31 }), /expires after 2084/],
    [() => multiGetOperation(build, 'hk', 'abc' as unknown as string[]), /selection must be an array of sort keys or \{ start, stop \}/],
    [() => checkAndMutateOperation(build, 'hk', 'sk', 'noCheck', '', [{ kind: 'upsert' } as unknown as { kind: 'del'; sortKey: string }]), /sortKey must be a Uint8Array/],
    [() => checkAndMutateOperation(build, 'hk', 'sk', 'noCheck', '', [{ kind: 'upsert', sortKey: 'a' } as unknown as { kind: 'del'; sortKey: string }]), /mutations\[0\].kind must be 'set' or 'del'/],
    [() => incrOperation(build, 'hk', 'sk', 1n << 63n), /int64 range/],
  ];
  for (const [build, message] of cases) {
    const error = t.throws(build, { instanceOf: PegasusClientError, message });
    t.is(error?.code, 'ERR_INVALID_PARAMETERS');
    t.false(error?.retriable);
  }
});
