// Proves the schema-driven codec's rules one by one on hand-written bytes: placeholder types are
// bare values under a STRUCT header (gpid, rpc_address, blob, error_code), unknown fields of every
// standard type are skipped, and truncated input, wrong wire types, oversized lengths, deep nesting
// and unencodable values fail with RpcCodecError naming the code and the field path.
import test from 'ava';
import {
  defineStruct, gpidToI64, readStruct, rpcAddressFromI64, rpcAddressToI64, RpcCodecError, t as types,
  ThriftReader, ThriftWriter, writeStruct, type Gpid, type RpcAddress,
} from '../../../cluster/rpc/index.ts';
import { parseHex, toHex } from './fixture-hex.ts';

interface Sample {
  readonly pid: Gpid;
  readonly primary: RpcAddress;
  readonly key: Uint8Array;
  readonly err: 'ERR_OK' | 'ERR_INVALID_STATE';
  readonly names: readonly string[];
  readonly count?: number;
}

const sample = defineStruct<Sample>('sample', [
  { id: 1, name: 'pid', type: types.gpid },
  { id: 2, name: 'primary', type: types.rpcAddress },
  { id: 3, name: 'key', type: types.blob },
  { id: 4, name: 'err', type: types.errorCode as never },
  { id: 5, name: 'names', type: types.list(types.string) },
  { id: 6, name: 'count', type: types.i32, optional: true },
]);

const sampleHex = `
  0c 00 01  00 00 00 05 00 00 00 03                 # gpid app 3 partition 5, bare i64
  0c 00 02  0a 00 00 01 87 f1 00 01                 # rpc_address 10.0.0.1:34801, bare i64
  0c 00 03  00 00 00 02 68 69                       # blob "hi", bare binary
  0c 00 04  00 00 00 11 45 52 52 5f 49 4e 56 41 4c 49 44 5f 53 54 41 54 45   # error_code, bare string
  0f 00 05  0b 00 00 00 01 00 00 00 01 61           # list<string> ["a"]
  00`;
const sampleValue: Sample = {
  pid: { appId: 3, partitionIndex: 5 }, primary: '10.0.0.1:34801', key: new TextEncoder().encode('hi'),
  err: 'ERR_INVALID_STATE', names: ['a'],
};

function encode<S>(schema: Parameters<typeof writeStruct<S>>[1], value: S): Uint8Array {
  const writer = new ThriftWriter(4);
  writeStruct(writer, schema, value);
  return writer.toBytes();
}

function decodeError(bytes: Uint8Array, schema = sample): RpcCodecError {
  try {
    readStruct(new ThriftReader(bytes), schema);
  } catch (error) {
    if (error instanceof RpcCodecError) return error;
    throw error;
  }
  throw new Error('decoded without error');
}

test('placeholder types are bare values under STRUCT field headers, with no stop byte', (tt) => {
  tt.is(toHex(encode(sample, sampleValue)), toHex(parseHex(sampleHex)));
  tt.deepEqual(readStruct(new ThriftReader(parseHex(sampleHex)), sample), sampleValue);
});

test('gpid is partition_index << 32 | app_id and rpc_address is ip << 32 | port << 16 | 1', (tt) => {
  tt.is(gpidToI64({ appId: 3, partitionIndex: 5 }), 0x0000000500000003n);
  tt.is(rpcAddressToI64('10.0.0.1:34801'), 0x0a00000187f10001n);
  tt.is(rpcAddressFromI64(0x0a00000187f10001n), '10.0.0.1:34801');
  tt.is(rpcAddressToI64(''), 0n);
  tt.is(rpcAddressFromI64(0n), '');
  tt.is(rpcAddressFromI64(rpcAddressToI64('255.255.255.255:65535')), '255.255.255.255:65535');
  tt.throws(() => rpcAddressToI64('example.com:80'), { instanceOf: RpcCodecError, message: /a\.b\.c\.d:port/ });
  tt.throws(() => rpcAddressFromI64(0x0a00000187f10002n), { instanceOf: RpcCodecError, message: /type 2/ });
});

test('absent fields decode to defaults, optional ones stay absent, and unknown fields of every type are skipped', (tt) => {
  const unknownFields = parseHex(`
    02 00 10 01                      # bool
    03 00 11 7f                      # byte
    04 00 12 3f f0 00 00 00 00 00 00 # double
    06 00 13 00 01                   # i16
    08 00 14 00 00 00 01             # i32
    0a 00 15 00 00 00 00 00 00 00 01 # i64
    0b 00 16 00 00 00 02 78 79       # string
    0c 00 17 08 00 01 00 00 00 01 0f 00 02 0b 00 00 00 00 00   # struct with a list inside
    0d 00 18 0b 08 00 00 00 01 00 00 00 01 6b 00 00 00 02     # map<string,i32>
    0e 00 19 08 00 00 00 02 00 00 00 01 00 00 00 02            # set<i32>
    0f 00 1a 0f 00 00 00 01 03 00 00 00 02 01 02               # list<list<byte>>
    08 00 06 00 00 00 09             # the known optional count
    00`);
  tt.deepEqual(readStruct(new ThriftReader(unknownFields), sample), {
    pid: { appId: 0, partitionIndex: 0 }, primary: '', key: new Uint8Array(0), err: 'ERR_OK', names: [], count: 9,
  });
});

test('truncation anywhere is reported as truncated, with the field path', (tt) => {
  const bytes = parseHex(sampleHex);
  for (let end = 0; end < bytes.length; end++) {
    const error = decodeError(bytes.subarray(0, end));
    tt.is(error.code, 'truncated', `cut at ${end}: ${error.message}`);
  }
  tt.regex(decodeError(bytes.subarray(0, 30)).message, /^sample\.key: binary needs 2 bytes/);
});

test('a known field with another wire type is an error naming both types', (tt) => {
  const error = decodeError(parseHex('08 00 01 00 00 00 05 00'));
  tt.is(error.code, 'wrong_type');
  tt.is(error.message, 'sample.pid: wire type i32, expected struct (gpid)');
  const elements = decodeError(parseHex('0f 00 05 08 00 00 00 01 00 00 00 01 00'));
  tt.is(elements.code, 'wrong_type');
});

test('lengths and counts beyond the bytes left or the limits are refused before allocating', (tt) => {
  tt.is(decodeError(parseHex('0c 00 03 7f ff ff ff 00')).code, 'truncated');
  tt.is(decodeError(parseHex('0c 00 03 ff ff ff ff 00')).code, 'invalid_value');
  tt.is(decodeError(parseHex('0f 00 05 0b 00 10 00 00 00')).code, 'truncated');
  tt.is(decodeError(parseHex('0f 00 05 0b 7f ff ff ff 00')).code, 'too_large');
  tt.is(decodeError(parseHex('0f 00 05 0b ff ff ff ff 00')).code, 'invalid_value');
  tt.is(decodeError(parseHex('0c 00 04 00 00 01 00 41')).code, 'too_large');
  tt.is(decodeError(parseHex('0f 00 20 63 00 00 00 01 00')).code, 'invalid_value');
});

test('nesting deeper than the limit is refused, also inside skipped fields', (tt) => {
  const depth = 40;
  const nested = '0f 00 30 ' + '0f 00 00 00 01 '.repeat(depth) + '03 00 00 00 00 00';
  tt.is(decodeError(parseHex(nested)).code, 'too_deep');
});

test('error names the Java client does not know are refused both ways', (tt) => {
  const error = decodeError(parseHex('0c 00 04 00 00 00 07 45 52 52 5f 4e 4f 50 00'));
  tt.is(error.code, 'unknown_error_name');
  tt.throws(() => encode(sample, { ...sampleValue, err: 'ERR_NOPE' as never }), { instanceOf: RpcCodecError, message: /sample\.err/ });
});

test('values of the wrong JavaScript type cannot be encoded, and the error names the field', (tt) => {
  const bad = (value: unknown): RpcCodecError => tt.throws(() => encode(sample, value as Sample), { instanceOf: RpcCodecError }) as RpcCodecError;
  tt.regex(bad({ ...sampleValue, key: 'text' }).message, /^sample\.key: expected Uint8Array/);
  tt.regex(bad({ ...sampleValue, count: 2 ** 31 }).message, /^sample\.count: expected i32/);
  tt.regex(bad({ ...sampleValue, names: ['a', 7] }).message, /^sample\.names\.\[1\]: expected string/);
  tt.regex(bad({ ...sampleValue, pid: { appId: 1.5, partitionIndex: 0 } }).message, /gpid\.appId/);
});

test('UTF-8 strings round-trip and invalid UTF-8 is refused', (tt) => {
  const text = defineStruct<{ readonly s: string }>('text', [{ id: 1, name: 's', type: types.string }]);
  for (const s of ['', 'ascii', 'é', '表', '😀 mixed ascii and ünïcödé '.repeat(5)]) {
    tt.is(readStruct(new ThriftReader(encode(text, { s })), text).s, s);
  }
  tt.throws(() => readStruct(new ThriftReader(parseHex('0b 00 01 00 00 00 01 ff 00')), text), { instanceOf: RpcCodecError, message: /UTF-8/ });
});
