// Proves ttl answers the wire semantics: 1 (kNotFound) for absent or expired records, -1 for no
// TTL, else the remaining seconds by the injected clock; malformed keys answer 4.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { engineTest, key, put } from '../../../support/partition-harness.ts';

engineTest('no TTL is -1; a TTL counts down with the clock; expired is not found', async (t, h) => {
  await h.apply(put('h', 'forever', 'v'), put('h', 'soon', 'v', h.now() + 100));
  t.deepEqual(await h.partition.ttl({ kind: 'ttl', key: key('h', 'forever') }), { kind: 'ttl_response', error: StorageStatus.ok, ttlSeconds: -1 });
  t.is((await h.partition.ttl({ kind: 'ttl', key: key('h', 'soon') })).ttlSeconds, 100);
  h.clock.advance(99_500);
  t.is((await h.partition.ttl({ kind: 'ttl', key: key('h', 'soon') })).ttlSeconds, 1);
  h.clock.advance(500);
  t.deepEqual(await h.partition.ttl({ kind: 'ttl', key: key('h', 'soon') }), { kind: 'ttl_response', error: StorageStatus.notFound, message: 'key not found', ttlSeconds: 0 });
});

engineTest('absent is not found; malformed is 4', async (t, h) => {
  t.is((await h.partition.ttl({ kind: 'ttl', key: key('h', 'x') })).error, StorageStatus.notFound);
  const bad = await h.partition.ttl({ kind: 'ttl', key: Uint8Array.of(0xff, 0xff, 0) });
  t.is(bad.error, StorageStatus.invalidArgument);
  t.regex(bad.message ?? '', /65535/);
});
