// Proves get returns the user value, answers 1 for absent and expired records (expiry at exactly
// expire_ts), never exposes bookkeeping keys, and answers 4 for malformed keys.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { APPLIED_DECREE_KEY, DATA_VERSION_KEY } from '../../../../cluster/storage/bookkeeping.ts';
import { engineTest, key, put, text } from '../../../support/partition-harness.ts';

engineTest('returns the value of a present record', async (t, h) => {
  await h.applyOne(put('h', 's', 'value'));
  const response = await h.partition.get({ kind: 'get', key: key('h', 's') });
  t.is(response.error, StorageStatus.ok);
  t.is(response.message, undefined);
  t.is(text(response.value), 'value');
});

engineTest('absent answers 1 with a message and an empty value', async (t, h) => {
  t.deepEqual(await h.partition.get({ kind: 'get', key: key('h', 's') }), { kind: 'read_response', error: StorageStatus.notFound, message: 'key not found', value: new Uint8Array(0) });
});

engineTest('expired exactly at expire_ts', async (t, h) => {
  await h.applyOne(put('h', 's', 'v', h.now() + 2));
  h.clock.advance(1_999);
  t.is((await h.partition.get({ kind: 'get', key: key('h', 's') })).error, StorageStatus.ok);
  h.clock.advance(1);
  t.is((await h.partition.get({ kind: 'get', key: key('h', 's') })).error, StorageStatus.notFound);
});

engineTest('bookkeeping keys are unreachable and malformed keys answer 4', async (t, h) => {
  await h.applyOne(put('h', 's', 'v'));
  for (const bad of [APPLIED_DECREE_KEY, DATA_VERSION_KEY, Uint8Array.of(7), Uint8Array.of(0, 3, 1)]) {
    const response = await h.partition.get({ kind: 'get', key: bad });
    t.is(response.error, StorageStatus.invalidArgument);
    t.truthy(response.message);
    t.is(response.value.length, 0);
  }
});

engineTest('read() dispatches on kind and answers with the matching response', async (t, h) => {
  await h.applyOne(put('h', 's', 'v'));
  const got = await h.partition.read({ kind: 'get', key: key('h', 's') });
  t.is(got.kind, 'read_response');
  t.is(text(got.value), 'v');
  const ttl = await h.partition.read({ kind: 'ttl', key: key('h', 's') });
  t.deepEqual(ttl, { kind: 'ttl_response', error: StorageStatus.ok, ttlSeconds: -1 });
  const count = await h.partition.read({ kind: 'sortkey_count', hashKey: new TextEncoder().encode('h') });
  t.is(count.count, 1n);
});
