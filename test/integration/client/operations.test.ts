// Every table operation, end to end once per transport (TCP and fetch): a ClientCluster (real
// RpcServers, real storage Partitions, 8 partitions on two servers) answers them, and each test
// checks the effect through other operations; bad input is refused with ERR_INVALID_PARAMETERS
// and writes nothing.
import test from 'ava';
import { PegasusClientError, partitionOf, type PegasusClient, type Table } from '../../../client/node/index.ts';
import { ClientCluster } from '../../support/client-cluster.ts';
import { transportFactories, type TransportFactory } from '../../support/client-transports.ts';

const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));
const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

/** Waits (boundedly) for a one-way message to have arrived. */
async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

interface Context {
  cluster: ClientCluster;
  client: PegasusClient;
  table: Table;
}

async function setUp(factory: TransportFactory): Promise<Context> {
  const cluster = await ClientCluster.start();
  const client = factory.createClient({ metaServers: cluster.metaAddresses, timeoutMs: 3000 });
  const table = await client.openTable(cluster.tableName);
  return { cluster, client, table };
}

async function tearDown({ cluster, client }: Context): Promise<void> {
  await client.close();
  await cluster.stop();
}

function withCluster(title: string, body: (t: import('ava').ExecutionContext, context: Context) => Promise<void>): void {
  for (const factory of transportFactories) {
    test(`${factory.name}: ${title}`, async (t) => {
      const context = await setUp(factory);
      try {
        await body(t, context);
      } finally {
        await tearDown(context);
      }
    });
  }
}

withCluster('set, get and del round-trip strings and bytes, on the partition the hash key maps to', async (t, { cluster, table }) => {
  await table.set('user1', 'name', 'Ada');
  await table.set(utf8('bin'), Uint8Array.of(0, 1), Uint8Array.of(0xff, 0));
  t.is(text(await table.get('user1', 'name')), 'Ada');
  t.deepEqual(await table.get('bin', Uint8Array.of(0, 1)), Uint8Array.of(0xff, 0));
  t.is(await table.get('user1', 'missing'), null);
  const index = partitionOf('user1', 8);
  t.true(cluster.replicas[cluster.hostOf(index)]?.served.includes(index));
  t.is(cluster.replicas.reduce((sum, replica) => sum + replica.refused, 0), 0);
  await table.del('user1', 'name');
  t.is(await table.get('user1', 'name'), null);
  await table.del('user1', 'never-there');
});

withCluster('an empty hash key routes by the sort key and works for set and get', async (t, { table }) => {
  await table.set('', 'only-sort-key', 'v');
  t.is(text(await table.get('', 'only-sort-key')), 'v');
});

withCluster('many hash keys spread over every partition of both servers', async (t, { cluster, table }) => {
  for (let i = 0; i < 64; i++) await table.set(`hk${i}`, 's', `v${i}`);
  for (let i = 0; i < 64; i++) t.is(text(await table.get(`hk${i}`, 's')), `v${i}`);
  const served = new Set(cluster.replicas.flatMap((replica) => replica.served));
  t.is(served.size, 8);
});

withCluster('multiSet writes atomically; multiGet point, range, filter, reverse, noValue and limits', async (t, { table }) => {
  await table.multiSet('h', ['a', 'b', 'c', 'd', 'e'].map((sortKey) => ({ sortKey, value: `v${sortKey}` })));
  const point = await table.multiGet('h', ['b', 'd', 'zz']);
  t.true(point.allFetched);
  t.deepEqual(point.values.map((entry) => [text(entry.sortKey), text(entry.value)]), [['b', 'vb'], ['d', 'vd']]);
  const whole = await table.multiGet('h');
  t.deepEqual(whole.values.map((entry) => text(entry.sortKey)), ['a', 'b', 'c', 'd', 'e']);
  const range = await table.multiGet('h', { start: 'b', stop: 'd' });
  t.deepEqual(range.values.map((entry) => text(entry.sortKey)), ['b', 'c']);
  const inclusive = await table.multiGet('h', { start: 'b', stop: 'd' }, { startInclusive: false, stopInclusive: true });
  t.deepEqual(inclusive.values.map((entry) => text(entry.sortKey)), ['c', 'd']);
  const limited = await table.multiGet('h', {}, { maxFetchCount: 2 });
  t.false(limited.allFetched);
  t.deepEqual(limited.values.map((entry) => text(entry.sortKey)), ['a', 'b']);
  const last = await table.multiGet('h', {}, { maxFetchCount: 2, reverse: true });
  t.deepEqual(last.values.map((entry) => text(entry.sortKey)), ['d', 'e']);
  const noValue = await table.multiGet('h', {}, { noValue: true });
  t.true(noValue.values.every((entry) => entry.value.length === 0));
  await table.multiSet('h', [{ sortKey: 'prefix-1', value: '1' }, { sortKey: 'prefix-2', value: '2' }, { sortKey: 'other', value: '3' }]);
  const filtered = await table.multiGet('h', {}, { sortKeyFilter: { type: 'matchPrefix', pattern: 'prefix-' } });
  t.deepEqual(filtered.values.map((entry) => text(entry.sortKey)), ['prefix-1', 'prefix-2']);
  const sortKeys = await table.multiGetSortKeys('h');
  t.deepEqual(sortKeys.sortKeys.map(text), ['a', 'b', 'c', 'd', 'e', 'other', 'prefix-1', 'prefix-2']);
  t.true(sortKeys.allFetched);
  t.is(await table.sortKeyCount('h'), 8);
});

withCluster('multiDel and delRange delete what they name and nothing else', async (t, { table }) => {
  const entries = Array.from({ length: 250 }, (_, i) => ({ sortKey: `k${String(i).padStart(3, '0')}`, value: 'x' }));
  await table.multiSet('range', entries);
  await table.multiDel('range', ['k000', 'k001']);
  t.is(await table.sortKeyCount('range'), 248);
  const deleted = await table.delRange('range', 'k010', 'k220');
  t.is(deleted, 210);
  t.is(await table.sortKeyCount('range'), 38);
  t.not(await table.get('range', 'k009'), null);
  t.is(await table.get('range', 'k010'), null);
  t.not(await table.get('range', 'k220'), null);
  t.is(await table.delRange('range', '', ''), 38);
  t.is(await table.sortKeyCount('range'), 0);
});

withCluster('incr counts from missing, keeps decimal text, and refuses a value that is not a number', async (t, { table }) => {
  t.is(await table.incr('counter', 'n', 5), 5n);
  t.is(await table.incr('counter', 'n', -7n), -2n);
  t.is(text(await table.get('counter', 'n')), '-2');
  await table.set('counter', 'word', 'abc');
  const error = await t.throwsAsync(table.incr('counter', 'word', 1), { instanceOf: PegasusClientError });
  t.is(error?.code, 'kInvalidArgument');
  t.is(error?.context.operation, 'incr');
  t.is(text(await table.get('counter', 'word')), 'abc');
});

withCluster('checkAndSet: every check type passes and fails as Pegasus defines it', async (t, { table }) => {
  await table.set('cas', 'empty', '');
  await table.set('cas', 'hello', 'hello world');
  await table.set('cas', 'num', '42');
  await table.set('cas', 'bytes', 'm');
  const cases: Array<[import('../../../client/node/index.ts').CheckType, string, string, boolean]> = [
    ['noCheck', 'missing', '', true],
    ['valueNotExist', 'missing', '', true], ['valueNotExist', 'hello', '', false],
    ['valueNotExistOrEmpty', 'empty', '', true], ['valueNotExistOrEmpty', 'hello', '', false],
    ['valueExist', 'empty', '', true], ['valueExist', 'missing', '', false],
    ['valueNotEmpty', 'hello', '', true], ['valueNotEmpty', 'empty', '', false],
    ['valueMatchAnywhere', 'hello', 'o w', true], ['valueMatchAnywhere', 'hello', 'xyz', false],
    ['valueMatchPrefix', 'hello', 'hell', true], ['valueMatchPrefix', 'hello', 'world', false],
    ['valueMatchPostfix', 'hello', 'world', true], ['valueMatchPostfix', 'hello', 'hello', false],
    ['valueBytesLess', 'bytes', 'n', true], ['valueBytesLess', 'bytes', 'm', false],
    ['valueBytesLessOrEqual', 'bytes', 'm', true], ['valueBytesLessOrEqual', 'bytes', 'l', false],
    ['valueBytesEqual', 'bytes', 'm', true], ['valueBytesEqual', 'bytes', 'n', false],
    ['valueBytesGreaterOrEqual', 'bytes', 'm', true], ['valueBytesGreaterOrEqual', 'bytes', 'n', false],
    ['valueBytesGreater', 'bytes', 'l', true], ['valueBytesGreater', 'bytes', 'm', false],
    ['valueIntLess', 'num', '43', true], ['valueIntLess', 'num', '42', false],
    ['valueIntLessOrEqual', 'num', '42', true], ['valueIntLessOrEqual', 'num', '41', false],
    ['valueIntEqual', 'num', '0x2a', true], ['valueIntEqual', 'num', '41', false],
    ['valueIntGreaterOrEqual', 'num', '42', true], ['valueIntGreaterOrEqual', 'num', '43', false],
    ['valueIntGreater', 'num', '41', true], ['valueIntGreater', 'num', '42', false],
  ];
  for (const [i, [checkType, checkSortKey, operand, passes]] of cases.entries()) {
    const target = `target-${i}`;
    const result = await table.checkAndSet('cas', checkSortKey, checkType, operand, target, 'set');
    t.is(result.setSucceed, passes, `${checkType} on ${checkSortKey} with ${JSON.stringify(operand)}`);
    t.is(text(await table.get('cas', target)), passes ? 'set' : null, `${checkType}: write follows the check`);
  }
  const returned = await table.checkAndSet('cas', 'num', 'valueIntEqual', '42', 'num', '43', { returnCheckValue: true });
  t.deepEqual([returned.setSucceed, returned.checkValueReturned, returned.checkValueExist, text(returned.checkValue)], [true, true, true, '42']);
  t.is(text(await table.get('cas', 'num')), '43');
  const notInt = await t.throwsAsync(table.checkAndSet('cas', 'hello', 'valueIntEqual', '1', 'x', 'y'), { instanceOf: PegasusClientError });
  t.is(notInt?.code, 'kInvalidArgument');
  t.is(await table.get('cas', 'x'), null);
});

withCluster('checkAndMutate applies all mutations when the check passes and none when it fails', async (t, { table }) => {
  await table.set('cam', 'version', '1');
  const failed = await table.checkAndMutate('cam', 'version', 'valueBytesEqual', '2', [{ kind: 'set', sortKey: 'a', value: 'A' }]);
  t.false(failed.mutateSucceed);
  t.is(await table.get('cam', 'a'), null);
  const passed = await table.checkAndMutate('cam', 'version', 'valueBytesEqual', '1', [
    { kind: 'set', sortKey: 'a', value: 'A' },
    { kind: 'set', sortKey: 'version', value: '2' },
    { kind: 'del', sortKey: 'gone' },
  ], { returnCheckValue: true });
  t.true(passed.mutateSucceed);
  t.is(text(passed.checkValue), '1');
  t.is(text(await table.get('cam', 'a')), 'A');
  t.is(text(await table.get('cam', 'version')), '2');
});

withCluster('compareExchange swaps only on equality and reports the actual value otherwise', async (t, { table }) => {
  const absent = await table.compareExchange('cx', 'k', 'old', 'new');
  t.deepEqual(absent, { setSucceed: false, actualValue: null });
  await table.set('cx', 'k', 'old');
  t.deepEqual(await table.compareExchange('cx', 'k', 'old', 'new'), { setSucceed: true, actualValue: null });
  const mismatch = await table.compareExchange('cx', 'k', 'old', 'newer');
  t.false(mismatch.setSucceed);
  t.is(text(mismatch.actualValue), 'new');
});

withCluster('TTLs: ttl and exist see them, and records expire when the time passes', async (t, { cluster, table }) => {
  await table.set('ttl', 'short', 'v', { ttlSeconds: 10 });
  await table.set('ttl', 'forever', 'v');
  const ttl = await table.ttl('ttl', 'short');
  t.true(ttl !== null && ttl > 0 && ttl <= 10);
  t.is(await table.ttl('ttl', 'forever'), -1);
  t.is(await table.ttl('ttl', 'missing'), null);
  t.true(await table.exist('ttl', 'short'));
  t.false(await table.exist('ttl', 'missing'));
  await table.multiSet('ttl', [{ sortKey: 'm1', value: '1' }], { ttlSeconds: 10 });
  await table.incr('ttl', 'counter', 1, { ttlSeconds: 10 });
  cluster.clock.advance(12_000);
  t.is(await table.get('ttl', 'short'), null);
  t.false(await table.exist('ttl', 'short'));
  t.is(await table.get('ttl', 'm1'), null);
  t.is(await table.get('ttl', 'counter'), null);
  t.is(text(await table.get('ttl', 'forever')), 'v');
  t.is(await table.sortKeyCount('ttl'), 1);
});

withCluster('a scanner walks one hash key over many batches in order and releases its context', async (t, { cluster, table }) => {
  const entries = Array.from({ length: 250 }, (_, i) => ({ sortKey: `s${String(i).padStart(3, '0')}`, value: `v${i}` }));
  for (let i = 0; i < entries.length; i += 50) await table.multiSet('scan', entries.slice(i, i + 50));
  await table.set('scan-other', 's000', 'not me');
  const seen: string[] = [];
  for await (const item of table.getScanner('scan', '', '', { batchSize: 7 })) {
    t.is(text(item.hashKey), 'scan');
    seen.push(text(item.sortKey) ?? '');
  }
  t.deepEqual(seen, entries.map((entry) => entry.sortKey));
  const partial: string[] = [];
  for await (const item of table.getScanner('scan', 's100', 's200', { batchSize: 10, stopInclusive: true })) {
    partial.push(text(item.sortKey) ?? '');
    if (partial.length === 25) break;
  }
  t.is(partial[0], 's100');
  t.is(partial.length, 25);
  const index = partitionOf('scan', 8);
  const host = cluster.replicas[cluster.hostOf(index)];
  await eventually(() => host?.cleared.length === 1);
  t.is(host?.cleared.length, 1, 'breaking out of the loop sent clear_scanner');
  t.is(cluster.scanContexts(index), 0);
  const filtered: string[] = [];
  for await (const item of table.getScanner('scan', '', '', { sortKeyFilter: { type: 'matchPostfix', pattern: '9' }, noValue: true })) {
    t.is(item.value.length, 0);
    filtered.push(text(item.sortKey) ?? '');
  }
  t.is(filtered.length, 25);
});

withCluster('unordered scanners together return every record of the table exactly once', async (t, { table }) => {
  const written = new Set<string>();
  for (let i = 0; i < 120; i++) {
    await table.set(`u${i}`, `s${i % 3}`, 'v');
    written.add(`u${i}/s${i % 3}`);
  }
  const scanners = table.getUnorderedScanners(3, { batchSize: 9 });
  t.is(scanners.length, 3);
  const seen: string[] = [];
  await Promise.all(scanners.map(async (scanner) => {
    for await (const item of scanner) seen.push(`${text(item.hashKey)}/${text(item.sortKey)}`);
  }));
  t.is(seen.length, written.size);
  t.deepEqual([...seen].sort(), [...written].sort());
  t.is(table.getUnorderedScanners(100).length, 8);
});

withCluster('batchGet, batchSet and batchDel give one result per item', async (t, { table }) => {
  const items = Array.from({ length: 30 }, (_, i) => ({ hashKey: `b${i}`, sortKey: 's', value: `v${i}` }));
  const set = await table.batchSet([...items, { hashKey: 'b-bad', sortKey: 's', value: 42 as unknown as string }]);
  t.is(set.length, 31);
  t.true(set.slice(0, 30).every((result) => result.ok));
  const bad = set[30];
  t.true(bad !== undefined && !bad.ok && bad.error.code === 'ERR_INVALID_PARAMETERS');
  const got = await table.batchGet([...items.map(({ hashKey, sortKey }) => ({ hashKey, sortKey })), { hashKey: 'nope', sortKey: 's' }]);
  t.deepEqual(got.map((result) => (result.ok ? text(result.value) : 'error')), [...items.map((item) => item.value), null]);
  const del = await table.batchDel(items.slice(0, 10));
  t.true(del.every((result) => result.ok));
  t.is(await table.get('b0', 's'), null);
  t.is(text(await table.get('b10', 's')), 'v10');
});

withCluster('bad input is refused with a clear error before anything is sent, and nothing is written', async (t, { cluster, table }) => {
  const before = cluster.replicas.map((replica) => replica.served.length);
  const refusals: Array<[Promise<unknown>, RegExp]> = [
    [table.set('h', 's', 5 as unknown as string), /value must be a Uint8Array or a string, got number/],
    [table.set('h', 's', 'v', { ttlSeconds: -3 }), /ttlSeconds must be a non-negative integer/],
    [table.set('h', 's', 'v', { ttlSeconds: 1.5 }), /ttlSeconds/],
    [table.set('h'.repeat(70_000), 's', 'v'), /hashKey is 70000 bytes; at most 65534/],
    [table.set('h', 's', new Uint8Array(2 << 20)), /at most 1048576/],
    [table.get('h', new Uint8Array(2 << 20)), /the request carries 2097153 bytes of keys and values; a request may carry at most 1048576/],
    [table.multiSet('', [{ sortKey: 'a', value: 'b' }]), /hashKey must not be empty/],
    [table.multiSet('h', []), /entries must hold at least 1 item/],
    [table.multiDel('h', []), /sortKeys must hold at least 1 item/],
    [table.multiGet('h', {}, { sortKeyFilter: { type: 'regex' as 'matchPrefix', pattern: 'x' } }), /sortKeyFilter.type "regex" is not one of/],
    [table.multiGet('h', {}, { maxFetchCount: 1.5 }), /maxFetchCount must be an integer/],
    [table.incr('h', 's', 2 ** 60), /increment must be a safe integer or a bigint/],
    [table.checkAndSet('h', 's', 'valueSomething' as 'noCheck', '', 's', 'v'), /checkType "valueSomething" is not one of/],
    [table.checkAndMutate('h', 's', 'noCheck', '', []), /mutations must hold at least 1 item/],
    [table.checkAndMutate('h', 's', 'noCheck', '', [{ kind: 'put' } as unknown as { kind: 'del'; sortKey: string }]), /must be a Uint8Array or a string|kind must be 'set' or 'del'/],
    [table.get('h', 's', { timeoutMs: -1 }), /timeoutMs must be a number/],
    [table.sortKeyCount(''), /hashKey must not be empty/],
  ];
  for (const [promise, message] of refusals) {
    const error = await t.throwsAsync(promise, { instanceOf: PegasusClientError, message });
    t.is(error?.code, 'ERR_INVALID_PARAMETERS');
    t.false(error?.retriable);
    t.is(error?.context.table, 'test');
  }
  t.throws(() => table.getScanner('', '', ''), { instanceOf: PegasusClientError, message: /hashKey must not be empty/ });
  t.throws(() => table.getScanner('h', '', '', { batchSize: 0 }), { message: /batchSize must be an integer in 1..1000/ });
  t.throws(() => table.getUnorderedScanners(0), { message: /maxScannerCount must be an integer in 1..16384/ });
  t.deepEqual(cluster.replicas.map((replica) => replica.served.length), before, 'no request reached a server');
  t.is(await table.multiGet('h').then((result) => result.values.length), 0);
});

withCluster('openTable refuses a table that does not exist and a malformed name', async (t, { client }) => {
  const missing = await t.throwsAsync(client.openTable('no_such_table'), { instanceOf: PegasusClientError });
  t.is(missing?.code, 'ERR_OBJECT_NOT_FOUND');
  t.regex(missing?.message ?? '', /no such table/);
  await t.throwsAsync(client.openTable('bad name!'), { instanceOf: PegasusClientError, message: /table name "bad name!" must be/ });
});

withCluster('an aborted call rejects with ERR_ABORTED', async (t, { table }) => {
  const controller = new AbortController();
  controller.abort();
  const error = await t.throwsAsync(table.get('h', 's', { signal: controller.signal }), { instanceOf: PegasusClientError });
  t.is(error?.code, 'ERR_ABORTED');
});
