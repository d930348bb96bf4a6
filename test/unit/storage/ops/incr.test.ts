// Proves incr as Pegasus: missing, expired or empty values count as 0; the old value parses with
// strtoll rules; overflow answers 4 with the old value and writes nothing; the result is stored as
// decimal ASCII; and the three expiry cases (0 keeps, > 0 sets, < 0 removes).
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import type { IncrResponse } from '../../../../cluster/storage/responses.ts';
import { decodeValue } from '../../../../cluster/storage/value-schema.ts';
import { engineTest, incr, key, put, text } from '../../../support/partition-harness.ts';

engineTest('a missing key counts as 0 and the result is stored as decimal text', async (t, h) => {
  const response = await h.applyOne<IncrResponse>(incr('h', 'n', 5n));
  t.deepEqual(response, { kind: 'incr_response', error: StorageStatus.ok, newValue: 5n, decree: 1n });
  t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'n') })).value), '5');
  t.is((await h.applyOne<IncrResponse>(incr('h', 'n', -7n))).newValue, -2n);
  t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'n') })).value), '-2');
});

engineTest('an empty or expired old value counts as 0', async (t, h) => {
  await h.apply(put('h', 'empty', ''), put('h', 'old', '100', h.now() + 1));
  t.is((await h.applyOne<IncrResponse>(incr('h', 'empty', 3n))).newValue, 3n);
  h.clock.advance(1_000);
  t.is((await h.applyOne<IncrResponse>(incr('h', 'old', 3n))).newValue, 3n);
});

engineTest('old values parse with strtoll base-0 rules', async (t, h) => {
  const cases: [string, bigint][] = [[' 0x10', 17n], ['010', 9n], ['-5', -4n], ['+2', 3n]];
  for (const [stored, expected] of cases) {
    await h.applyOne(put('h', 'n', stored));
    t.is((await h.applyOne<IncrResponse>(incr('h', 'n', 1n))).newValue, expected, stored);
  }
});

engineTest('a value that is not an int64 is refused with 4 and left as it was', async (t, h) => {
  for (const stored of ['abc', '1 ', '9223372036854775808', '08']) {
    await h.applyOne(put('h', 'n', stored));
    const before = await h.dataDump();
    const response = await h.applyOne<IncrResponse>(incr('h', 'n', 1n));
    t.is(response.error, StorageStatus.invalidArgument, stored);
    t.is(response.newValue, 0n);
    t.is(response.message, 'old value is not an integer or is out of the int64 range');
    t.deepEqual(await h.dataDump(), before);
  }
});

engineTest('overflow is refused with 4, newValue = old value, nothing written', async (t, h) => {
  await h.applyOne(put('h', 'max', '9223372036854775807'));
  await h.applyOne(put('h', 'min', '-9223372036854775808'));
  const before = await h.dataDump();
  const up = await h.applyOne<IncrResponse>(incr('h', 'max', 1n));
  t.is(up.error, StorageStatus.invalidArgument);
  t.is(up.newValue, 9223372036854775807n);
  t.regex(up.message ?? '', /overflows int64/);
  const down = await h.applyOne<IncrResponse>(incr('h', 'min', -1n));
  t.is(down.error, StorageStatus.invalidArgument);
  t.is(down.newValue, -9223372036854775808n);
  t.deepEqual(await h.dataDump(), before);
  t.is((await h.applyOne<IncrResponse>(incr('h', 'max', -1n))).newValue, 9223372036854775806n);
});

engineTest('an increment outside int64 is refused before apply', async (t, h) => {
  const request = incr('h', 'n', 1n << 63n);
  t.is(h.partition.validateWrite(request)?.status, StorageStatus.invalidArgument);
  const response = await h.applyOne<IncrResponse>(request);
  t.is(response.error, StorageStatus.invalidArgument);
  t.regex(response.message ?? '', /not an int64/);
  t.deepEqual(await h.dataDump(), []);
});

engineTest('expire_ts: 0 keeps the old TTL, > 0 sets it, < 0 removes it; a new key gets none for 0 or < 0', async (t, h) => {
  const expireOf = async (): Promise<number | undefined> => decodeValue((await h.engine.get(key('h', 'n')))!)?.expireTs;
  await h.applyOne(incr('h', 'n', 1n, -1));
  t.is(await expireOf(), 0);
  await h.applyOne(put('h', 'n', '1', h.now() + 100));
  await h.applyOne(incr('h', 'n', 1n, 0));
  t.is(await expireOf(), h.now() + 100);
  await h.applyOne(incr('h', 'n', 1n, h.now() + 500));
  t.is(await expireOf(), h.now() + 500);
  await h.applyOne(incr('h', 'n', 1n, -1));
  t.is(await expireOf(), 0);
  await h.applyOne(incr('h', 'fresh', 1n, h.now() + 9));
  t.is(decodeValue((await h.engine.get(key('h', 'fresh')))!)?.expireTs, h.now() + 9);
  await h.applyOne(put('h', 'e', '', h.now() + 70));
  await h.applyOne(incr('h', 'e', 2n, 0));
  t.is(decodeValue((await h.engine.get(key('h', 'e')))!)?.expireTs, h.now() + 70, 'an empty existing value keeps its TTL');
});
