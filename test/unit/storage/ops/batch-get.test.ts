// Proves batch_get returns the present, unexpired records of any hash keys in request order with
// their keys, skips absent and expired ones, and answers 4 for an empty list or an oversized
// hash_key.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { engineTest, put, text, utf8 } from '../../../support/partition-harness.ts';

const fullKey = (hashKey: string, sortKey: string) => ({ hashKey: utf8(hashKey), sortKey: utf8(sortKey) });

engineTest('returns present records across hash keys, skipping absent and expired', async (t, h) => {
  await h.apply(put('a', '1', 'A1'), put('b', '2', 'B2'), put('c', '3', 'C3', h.now() + 1));
  h.clock.advance(1_000);
  const response = await h.partition.batchGet({ kind: 'batch_get', keys: [fullKey('b', '2'), fullKey('x', 'x'), fullKey('c', '3'), fullKey('a', '1')] });
  t.is(response.error, StorageStatus.ok);
  t.deepEqual(response.data.map((d) => [text(d.hashKey), text(d.sortKey), text(d.value)]), [['b', '2', 'B2'], ['a', '1', 'A1']]);
});

engineTest('an empty list or an oversized hash_key answers 4', async (t, h) => {
  const empty = await h.partition.batchGet({ kind: 'batch_get', keys: [] });
  t.deepEqual(empty, { kind: 'batch_get_response', error: StorageStatus.invalidArgument, message: 'batch_get has no keys', data: [] });
  const long = await h.partition.batchGet({ kind: 'batch_get', keys: [fullKey('a', '1'), { hashKey: new Uint8Array(65535), sortKey: utf8('x') }] });
  t.is(long.error, StorageStatus.invalidArgument);
  t.regex(long.message ?? '', /keys\[1\]\.hash_key is 65535 bytes/);
});
