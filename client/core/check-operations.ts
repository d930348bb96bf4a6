// Builders of the conditional writes of one hash key: checkAndSet, checkAndMutate and
// compareExchange (reference/pegasus-api.md section 3.4). A failed check is an answer
// (kTryAgain: nothing written), not an error.

import type { Stamped } from '../../cluster/rpc/rrdb-structs.ts';
import { clientRpcs } from '../../cluster/rpc/rpc-methods.ts';
import { MutateOperation, type Mutate } from '../../cluster/storage/requests.ts';
import type { CheckAndMutateResponse, CheckAndSetResponse } from '../../cluster/storage/responses.ts';
import { StorageStatus } from '../../cluster/storage/status.ts';
import { WRITE_BODY_BYTES_MAX } from '../../common/limits.ts';
import type {
  CheckAndMutateOptions, CheckAndMutateResult, CheckAndSetOptions, CheckAndSetResult, CompareExchangeResult, Mutation, SetOptions,
} from './api-types.ts';
import { bytesEqual, EMPTY_BYTES, ownBytes, toBytes, type Bytes } from './bytes.ts';
import { invalidArgument, type OperationContext } from './client-error.ts';
import type { OperationOf } from './data-operations.ts';
import { contextOf, storageFailure, type BuildContext } from './operation.ts';
import { partitionHashOf } from './partition-hash.ts';
import { booleanOf, checkTypeCode, checkRequestSize, expireTsOf, hashKeyBytes, listOf } from './validate.ts';

/** Mutations of one request: each costs at least one byte, so the write limit bounds them. */
const MUTATIONS_MAX = WRITE_BODY_BYTES_MAX;

export function checkAndSetOperation(
  build: BuildContext, hashKey: Bytes, checkSortKey: Bytes, checkType: string, checkOperand: Bytes,
  setSortKey: Bytes, setValue: Bytes, options: CheckAndSetOptions = {}, operation = 'checkAndSet',
): OperationOf<'checkAndSet', CheckAndSetResult> {
  const context = contextOf(build, operation);
  const hk = hashKeyBytes(hashKey, context, true);
  const checkSk = toBytes(checkSortKey, 'checkSortKey', context);
  const setSk = toBytes(setSortKey, 'setSortKey', context);
  const operand = toBytes(checkOperand, 'checkOperand', context);
  const value = toBytes(setValue, 'setValue', context);
  checkRequestSize(hk.length + checkSk.length + setSk.length + operand.length + value.length, context);
  const setDiffSortKey = !bytesEqual(checkSk, setSk);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.checkAndSet,
    request: {
      kind: 'check_and_set',
      hashKey: hk,
      checkSortKey: checkSk,
      checkType: checkTypeCode(checkType, context),
      checkOperand: operand,
      setDiffSortKey,
      setSortKey: setDiffSortKey ? setSk : EMPTY_BYTES,
      setValue: value,
      setExpireTsSeconds: expireTsOf(options.ttlSeconds, build.now2016Seconds, context),
      returnCheckValue: booleanOf(options.returnCheckValue, 'returnCheckValue', context, false),
    },
    locator: { kind: 'hash', hash: partitionHashOf(hk, EMPTY_BYTES) },
    finish: (response, where) => ({ setSucceed: checkPassed(response, where), ...checkResult(response) }),
  };
}

export function checkAndMutateOperation(
  build: BuildContext, hashKey: Bytes, checkSortKey: Bytes, checkType: string, checkOperand: Bytes,
  mutations: readonly Mutation[], options: CheckAndMutateOptions = {},
): OperationOf<'checkAndMutate', CheckAndMutateResult> {
  const context = contextOf(build, 'checkAndMutate');
  const hk = hashKeyBytes(hashKey, context, true);
  const checkSk = toBytes(checkSortKey, 'checkSortKey', context);
  const operand = toBytes(checkOperand, 'checkOperand', context);
  let size = hk.length + checkSk.length + operand.length;
  const mutateList = listOf<Mutation>(mutations, 'mutations', 1, MUTATIONS_MAX, context).map((mutation, i): Mutate => {
    const what = `mutations[${i}]`;
    if (typeof mutation !== 'object' || mutation === null) throw invalidArgument(context, `${what} must be { kind: 'set' | 'del', ... }`);
    const sortKey = toBytes(mutation.sortKey, `${what}.sortKey`, context);
    if (mutation.kind === 'set') {
      const value = toBytes(mutation.value, `${what}.value`, context);
      size += sortKey.length + value.length;
      return { operation: MutateOperation.put, sortKey, value, setExpireTsSeconds: expireTsOf(mutation.ttlSeconds, build.now2016Seconds, context) };
    }
    if (mutation.kind === 'del') {
      size += sortKey.length;
      return { operation: MutateOperation.delete, sortKey, value: EMPTY_BYTES, setExpireTsSeconds: 0 };
    }
    throw invalidArgument(context, `${what}.kind must be 'set' or 'del', got ${JSON.stringify((mutation as { kind: unknown }).kind)}`);
  });
  checkRequestSize(size, context);
  return {
    context: { ...context, hashKey: hk },
    method: clientRpcs.checkAndMutate,
    request: {
      kind: 'check_and_mutate',
      hashKey: hk,
      checkSortKey: checkSk,
      checkType: checkTypeCode(checkType, context),
      checkOperand: operand,
      mutateList,
      returnCheckValue: booleanOf(options.returnCheckValue, 'returnCheckValue', context, false),
    },
    locator: { kind: 'hash', hash: partitionHashOf(hk, EMPTY_BYTES) },
    finish: (response, where) => ({ mutateSucceed: checkPassed(response, where), ...checkResult(response) }),
  };
}

/** Sets `desired` when the current value equals `expected` (check_and_set with CT_VALUE_BYTES_EQUAL). */
export function compareExchangeOperation(
  build: BuildContext, hashKey: Bytes, sortKey: Bytes, expected: Bytes, desired: Bytes, options: SetOptions = {},
): OperationOf<'checkAndSet', CompareExchangeResult> {
  const inner = checkAndSetOperation(build, hashKey, sortKey, 'valueBytesEqual', expected, sortKey, desired, {
    returnCheckValue: true, ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
  }, 'compareExchange');
  return {
    ...inner,
    finish: (response, where) => {
      const result = inner.finish(response, where);
      if (result.setSucceed) return { setSucceed: true, actualValue: null };
      return { setSucceed: false, actualValue: result.checkValueExist ? result.checkValue : null };
    },
  };
}

/** check passed: 0; check failed: kTryAgain (13), nothing written; anything else is an error. */
function checkPassed(response: Stamped<CheckAndSetResponse | CheckAndMutateResponse>, where: OperationContext): boolean {
  if (response.error === StorageStatus.ok) return true;
  if (response.error === StorageStatus.tryAgain) return false;
  throw storageFailure(response.error, where, response.error === StorageStatus.invalidArgument
    ? 'the check could not be evaluated (an int check on a value or operand that is not an int64?)'
    : undefined);
}

function checkResult(response: CheckAndSetResponse | CheckAndMutateResponse) {
  return {
    checkValueReturned: response.checkValueReturned,
    checkValueExist: response.checkValueReturned && response.checkValueExist,
    checkValue: response.checkValueReturned && response.checkValueExist ? ownBytes(response.checkValue) : null,
  };
}

