// Proves remove deletes one record (absent keys are fine and still answer ok), does not touch
// neighbours, and refuses malformed or reserved keys with 4 and a message, changing nothing.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import type { UpdateResponse } from '../../../../cluster/storage/responses.ts';
import type { WriteRequest } from '../../../../cluster/storage/requests.ts';
import { engineTest, key, put, remove, text } from '../../../support/partition-harness.ts';

engineTest('removes one record and leaves its neighbours', async (t, h) => {
  await h.apply(put('h', 'a', '1'), put('h', 'b', '2'), put('h2', 'a', '3'));
  const response = await h.applyOne<UpdateResponse>(remove('h', 'a'));
  t.deepEqual(response, { kind: 'update_response', error: StorageStatus.ok, decree: 2n });
  t.is((await h.partition.get({ kind: 'get', key: key('h', 'a') })).error, StorageStatus.notFound);
  t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'b') })).value), '2');
  t.is(text((await h.partition.get({ kind: 'get', key: key('h2', 'a') })).value), '3');
});

engineTest('removing an absent key answers ok', async (t, h) => {
  const response = await h.applyOne<UpdateResponse>(remove('nobody', 'x'));
  t.is(response.error, StorageStatus.ok);
  t.deepEqual(await h.dataDump(), []);
});

engineTest('malformed and reserved keys are refused with 4 and change nothing', async (t, h) => {
  await h.applyOne(put('h', 'a', '1'));
  const before = await h.dump();
  const cases: [WriteRequest, RegExp][] = [
    [{ kind: 'remove', key: new Uint8Array(0) }, /at least its 2-byte/],
    [{ kind: 'remove', key: Uint8Array.of(0, 9, 1) }, /declares a 9-byte hash_key/],
    [{ kind: 'remove', key: Uint8Array.of(0xff, 0xff) }, /hash_key length 65535/],
  ];
  for (const [request, message] of cases) {
    const response = await h.applyOne<UpdateResponse>(request);
    t.is(response.error, StorageStatus.invalidArgument);
    t.regex(response.message ?? '', message);
  }
  const after = await h.dump();
  t.deepEqual(after.filter((e) => e.key[0] !== 0xff), before.filter((e) => e.key[0] !== 0xff));
  t.is(after.length, before.length, 'bookkeeping keys untouched apart from the decree');
});
