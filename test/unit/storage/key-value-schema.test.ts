// Proves the composite key and v1 value bytes match Pegasus's by checking the reference's own
// examples and round trips.
import test from 'ava';
import { decodeKey, encodeKey, hashKeyStop, nextPrefix, RESERVED_KEY_PREFIX } from '../../../cluster/storage/key-schema.ts';
import { decodeTimetag, decodeValue, encodeValue, epoch2016SecondsFromUnixMs, isExpired, makeTimetag } from '../../../cluster/storage/value-schema.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

test('composite key of ("a", "b") is 00 01 61 62 and decodes back', (t) => {
  const key = encodeKey(bytes('a'), bytes('b'));
  t.deepEqual([...key], [0x00, 0x01, 0x61, 0x62]);
  const decoded = decodeKey(key);
  t.deepEqual(decoded && [...decoded.hashKey], [0x61]);
  t.deepEqual(decoded && [...decoded.sortKey], [0x62]);
});

test('a hash_key of 65535 bytes is refused; 65534 is accepted', (t) => {
  t.throws(() => encodeKey(new Uint8Array(65535)), { instanceOf: RangeError, message: /65535 bytes/ });
  t.is(encodeKey(new Uint8Array(65534)).length, 65536);
});

test('decodeKey refuses a length prefix longer than the key', (t) => {
  t.is(decodeKey(Uint8Array.of(0, 5, 1)), undefined);
  t.is(decodeKey(Uint8Array.of(0)), undefined);
});

test('nextPrefix drops trailing FF bytes and increments the last byte', (t) => {
  t.deepEqual([...nextPrefix(Uint8Array.of(1, 2, 0xff, 0xff))], [1, 3]);
  t.deepEqual([...nextPrefix(Uint8Array.of(0xff, 0xff))], [...RESERVED_KEY_PREFIX]);
  t.deepEqual([...hashKeyStop(bytes('a'))], [0x00, 0x01, 0x62]);
});

test('v1 value header: expire_ts u32 BE, timetag u64 BE, then the user value', (t) => {
  const timetag = makeTimetag(0x0102030405n, 3, true);
  const stored = encodeValue(bytes('v'), 0x01020304, timetag);
  t.deepEqual([...stored.subarray(0, 4)], [1, 2, 3, 4]);
  t.is(stored.length, 13);
  const decoded = decodeValue(stored);
  t.is(decoded?.expireTs, 0x01020304);
  t.deepEqual(decodeTimetag(decoded!.timetag), { timestampUs: 0x0102030405n, clusterId: 3, deleted: true });
  t.is(decodeValue(new Uint8Array(11)), undefined);
});

test('expiry is measured in seconds since 2016-01-01 UTC and 0 never expires', (t) => {
  t.is(epoch2016SecondsFromUnixMs(Date.UTC(2016, 0, 1, 0, 0, 10)), 10);
  t.false(isExpired(0, 1_000_000));
  t.true(isExpired(10, 10));
  t.false(isExpired(11, 10));
});
