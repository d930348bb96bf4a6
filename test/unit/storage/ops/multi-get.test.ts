// Proves multi_get in point mode (request order, absent/expired skipped, count/size limits answer 7
// with the partial result) and range mode (inclusive flags, empty stop = end of hash key, empty and
// inverted ranges, prefix/anywhere/postfix filters with the prefix narrowing, no_value, reverse
// returning the last N ascending, max_kv_count/max_kv_size, the server caps on records visited and
// on iteration time),
// plus 4 for bad filter types and oversized hash keys.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { FilterType } from '../../../../cluster/storage/requests.ts';
import type { MultiGetResponse } from '../../../../cluster/storage/responses.ts';
import { MULTI_GET_ITERATION_COUNT_MAX } from '../../../../common/limits.ts';
import { engineTest, multiGet, multiPut, put, slowClockDown, text, utf8 } from '../../../support/partition-harness.ts';

const keys = (response: MultiGetResponse): string[] => response.kvs.map((kv) => text(kv.key));
const pairs = (response: MultiGetResponse): string[] => response.kvs.map((kv) => `${text(kv.key)}=${text(kv.value)}`);

async function seed(h: Parameters<Parameters<typeof engineTest>[1]>[1]): Promise<void> {
  await h.apply(
    multiPut('h', { a: '1', ab: '2', b: '3', ba: '4', c: '5', cab: '6' }),
    put('h', 'expired', 'x', h.now() + 1),
    multiPut('g', { a: 'other' }),
    multiPut('hh', { a: 'other' }),
  );
  h.clock.advance(1_000);
}

engineTest('point mode returns requested present keys in request order', async (t, h) => {
  await seed(h);
  const response = await h.partition.multiGet(multiGet('h', { sortKeys: ['c', 'missing', 'a', 'expired', 'a'].map(utf8) }));
  t.is(response.error, StorageStatus.ok);
  t.deepEqual(pairs(response), ['c=5', 'a=1', 'a=1']);
  const noValue = await h.partition.multiGet(multiGet('h', { sortKeys: [utf8('b')], noValue: true }));
  t.deepEqual(pairs(noValue), ['b=']);
});

engineTest('point mode limits answer 7 with what fit', async (t, h) => {
  await seed(h);
  const byCount = await h.partition.multiGet(multiGet('h', { sortKeys: ['a', 'b', 'c'].map(utf8), maxKvCount: 2 }));
  t.is(byCount.error, StorageStatus.incomplete);
  t.regex(byCount.message ?? '', /more remain/);
  t.deepEqual(keys(byCount), ['a', 'b']);
  const bySize = await h.partition.multiGet(multiGet('h', { sortKeys: ['a', 'b', 'c'].map(utf8), maxKvSize: 3 }));
  t.is(bySize.error, StorageStatus.incomplete);
  t.deepEqual(keys(bySize), ['a', 'b']);
  const exact = await h.partition.multiGet(multiGet('h', { sortKeys: ['a', 'missing'].map(utf8), maxKvCount: 1 }));
  t.is(exact.error, StorageStatus.ok, 'a limit reached with nothing more to return is complete');
});

engineTest('range mode: whole hash key, skipping expired, never other hash keys', async (t, h) => {
  await seed(h);
  const response = await h.partition.multiGet(multiGet('h'));
  t.is(response.error, StorageStatus.ok);
  t.deepEqual(pairs(response), ['a=1', 'ab=2', 'b=3', 'ba=4', 'c=5', 'cab=6']);
});

engineTest('range mode: inclusive flags', async (t, h) => {
  await seed(h);
  const range = async (start: string, stop: string, startInclusive: boolean, stopInclusive: boolean) =>
    keys(await h.partition.multiGet(multiGet('h', { startSortkey: utf8(start), stopSortkey: utf8(stop), startInclusive, stopInclusive })));
  t.deepEqual(await range('ab', 'ba', true, false), ['ab', 'b']);
  t.deepEqual(await range('ab', 'ba', false, true), ['b', 'ba']);
  t.deepEqual(await range('ab', 'ba', true, true), ['ab', 'b', 'ba']);
  t.deepEqual(await range('ab', 'ba', false, false), ['b']);
  t.deepEqual(await range('b', 'b', true, true), ['b']);
  t.deepEqual(await range('b', 'b', true, false), []);
  t.deepEqual(await range('c', 'a', true, true), []);
  t.deepEqual(await range('b', '', false, true), ['ba', 'c', 'cab'], 'an empty stop is the end of the hash key, exclusive');
});

engineTest('range mode: filters, with the prefix narrowing the range', async (t, h) => {
  await seed(h);
  const filtered = async (type: number, pattern: string, fields = {}) =>
    keys(await h.partition.multiGet(multiGet('h', { sortKeyFilterType: type, sortKeyFilterPattern: utf8(pattern), ...fields })));
  t.deepEqual(await filtered(FilterType.matchPrefix, 'b'), ['b', 'ba']);
  t.deepEqual(await filtered(FilterType.matchPrefix, 'b', { startSortkey: utf8('b'), startInclusive: false }), ['ba']);
  t.deepEqual(await filtered(FilterType.matchPrefix, 'b', { stopSortkey: utf8('b'), stopInclusive: true }), ['b']);
  t.deepEqual(await filtered(FilterType.matchPrefix, 'z'), []);
  t.deepEqual(await filtered(FilterType.matchAnywhere, 'a'), ['a', 'ab', 'ba', 'cab']);
  t.deepEqual(await filtered(FilterType.matchPostfix, 'b'), ['ab', 'b', 'cab']);
  t.deepEqual(await filtered(FilterType.matchPostfix, ''), ['a', 'ab', 'b', 'ba', 'c', 'cab'], 'an empty pattern matches all');
  t.deepEqual(await filtered(FilterType.noFilter, 'zzz'), ['a', 'ab', 'b', 'ba', 'c', 'cab'], 'no filter ignores the pattern');
});

engineTest('range mode: no_value, reverse returns the last N ascending', async (t, h) => {
  await seed(h);
  t.deepEqual(pairs(await h.partition.multiGet(multiGet('h', { noValue: true, maxKvCount: 2 }))), ['a=', 'ab=']);
  const reverse = await h.partition.multiGet(multiGet('h', { reverse: true, maxKvCount: 2 }));
  t.is(reverse.error, StorageStatus.incomplete);
  t.deepEqual(pairs(reverse), ['c=5', 'cab=6']);
  const reverseAll = await h.partition.multiGet(multiGet('h', { reverse: true, startSortkey: utf8('ab'), stopSortkey: utf8('c'), stopInclusive: true }));
  t.is(reverseAll.error, StorageStatus.ok);
  t.deepEqual(keys(reverseAll), ['ab', 'b', 'ba', 'c']);
  const reverseFiltered = await h.partition.multiGet(multiGet('h', { reverse: true, maxKvCount: 1, sortKeyFilterType: FilterType.matchPrefix, sortKeyFilterPattern: utf8('a') }));
  t.deepEqual(keys(reverseFiltered), ['ab']);
});

engineTest('range mode: max_kv_count and max_kv_size answer 7 only when more remain', async (t, h) => {
  await seed(h);
  const byCount = await h.partition.multiGet(multiGet('h', { maxKvCount: 3 }));
  t.is(byCount.error, StorageStatus.incomplete);
  t.deepEqual(keys(byCount), ['a', 'ab', 'b']);
  const exact = await h.partition.multiGet(multiGet('h', { maxKvCount: 6, stopSortkey: utf8('cab'), stopInclusive: true }));
  t.is(exact.error, StorageStatus.ok, 'the limit reached on the last record of the range is complete');
  t.is(exact.kvs.length, 6);
  const expiredBehind = await h.partition.multiGet(multiGet('h', { maxKvCount: 6 }));
  t.is(expiredBehind.error, StorageStatus.incomplete, 'an unvisited (expired) record still in range counts as more, as in Pegasus');
  const bySize = await h.partition.multiGet(multiGet('h', { maxKvSize: 5 }));
  t.is(bySize.error, StorageStatus.incomplete);
  t.deepEqual(keys(bySize), ['a', 'ab'], 'a=1 and ab=2 make 5 bytes: the limit is reached');
});

engineTest('range mode: the server cap on records visited answers 7', async (t, h) => {
  const kvs: Record<string, string> = {};
  for (let i = 0; i < MULTI_GET_ITERATION_COUNT_MAX + 10; i++) kvs[String(i).padStart(5, '0')] = '';
  await h.applyOne(multiPut('h', kvs));
  const response = await h.partition.multiGet(multiGet('h', { maxKvCount: 100_000 }));
  t.is(response.error, StorageStatus.incomplete);
  t.is(response.kvs.length, MULTI_GET_ITERATION_COUNT_MAX);
  const filtered = await h.partition.multiGet(multiGet('h', { sortKeyFilterType: FilterType.matchPostfix, sortKeyFilterPattern: utf8('7') }));
  t.is(filtered.error, StorageStatus.incomplete, 'filtered-out records count as visited');
  t.is(filtered.kvs.length, MULTI_GET_ITERATION_COUNT_MAX / 10);
});

engineTest('bad filter type and oversized hash_key answer 4', async (t, h) => {
  const bad = await h.partition.multiGet(multiGet('h', { sortKeyFilterType: 4 }));
  t.deepEqual(bad, { kind: 'multi_get_response', error: StorageStatus.invalidArgument, message: 'sort key filter type 4 is not supported; filter_type is 0..3', kvs: [] });
  const long = await h.partition.multiGet({ ...multiGet('h'), hashKey: new Uint8Array(65535) });
  t.is(long.error, StorageStatus.invalidArgument);
});

engineTest('an empty hash key is its own range', async (t, h) => {
  await h.apply(put('', 'a', '1'), put('', 'b', '2'), put('x', 'a', '3'));
  t.deepEqual(pairs(await h.partition.multiGet(multiGet(''))), ['a=1', 'b=2']);
});

engineTest('a range read that runs past the iteration time cap answers 7 with what it had', async (t, h) => {
  const kvs: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) kvs[`k${String(i).padStart(4, '0')}`] = 'v';
  await h.applyOne(multiPut('h', kvs));
  slowClockDown(h.clock, 10_000);
  const response = await h.partition.multiGet(multiGet('h'));
  t.is(response.error, StorageStatus.incomplete);
  t.regex(response.message ?? '', /iteration time cap/);
  t.true(response.kvs.length > 0 && response.kvs.length < 1000);
  t.is(keys(response)[0], 'k0000');
});
