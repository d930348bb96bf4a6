// Proves sortkey_count counts the unexpired records of exactly one hash key (not its neighbours,
// not an empty hash key's range spill), answers -1 past the iteration time cap, and 4 for an
// oversized hash_key.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { engineTest, multiPut, put, slowClockDown, utf8 } from '../../../support/partition-harness.ts';

engineTest('counts unexpired records of one hash key only', async (t, h) => {
  await h.apply(multiPut('h', { a: '1', b: '2', c: '3' }), put('h', 'd', '4', h.now() + 5), multiPut('hh', { a: '1' }), multiPut('g', { a: '1' }), put('', 'x', 'y'));
  t.deepEqual(await h.partition.sortkeyCount({ kind: 'sortkey_count', hashKey: utf8('h') }), { kind: 'count_response', error: StorageStatus.ok, count: 4n });
  h.clock.advance(5_000);
  t.is((await h.partition.sortkeyCount({ kind: 'sortkey_count', hashKey: utf8('h') })).count, 3n);
  t.is((await h.partition.sortkeyCount({ kind: 'sortkey_count', hashKey: utf8('') })).count, 1n);
  t.is((await h.partition.sortkeyCount({ kind: 'sortkey_count', hashKey: utf8('none') })).count, 0n);
});

engineTest('counts past one internal batch', async (t, h) => {
  const kvs: Record<string, string> = {};
  for (let i = 0; i < 700; i++) kvs[`k${String(i).padStart(4, '0')}`] = 'v';
  await h.applyOne(multiPut('h', kvs));
  t.is((await h.partition.sortkeyCount({ kind: 'sortkey_count', hashKey: utf8('h') })).count, 700n);
});

engineTest('an oversized hash_key answers 4', async (t, h) => {
  const response = await h.partition.sortkeyCount({ kind: 'sortkey_count', hashKey: new Uint8Array(65535) });
  t.is(response.error, StorageStatus.invalidArgument);
  t.truthy(response.message);
});

engineTest('a count that runs past the iteration time cap answers -1', async (t, h) => {
  const kvs: Record<string, string> = {};
  for (let i = 0; i < 700; i++) kvs[`k${String(i).padStart(4, '0')}`] = 'v';
  await h.applyOne(multiPut('h', kvs));
  slowClockDown(h.clock, 10_000);
  t.deepEqual(await h.partition.sortkeyCount({ kind: 'sortkey_count', hashKey: utf8('h') }), { kind: 'count_response', error: StorageStatus.ok, count: -1n });
});
