import test from 'ava';
import fc from 'fast-check';
import { decodeDupRecord, DupRecordError, encodeDupRecord, type DupRecord } from '../../../duplication/core/record.ts';

const bytes = fc.uint8Array({ maxLength: 64 });
const header = {
  clusterId: fc.integer({ min: 1, max: 127 }),
  decree: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
  timestampUs: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
};
const record: fc.Arbitrary<DupRecord> = fc.oneof(
  fc.record({ kind: fc.constant('mutation' as const), ...header, payloads: fc.array(bytes, { maxLength: 8 }) }),
  fc.record({ kind: fc.constant('checkpoint_rows' as const), ...header, rows: fc.array(fc.record({ key: bytes, value: bytes }), { maxLength: 8 }) }),
  fc.record({ kind: fc.constant('checkpoint_end' as const), ...header }),
);

test('every record decodes back to itself', (t) => {
  fc.assert(fc.property(record, (r) => {
    t.deepEqual(decodeDupRecord(encodeDupRecord(r)), r);
  }));
});

test('the header is laid out as documented: version, kind, cluster id, decree, timestamp, count', (t) => {
  const encoded = encodeDupRecord({ kind: 'mutation', clusterId: 3, decree: 7n, timestampUs: 9n, payloads: [Uint8Array.of(0xaa)] });
  t.deepEqual([...encoded], [1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 1, 0xaa]);
});

test('truncated, padded or foreign bytes are refused with the fault named, never misread', (t) => {
  const good = encodeDupRecord({ kind: 'checkpoint_rows', clusterId: 2, decree: 1n, timestampUs: 1n, rows: [{ key: Uint8Array.of(1, 2), value: Uint8Array.of(3) }] });
  for (let cut = 0; cut < good.length; cut++) {
    t.throws(() => decodeDupRecord(good.subarray(0, cut)), { instanceOf: DupRecordError }, `cut at ${cut}`);
  }
  t.throws(() => decodeDupRecord(Uint8Array.of(...good, 0)), { message: /1 bytes after its last item/ });
  const wrongVersion = good.slice();
  wrongVersion[0] = 2;
  t.throws(() => decodeDupRecord(wrongVersion), { message: /format version 2/ });
  const wrongKind = good.slice();
  wrongKind[1] = 9;
  t.throws(() => decodeDupRecord(wrongKind), { message: /unknown kind 9/ });
  const wrongCluster = good.slice();
  wrongCluster[2] = 0;
  t.throws(() => decodeDupRecord(wrongCluster), { message: /cluster id 0/ });
});
