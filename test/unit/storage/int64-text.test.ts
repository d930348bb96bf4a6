// Proves parseInt64 follows Pegasus's buf2int64 (strtoll, base 0, whole buffer) on the accepted
// and refused forms listed in string_conv.h and the C standard, including the int64 edges.
import test from 'ava';
import { formatInt64, parseInt64 } from '../../../cluster/storage/int64-text.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

const accepted: [string, bigint][] = [
  ['0', 0n], ['7', 7n], ['-7', -7n], ['+7', 7n], ['  42', 42n], ['\t\n\v\f\r 1', 1n],
  ['0x1f', 31n], ['0X1F', 31n], ['-0x10', -16n], ['010', 8n], ['-010', -8n], ['00', 0n], ['-0', 0n],
  ['9223372036854775807', 9223372036854775807n], ['-9223372036854775808', -9223372036854775808n],
  ['0x7fffffffffffffff', 9223372036854775807n], ['-0x8000000000000000', -9223372036854775808n],
];

const refused = [
  '', ' ', '-', '+', '+-1', '1 ', '1a', 'a1', '0x', '0xg', '08', '09', '1.5', '1e3', '12\u00003',
  '9223372036854775808', '-9223372036854775809', '0x8000000000000000', '99999999999999999999999',
];

for (const [input, value] of accepted) {
  test(`accepts ${JSON.stringify(input)}`, (t) => {
    t.is(parseInt64(utf8(input)), value);
  });
}

for (const input of refused) {
  test(`refuses ${JSON.stringify(input)}`, (t) => {
    t.is(parseInt64(utf8(input)), undefined);
  });
}

test('formats as decimal ASCII', (t) => {
  t.deepEqual(formatInt64(-9223372036854775808n), utf8('-9223372036854775808'));
  t.deepEqual(formatInt64(0n), utf8('0'));
});
