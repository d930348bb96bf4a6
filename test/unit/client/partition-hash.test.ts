// The client's partition choice against the reference test vectors (reference/pegasus-api.md
// section 2.4): the Pegasus CRC-64 of the hash key and its unsigned remainder by the count.
import test from 'ava';
import { crc64, crc64TableEntry } from '../../../common/crc64.ts';
import { partitionHashOf, partitionIndexOfHash, partitionOf } from '../../../client/core/partition-hash.ts';

const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);

const VECTORS: Array<[string, bigint, number, number, number, number]> = [
  ['a', 0x8c2f8445b4cbfc3cn, 0, 4, 12, 28],
  ['', 0n, 0, 0, 0, 0],
  ['123456789', 0xae8b14860a799888n, 0, 0, 8, 8],
  ['hello', 0x3377857006524257n, 3, 7, 7, 23],
  ['user1', 0x6ec4f70945029038n, 0, 0, 8, 24],
];

test('crc64 matches every reference vector and the table check values', (t) => {
  t.is(crc64TableEntry(1), 0x7f6ef0c830358979n);
  t.is(crc64TableEntry(128), 0x9a6c9329ac4bc9b5n);
  for (const [hashKey, crc] of VECTORS) t.is(crc64(utf8(hashKey)), crc, hashKey);
});

test('partitionOf gives the reference index for counts 4, 8, 16 and 32, from strings and bytes', (t) => {
  for (const [hashKey, , mod4, mod8, mod16, mod32] of VECTORS) {
    t.deepEqual([4, 8, 16, 32].map((count) => partitionOf(hashKey, count)), [mod4, mod8, mod16, mod32], hashKey);
    t.is(partitionOf(utf8(hashKey), 8), mod8);
  }
});

test('a count that is not a power of two takes the unsigned 64-bit remainder', (t) => {
  // 0x8c2f8445b4cbfc3c is above 2^63: a signed remainder would differ.
  t.is(partitionOf('a', 3), Number(0x8c2f8445b4cbfc3cn % 3n));
  t.is(partitionOf('a', 3), partitionIndexOfHash(0x8c2f8445b4cbfc3cn, 3));
  t.is(partitionIndexOfHash(-1n, 10), Number(((1n << 64n) - 1n) % 10n));
});

test('the partition hash of a composite key is the hash key\'s, or the sort key\'s when the hash key is empty', (t) => {
  t.is(partitionHashOf(utf8('a'), utf8('anything')), 0x8c2f8445b4cbfc3cn);
  t.is(partitionHashOf(new Uint8Array(0), utf8('hello')), 0x3377857006524257n);
});

test('partition counts outside 1..16384 are refused', (t) => {
  t.throws(() => partitionOf('a', 0), { instanceOf: RangeError, message: /partition count 0/ });
  t.throws(() => partitionOf('a', 1.5), { instanceOf: RangeError });
  t.throws(() => partitionOf('a', 1 << 20), { instanceOf: RangeError });
});
