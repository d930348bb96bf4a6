// Proves multi_remove deletes the listed sort keys of one hash key in one decree and answers the
// number requested (not found), and refuses an empty list or an oversized hash_key with 4,
// changing nothing.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { HASH_KEY_LENGTH_MAX } from '../../../../cluster/storage/key-schema.ts';
import type { MultiRemoveResponse } from '../../../../cluster/storage/responses.ts';
import { engineTest, multiGet, multiPut, multiRemove, text, utf8 } from '../../../support/partition-harness.ts';

engineTest('removes the listed sort keys; count is the number requested', async (t, h) => {
  await h.applyOne(multiPut('h', { a: '1', b: '2', c: '3' }));
  const response = await h.applyOne<MultiRemoveResponse>(multiRemove('h', ['a', 'c', 'missing']));
  t.deepEqual(response, { kind: 'multi_remove_response', error: StorageStatus.ok, count: 3n, decree: 2n });
  const got = await h.partition.multiGet(multiGet('h'));
  t.deepEqual(got.kvs.map((kv) => text(kv.key)), ['b']);
});

engineTest('an empty list or an oversized hash_key is refused with 4 and changes nothing', async (t, h) => {
  await h.applyOne(multiPut('h', { a: '1' }));
  const before = await h.dataDump();
  const empty = await h.applyOne<MultiRemoveResponse>(multiRemove('h', []));
  t.deepEqual(empty, { kind: 'multi_remove_response', error: StorageStatus.invalidArgument, message: 'multi_remove has no sort keys', count: 0n, decree: 2n });
  const long = await h.applyOne<MultiRemoveResponse>({ kind: 'multi_remove', hashKey: new Uint8Array(HASH_KEY_LENGTH_MAX + 1), sortKeys: [utf8('a')] });
  t.is(long.error, StorageStatus.invalidArgument);
  t.regex(long.message ?? '', /hash_key is 65535 bytes/);
  t.deepEqual(await h.dataDump(), before);
});
