// Proves check_and_mutate applies its whole mutate list atomically when the check passes (puts
// with absolute expiry, deletes, later items seeing earlier ones), writes nothing when it fails
// (13) or an integer does not parse (4), and refuses an empty list, an unknown operation, a bad
// check type or a negative expiry with 4 and no check value.
import { StorageStatus } from '../../../../cluster/storage/status.ts';
import { CasCheckType } from '../../../../cluster/storage/requests.ts';
import type { CheckAndMutateResponse } from '../../../../cluster/storage/responses.ts';
import { decodeValue } from '../../../../cluster/storage/value-schema.ts';
import { checkAndMutate, engineTest, key, multiGet, multiPut, mutateDelete, mutatePut, text, utf8 } from '../../../support/partition-harness.ts';

const sortKeysAndValues = async (h: Parameters<Parameters<typeof engineTest>[1]>[1]): Promise<string[][]> =>
  (await h.partition.multiGet(multiGet('h'))).kvs.map((kv) => [text(kv.key), text(kv.value)]);

engineTest('a passing check applies every mutation in order', async (t, h) => {
  await h.applyOne(multiPut('h', { c: '5', gone: 'x' }));
  const response = await h.applyOne<CheckAndMutateResponse>(checkAndMutate({
    hashKey: 'h', checkSortKey: 'c', checkType: CasCheckType.valueIntGreater, checkOperand: utf8('4'), returnCheckValue: true,
    mutateList: [mutatePut('a', '1'), mutatePut('b', '2', h.now() + 60), mutateDelete('gone'), mutatePut('a', '3'), mutateDelete('b'), mutatePut('b', '4')],
  }));
  t.deepEqual({ ...response, checkValue: text(response.checkValue ?? new Uint8Array()) }, {
    kind: 'check_and_mutate_response', error: StorageStatus.ok, checkValueReturned: true, checkValueExist: true, checkValue: '5', decree: 2n,
  });
  t.deepEqual(await sortKeysAndValues(h), [['a', '3'], ['b', '4'], ['c', '5']]);
});

engineTest('puts carry their own absolute expiry', async (t, h) => {
  await h.applyOne(checkAndMutate({ hashKey: 'h', checkSortKey: 'c', checkType: CasCheckType.valueNotExist, mutateList: [mutatePut('a', '1', h.now() + 60), mutatePut('b', '2')] }));
  t.is(decodeValue((await h.engine.get(key('h', 'a')))!)?.expireTs, h.now() + 60);
  t.is(decodeValue((await h.engine.get(key('h', 'b')))!)?.expireTs, 0);
});

engineTest('a failing check answers 13 with the check value and writes nothing', async (t, h) => {
  await h.applyOne(multiPut('h', { c: 'v' }));
  const before = await h.dataDump();
  const response = await h.applyOne<CheckAndMutateResponse>(checkAndMutate({
    hashKey: 'h', checkSortKey: 'c', checkType: CasCheckType.valueNotExist, returnCheckValue: true, mutateList: [mutatePut('a', '1'), mutateDelete('c')],
  }));
  t.is(response.error, StorageStatus.tryAgain);
  t.is(response.message, 'check type 1 did not pass');
  t.deepEqual([response.checkValueReturned, response.checkValueExist, text(response.checkValue)], [true, true, 'v']);
  t.deepEqual(await h.dataDump(), before);
});

engineTest('an unparsable integer answers 4 with the check value and writes nothing', async (t, h) => {
  await h.applyOne(multiPut('h', { c: 'abc' }));
  const before = await h.dataDump();
  const response = await h.applyOne<CheckAndMutateResponse>(checkAndMutate({
    hashKey: 'h', checkSortKey: 'c', checkType: CasCheckType.valueIntEqual, checkOperand: utf8('1'), returnCheckValue: true, mutateList: [mutatePut('a', '1')],
  }));
  t.is(response.error, StorageStatus.invalidArgument);
  t.is(response.checkValueExist, true);
  t.deepEqual(await h.dataDump(), before);
});

engineTest('bad arguments are refused with 4, no check value, nothing written', async (t, h) => {
  await h.applyOne(multiPut('h', { c: 'v' }));
  const before = await h.dataDump();
  const cases: [Parameters<typeof checkAndMutate>[0], RegExp][] = [
    [{ hashKey: 'h', checkSortKey: 'c', checkType: 0, mutateList: [], returnCheckValue: true }, /empty mutate_list/],
    [{ hashKey: 'h', checkSortKey: 'c', checkType: 0, mutateList: [mutatePut('a', '1'), { ...mutateDelete('b'), operation: 2 }], returnCheckValue: true }, /mutate_list\[1\] has operation 2/],
    [{ hashKey: 'h', checkSortKey: 'c', checkType: 99, mutateList: [mutatePut('a', '1')], returnCheckValue: true }, /check type 99/],
    [{ hashKey: 'h', checkSortKey: 'c', checkType: 0, mutateList: [mutatePut('a', '1', -3)], returnCheckValue: true }, /mutate_list\[0\]\.set_expire_ts_seconds -3 is negative/],
  ];
  for (const [fields, message] of cases) {
    const request = checkAndMutate(fields);
    t.is(h.partition.validateWrite(request)?.status, StorageStatus.invalidArgument);
    const response = await h.applyOne<CheckAndMutateResponse>(request);
    t.is(response.error, StorageStatus.invalidArgument);
    t.regex(response.message ?? '', message);
    t.is(response.checkValueReturned, false);
  }
  t.deepEqual(await h.dataDump(), before);
});

engineTest('a delete with a negative expiry is fine: expiry only matters for puts', async (t, h) => {
  const response = await h.applyOne<CheckAndMutateResponse>(checkAndMutate({ hashKey: 'h', checkSortKey: 'c', checkType: 0, mutateList: [{ ...mutateDelete('x'), setExpireTsSeconds: -1 }] }));
  t.is(response.error, StorageStatus.ok);
});
