import test from 'ava';
import { decodeWritePayload, encodeWritePayload, isBatchableWrite } from '../../../cluster/replica/host/write-payload.ts';
import type { WriteRequest } from '../../../cluster/storage/requests.ts';
import { EVERY_WRITE_KIND } from '../../support/every-write-kind.ts';

test('every write kind decodes to exactly what was encoded', (t) => {
  for (const request of EVERY_WRITE_KIND) {
    t.deepEqual(decodeWritePayload(encodeWritePayload(request)), request, request.kind);
  }
});

test('only put and remove are batchable', (t) => {
  t.deepEqual(EVERY_WRITE_KIND.filter(isBatchableWrite).map((r) => r.kind), ['put', 'remove']);
});

test('an unknown tag, an empty payload or trailing bytes are refused as invalid data', (t) => {
  t.is(t.throws(() => decodeWritePayload(new Uint8Array(0)))?.message.includes('no known kind tag'), true);
  t.is((t.throws(() => decodeWritePayload(Uint8Array.of(99, 1, 2))) as { code?: string }).code, 'ERR_INVALID_DATA');
  const put = encodeWritePayload(EVERY_WRITE_KIND[0] as WriteRequest);
  const withTail = new Uint8Array(put.length + 1);
  withTail.set(put);
  t.regex(t.throws(() => decodeWritePayload(withTail))?.message ?? '', /after its struct/);
  t.regex(t.throws(() => decodeWritePayload(put.subarray(0, put.length - 3)))?.message ?? '', /does not decode/);
});
