// Proves put stores the value with its absolute expiry and the mutation's timetag, overwrites,
// hides records once expired, and refuses bad keys, negative expiry and oversized bodies with
// status 4 and a message while changing nothing but the decree.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { decodeValue, makeTimetag } from '../../../../cluster/storage/value-schema.ts';
import { WRITE_BODY_BYTES_MAX } from '../../../../common/limits.ts';
import type { UpdateResponse } from '../../../../cluster/storage/responses.ts';
import type { WriteRequest } from '../../../../cluster/storage/requests.ts';
import { rejectedWriteResponse } from '../../../../cluster/storage/partition.ts';
import { engineTest, key, put, text, utf8 } from '../../../support/partition-harness.ts';

engineTest('put then get returns the value; overwrite replaces it', async (t, h) => {
  const response = await h.applyOne<UpdateResponse>(put('h', 's', 'v1'));
  t.deepEqual(response, { kind: 'update_response', error: StorageStatus.ok, decree: 1n });
  await h.applyOne(put('h', 's', 'v2'));
  const got = await h.partition.get({ kind: 'get', key: key('h', 's') });
  t.is(got.error, StorageStatus.ok);
  t.is(text(got.value), 'v2');
});

engineTest('the stored value carries expire_ts and the timetag of the mutation', async (t, h) => {
  await h.applyOne(put('h', 's', 'v', h.now() + 100));
  const stored = await h.engine.get(key('h', 's'));
  const decoded = decodeValue(stored!);
  t.is(decoded?.expireTs, h.now() + 100);
  t.is(decoded?.timetag, makeTimetag(BigInt(h.clock.nowMs()) * 1000n, 5, false));
  t.is(text(decoded!.userValue), 'v');
}, { clusterId: 5 });

engineTest('an empty value and an empty hash key are valid', async (t, h) => {
  await h.applyOne(put('', 'only-sort', ''));
  const got = await h.partition.get({ kind: 'get', key: key('', 'only-sort') });
  t.is(got.error, StorageStatus.ok);
  t.is(got.value.length, 0);
});

engineTest('a put with expiry disappears once the clock passes it', async (t, h) => {
  await h.applyOne(put('h', 's', 'v', h.now() + 10));
  h.clock.advance(9_000);
  t.is((await h.partition.get({ kind: 'get', key: key('h', 's') })).error, StorageStatus.ok);
  h.clock.advance(1_000);
  const got = await h.partition.get({ kind: 'get', key: key('h', 's') });
  t.is(got.error, StorageStatus.notFound);
  t.is(got.message, 'key not found');
});


engineTest('bad input is refused with 4 and a message, and changes nothing', async (t, h) => {
  await h.applyOne(put('h', 'keep', 'v'));
  const before = await h.dataDump();
  const cases: [string, WriteRequest, RegExp][] = [
    ['key shorter than its length prefix', { kind: 'put', key: Uint8Array.of(0), value: utf8('v'), expireTsSeconds: 0 }, /at least its 2-byte/],
    ['length prefix beyond the key', { kind: 'put', key: Uint8Array.of(0, 5, 0x61), value: utf8('v'), expireTsSeconds: 0 }, /holds only 1 bytes/],
    ['reserved hash_key length 65535', { kind: 'put', key: Uint8Array.of(0xff, 0xff, 1, 2), value: utf8('v'), expireTsSeconds: 0 }, /hash_key length 65535/],
    ['negative expire_ts', { ...put('h', 's', 'v'), expireTsSeconds: -1 } as never, /negative/],
    ['fractional expire_ts', { ...put('h', 's', 'v'), expireTsSeconds: 1.5 } as never, /not an i32/],
    ['body over 1 MiB', { kind: 'put', key: key('h', 's'), value: new Uint8Array(WRITE_BODY_BYTES_MAX), expireTsSeconds: 0 }, /at most 1048576/],
  ];
  for (const [name, request, message] of cases) {
    t.deepEqual(h.partition.validateWrite(request)?.status, StorageStatus.invalidArgument, name);
    const response = await h.applyOne<UpdateResponse>(request);
    t.is(response.error, StorageStatus.invalidArgument, name);
    t.regex(response.message ?? '', message, name);
  }
  t.deepEqual(await h.dataDump(), before);
  t.is(h.partition.appliedDecree, BigInt(cases.length + 1));
});

engineTest('a value of exactly the body limit minus the key is accepted', async (t, h) => {
  const k = key('h', 's');
  const response = await h.applyOne<UpdateResponse>({ kind: 'put', key: k, value: new Uint8Array(WRITE_BODY_BYTES_MAX - k.length), expireTsSeconds: 0 });
  t.is(response.error, StorageStatus.ok);
});

engineTest('a write refused before replication answers with decree -1', async (t, h) => {
  const request: WriteRequest = { ...put('h', 's', 'v'), expireTsSeconds: -1 } as WriteRequest;
  const error = h.partition.validateWrite(request);
  t.truthy(error);
  t.deepEqual(rejectedWriteResponse(request, error!), { kind: 'update_response', error: StorageStatus.invalidArgument, message: error!.message, decree: -1n });
  t.is(h.partition.appliedDecree, 0n);
});
