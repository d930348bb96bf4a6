// Proves common/crc64.ts is Pegasus's partition hash by checking the reference's table check values
// and hash test vectors (reference/pegasus-api.md sections 2.1 and 2.4), against a direct BigInt
// port of the algorithm on random inputs, and the partition index arithmetic on them.
import test from 'ava';
import fc from 'fast-check';
import { crc64, crc64Low32, crc64TableEntry } from '../../../common/crc64.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

test('table check values match crc.cpp', (t) => {
  t.is(crc64TableEntry(0), 0n);
  t.is(crc64TableEntry(1), 0x7f6ef0c830358979n);
  t.is(crc64TableEntry(128), 0x9a6c9329ac4bc9b5n);
});

const vectors: [string, bigint, number, number, number, number][] = [
  ['a', 0x8c2f8445b4cbfc3cn, 0, 4, 12, 28],
  ['', 0x0000000000000000n, 0, 0, 0, 0],
  ['123456789', 0xae8b14860a799888n, 0, 0, 8, 8],
  ['hello', 0x3377857006524257n, 3, 7, 7, 23],
  ['user1', 0x6ec4f70945029038n, 0, 0, 8, 24],
];

for (const [text, hash, mod4, mod8, mod16, mod32] of vectors) {
  test(`crc64(${JSON.stringify(text)}) and its partition indexes`, (t) => {
    const bytes = utf8(text);
    t.is(crc64(bytes), hash);
    t.deepEqual([4n, 8n, 16n, 32n].map((count) => Number(crc64(bytes) % count)), [mod4, mod8, mod16, mod32]);
    t.deepEqual([4, 8, 16, 32].map((count) => crc64Low32(bytes) & (count - 1)), [mod4, mod8, mod16, mod32]);
  });
}

function referenceCrc64(bytes: Uint8Array): bigint {
  const poly = 0x9a6c9329ac4bc9b5n;
  const mask = (1n << 64n) - 1n;
  const table = Array.from({ length: 256 }, (_, i) => {
    let k = BigInt(i);
    for (let j = 0; j < 8; j++) k = (k & 1n) === 1n ? (k >> 1n) ^ poly : k >> 1n;
    return k;
  });
  let crc = mask;
  for (const byte of bytes) crc = table[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  return crc ^ mask;
}

test('agrees with a direct BigInt port on random bytes', (t) => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    const expected = referenceCrc64(bytes);
    return crc64(bytes) === expected && crc64Low32(bytes) === Number(expected & 0xffffffffn);
  }), { numRuns: 300 });
  t.pass();
});
