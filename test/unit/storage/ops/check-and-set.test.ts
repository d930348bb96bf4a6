// Proves check_and_set for every cas_check_type (0..17) against absent, expired, empty and valued
// records: a passing check writes (to the checked or a different sort key, with absolute expiry), a
// failing one answers 13 and writes nothing, unparsable integers answer 4 and write nothing, and
// return_check_value reports the checked record in every case.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { CasCheckType } from '../../../../cluster/storage/requests.ts';
import type { CheckAndSetResponse } from '../../../../cluster/storage/responses.ts';
import { decodeValue } from '../../../../cluster/storage/value-schema.ts';
import { checkAndSet, engineTest, key, put, text, utf8 } from '../../../support/partition-harness.ts';

type Expect = 'pass' | 'fail' | 'invalid';
/** [stored value (undefined = absent), operand, expected] */
type Case = [string | undefined, string, Expect];

const table: Record<number, Case[]> = {
  [CasCheckType.noCheck]: [[undefined, '', 'pass'], ['x', 'y', 'pass']],
  [CasCheckType.valueNotExist]: [[undefined, '', 'pass'], ['', '', 'fail'], ['x', '', 'fail']],
  [CasCheckType.valueNotExistOrEmpty]: [[undefined, '', 'pass'], ['', '', 'pass'], ['x', '', 'fail']],
  [CasCheckType.valueExist]: [[undefined, '', 'fail'], ['', '', 'pass'], ['x', '', 'pass']],
  [CasCheckType.valueNotEmpty]: [[undefined, '', 'fail'], ['', '', 'fail'], ['x', '', 'pass']],
  [CasCheckType.valueMatchAnywhere]: [[undefined, '', 'fail'], ['', '', 'pass'], ['abcd', 'bc', 'pass'], ['abcd', 'cb', 'fail'], ['ab', 'abc', 'fail']],
  [CasCheckType.valueMatchPrefix]: [[undefined, '', 'fail'], ['abcd', '', 'pass'], ['abcd', 'ab', 'pass'], ['abcd', 'bc', 'fail']],
  [CasCheckType.valueMatchPostfix]: [[undefined, '', 'fail'], ['abcd', '', 'pass'], ['abcd', 'cd', 'pass'], ['abcd', 'bc', 'fail']],
  [CasCheckType.valueBytesLess]: [[undefined, 'b', 'fail'], ['a', 'b', 'pass'], ['b', 'b', 'fail'], ['c', 'b', 'fail'], ['b', 'ba', 'pass'], ['', '', 'fail']],
  [CasCheckType.valueBytesLessOrEqual]: [[undefined, 'b', 'fail'], ['a', 'b', 'pass'], ['b', 'b', 'pass'], ['c', 'b', 'fail']],
  [CasCheckType.valueBytesEqual]: [[undefined, '', 'fail'], ['', '', 'pass'], ['b', 'b', 'pass'], ['c', 'b', 'fail']],
  [CasCheckType.valueBytesGreaterOrEqual]: [[undefined, 'b', 'fail'], ['a', 'b', 'fail'], ['b', 'b', 'pass'], ['c', 'b', 'pass']],
  [CasCheckType.valueBytesGreater]: [[undefined, 'b', 'fail'], ['a', 'b', 'fail'], ['b', 'b', 'fail'], ['c', 'b', 'pass'], ['\u00ff', 'z', 'pass']],
  [CasCheckType.valueIntLess]: [[undefined, 'x', 'fail'], ['9', '10', 'pass'], ['10', '10', 'fail'], ['x', '1', 'invalid'], ['1', 'x', 'invalid'], ['', '1', 'invalid']],
  [CasCheckType.valueIntLessOrEqual]: [[undefined, '1', 'fail'], ['0x10', '16', 'pass'], ['17', '16', 'fail'], ['1', '1 ', 'invalid']],
  [CasCheckType.valueIntEqual]: [[undefined, '1', 'fail'], ['010', '8', 'pass'], [' -3', '-3', 'pass'], ['3', '4', 'fail'], ['9223372036854775808', '1', 'invalid']],
  [CasCheckType.valueIntGreaterOrEqual]: [[undefined, '1', 'fail'], ['2', '2', 'pass'], ['1', '2', 'fail'], ['1', '', 'invalid']],
  [CasCheckType.valueIntGreater]: [[undefined, '1', 'fail'], ['3', '2', 'pass'], ['2', '2', 'fail'], ['-9223372036854775808', '-9223372036854775807', 'fail']],
};

for (const [checkTypeText, cases] of Object.entries(table)) {
  const checkType = Number(checkTypeText);
  engineTest(`check type ${checkType}: pass writes, fail answers 13, bad integers answer 4`, async (t, h) => {
    for (const [stored, operand, expected] of cases) {
      const label = `type ${checkType}, stored ${JSON.stringify(stored)}, operand ${JSON.stringify(operand)}`;
      if (stored === undefined) await h.applyOne({ kind: 'remove', key: key('h', 'c') });
      else await h.applyOne(put('h', 'c', stored));
      const before = await h.dataDump();
      const response = await h.applyOne<CheckAndSetResponse>(checkAndSet({
        hashKey: 'h', checkSortKey: 'c', checkType, checkOperand: utf8(operand), setValue: utf8('new'), returnCheckValue: true,
      }));
      t.is(response.checkValueReturned, true, label);
      t.is(response.checkValueExist, stored !== undefined, label);
      t.is(text(response.checkValue), stored ?? '', label);
      if (expected === 'pass') {
        t.is(response.error, StorageStatus.ok, label);
        t.is(response.message, undefined, label);
        t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'c') })).value), 'new', label);
      } else {
        t.is(response.error, expected === 'fail' ? StorageStatus.tryAgain : StorageStatus.invalidArgument, label);
        t.regex(response.message ?? '', expected === 'fail' ? /did not pass/ : /not an integer/, label);
        t.deepEqual(await h.dataDump(), before, label);
      }
    }
  });
}

engineTest('every check type 0..17 is covered above', async (t) => {
  t.deepEqual(Object.keys(table).map(Number), Array.from({ length: 18 }, (_, i) => i));
});

engineTest('an expired checked record does not exist', async (t, h) => {
  await h.applyOne(put('h', 'c', 'v', h.now() + 1));
  h.clock.advance(1_000);
  const response = await h.applyOne<CheckAndSetResponse>(checkAndSet({ hashKey: 'h', checkSortKey: 'c', checkType: CasCheckType.valueNotExist, setValue: utf8('n'), returnCheckValue: true }));
  t.is(response.error, StorageStatus.ok);
  t.is(response.checkValueExist, false);
});

engineTest('set_diff_sort_key writes the other sort key with absolute expiry', async (t, h) => {
  await h.applyOne(put('h', 'c', 'v'));
  const response = await h.applyOne<CheckAndSetResponse>(checkAndSet({
    hashKey: 'h', checkSortKey: 'c', checkType: CasCheckType.valueExist, setDiffSortKey: true, setSortKey: utf8('other'),
    setValue: utf8('n'), setExpireTsSeconds: h.now() + 30,
  }));
  t.deepEqual(response, { kind: 'check_and_set_response', error: StorageStatus.ok, checkValueReturned: false, checkValueExist: false, checkValue: new Uint8Array(0), decree: 2n });
  t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'c') })).value), 'v');
  const stored = decodeValue((await h.engine.get(key('h', 'other')))!);
  t.is(text(stored!.userValue), 'n');
  t.is(stored!.expireTs, h.now() + 30);
});

engineTest('set_sort_key is ignored unless set_diff_sort_key', async (t, h) => {
  await h.applyOne(checkAndSet({ hashKey: 'h', checkSortKey: 'c', checkType: CasCheckType.noCheck, setSortKey: utf8('other'), setValue: utf8('n') }));
  t.is((await h.partition.get({ kind: 'get', key: key('h', 'other') })).error, StorageStatus.notFound);
  t.is(text((await h.partition.get({ kind: 'get', key: key('h', 'c') })).value), 'n');
});

engineTest('bad check type, negative expiry and oversized hash_key are refused with 4, no check value, nothing written', async (t, h) => {
  await h.applyOne(put('h', 'c', 'v'));
  const before = await h.dataDump();
  const cases: [Parameters<typeof checkAndSet>[0], RegExp][] = [
    [{ hashKey: 'h', checkSortKey: 'c', checkType: 18, returnCheckValue: true }, /check type 18 is not supported/],
    [{ hashKey: 'h', checkSortKey: 'c', checkType: -1, returnCheckValue: true }, /check type -1 is not supported/],
    [{ hashKey: 'h', checkSortKey: 'c', checkType: 0, setExpireTsSeconds: -1, returnCheckValue: true }, /negative/],
  ];
  for (const [fields, message] of cases) {
    const response = await h.applyOne<CheckAndSetResponse>(checkAndSet(fields));
    t.is(response.error, StorageStatus.invalidArgument);
    t.regex(response.message ?? '', message);
    t.is(response.checkValueReturned, false);
  }
  const long = await h.applyOne<CheckAndSetResponse>({ ...checkAndSet({ hashKey: 'h', checkSortKey: 'c', checkType: 0 }), hashKey: new Uint8Array(65535) });
  t.is(long.error, StorageStatus.invalidArgument);
  t.deepEqual(await h.dataDump(), before);
});
