// Proves multi_put writes every sort key of one hash key with one expiry in one decree, later
// entries of the same sort key win, and an empty list, an oversized hash_key, a negative expiry or
// an oversized body are refused with 4 and change nothing.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { HASH_KEY_LENGTH_MAX } from '../../../../cluster/storage/key-schema.ts';
import { WRITE_BODY_BYTES_MAX } from '../../../../common/limits.ts';
import type { UpdateResponse } from '../../../../cluster/storage/responses.ts';
import type { WriteRequest } from '../../../../cluster/storage/requests.ts';
import { engineTest, multiGet, multiPut, text, utf8 } from '../../../support/partition-harness.ts';

engineTest('writes all sort keys atomically with one expiry', async (t, h) => {
  const response = await h.applyOne<UpdateResponse>(multiPut('h', { a: '1', b: '2', c: '3' }, h.now() + 50));
  t.deepEqual(response, { kind: 'update_response', error: StorageStatus.ok, decree: 1n });
  const got = await h.partition.multiGet(multiGet('h'));
  t.deepEqual(got.kvs.map((kv) => [text(kv.key), text(kv.value)]), [['a', '1'], ['b', '2'], ['c', '3']]);
  h.clock.advance(50_000);
  t.deepEqual((await h.partition.multiGet(multiGet('h'))).kvs, []);
});

engineTest('a repeated sort key keeps the last value', async (t, h) => {
  await h.applyOne({ kind: 'multi_put', hashKey: utf8('h'), kvs: [{ key: utf8('a'), value: utf8('1') }, { key: utf8('a'), value: utf8('2') }], expireTsSeconds: 0 });
  const got = await h.partition.multiGet(multiGet('h'));
  t.deepEqual(got.kvs.map((kv) => text(kv.value)), ['2']);
});

engineTest('bad input is refused with 4 and a message, and changes nothing', async (t, h) => {
  await h.applyOne(multiPut('h', { keep: 'v' }));
  const before = await h.dataDump();
  const cases: [WriteRequest, RegExp][] = [
    [multiPut('h', {}), /no key-values/],
    [{ kind: 'multi_put', hashKey: new Uint8Array(HASH_KEY_LENGTH_MAX + 1), kvs: [{ key: utf8('a'), value: utf8('v') }], expireTsSeconds: 0 }, /hash_key is 65535 bytes/],
    [multiPut('h', { a: 'v' }, -5), /negative/],
    [{ kind: 'multi_put', hashKey: utf8('h'), kvs: [{ key: utf8('a'), value: new Uint8Array(WRITE_BODY_BYTES_MAX / 2) }, { key: utf8('b'), value: new Uint8Array(WRITE_BODY_BYTES_MAX / 2) }], expireTsSeconds: 0 }, /at most 1048576/],
  ];
  for (const [request, message] of cases) {
    t.is(h.partition.validateWrite(request)?.status, StorageStatus.invalidArgument);
    const response = await h.applyOne<UpdateResponse>(request);
    t.is(response.error, StorageStatus.invalidArgument);
    t.regex(response.message ?? '', message);
  }
  t.deepEqual(await h.dataDump(), before);
});

engineTest('a hash_key of exactly 65534 bytes is accepted', async (t, h) => {
  const response = await h.applyOne<UpdateResponse>({ kind: 'multi_put', hashKey: new Uint8Array(HASH_KEY_LENGTH_MAX).fill(0x61), kvs: [{ key: utf8('a'), value: utf8('v') }], expireTsSeconds: 0 });
  t.is(response.error, StorageStatus.ok);
});
