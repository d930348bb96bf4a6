// The server-side semantics of every write (pegasus_write_service_impl.h), as a plan: given a
// request and a view of the data, the engine ops to stage and the response. A request that fails
// (bad argument, failed check, unparsable integer, overflow) stages nothing. "Now" for expiry on
// the write path is the mutation's timestamp, so every replica applying the same mutation decides
// the same way.

import { copyBytes } from './copy-bytes.ts';
import { assert, assertNever } from '../../common/assert.ts';
import type { WriteOp } from './engine.ts';
import { evaluateCheck } from './check.ts';
import { formatInt64, INT64_MAX, INT64_MIN, parseInt64 } from './int64-text.ts';
import { encodeKey } from './key-schema.ts';
import { isStorageError, visibleRecord } from './record.ts';
import type { VisibleRecord } from './record.ts';
import { MutateOperation } from './requests.ts';
import type { CheckAndMutateRequest, CheckAndSetRequest, IncrRequest, WriteRequest } from './requests.ts';
import type {
  CheckAndMutateResponse, CheckAndSetResponse, IncrResponse, MultiRemoveResponse, UpdateResponse, WriteResponse,
} from './responses.ts';
import { StorageStatus } from './status.ts';
import type { StorageError } from './status.ts';
import { validateWriteRequest } from './validate-request.ts';
import { encodeValue } from './value-schema.ts';

export interface WriteContext {
  readonly decree: bigint;
  /** makeTimetag(timestampUs, clusterId, false) of the mutation. */
  readonly timetag: bigint;
  /** The mutation's timestamp in 2016-epoch seconds. */
  readonly now2016Seconds: number;
  read(key: Uint8Array): Promise<Uint8Array | undefined>;
}

export interface WritePlan {
  readonly ops: readonly WriteOp[];
  readonly response: WriteResponse;
}

export async function planWrite(request: WriteRequest, context: WriteContext): Promise<WritePlan> {
  const invalid = validateWriteRequest(request);
  if (invalid !== undefined) return { ops: [], response: errorResponse(request, context.decree, invalid) };
  const plan = await planValidWrite(request, context);
  assert(plan.response.error === StorageStatus.ok || plan.ops.length === 0, 'a failed write stages no ops');
  return plan;
}

async function planValidWrite(request: WriteRequest, context: WriteContext): Promise<WritePlan> {
  const { decree, timetag } = context;
  switch (request.kind) {
    case 'put':
      return {
        ops: [{ kind: 'put', key: request.key, value: encodeValue(request.value, request.expireTsSeconds, timetag) }],
        response: updateOk(decree),
      };
    case 'multi_put':
      return {
        ops: request.kvs.map((kv) => ({
          kind: 'put',
          key: encodeKey(request.hashKey, kv.key),
          value: encodeValue(kv.value, request.expireTsSeconds, timetag),
        })),
        response: updateOk(decree),
      };
    case 'remove':
      return { ops: [{ kind: 'delete', key: request.key }], response: updateOk(decree) };
    case 'multi_remove': {
      const response: MultiRemoveResponse = {
        kind: 'multi_remove_response', error: StorageStatus.ok, count: BigInt(request.sortKeys.length), decree,
      };
      return { ops: request.sortKeys.map((sortKey) => ({ kind: 'delete', key: encodeKey(request.hashKey, sortKey) })), response };
    }
    case 'incr':
      return planIncr(request, context);
    case 'check_and_set':
      return planCheckAndSet(request, context);
    case 'check_and_mutate':
      return planCheckAndMutate(request, context);
    default:
      return assertNever(request, 'write request');
  }
}

async function readVisible(key: Uint8Array, context: WriteContext): Promise<VisibleRecord | StorageError> {
  return visibleRecord(await context.read(key), context.now2016Seconds);
}

async function planIncr(request: IncrRequest, context: WriteContext): Promise<WritePlan> {
  const { decree } = context;
  const old = await readVisible(request.key, context);
  if (isStorageError(old)) return { ops: [], response: errorResponse(request, decree, old) };
  let newValue = request.increment;
  let expireTs = request.expireTsSeconds > 0 ? request.expireTsSeconds : 0;
  if (old.exists) {
    if (old.value.length > 0) {
      const oldInt = parseInt64(old.value);
      if (oldInt === undefined) {
        return { ops: [], response: incrError(decree, 0n, 'old value is not an integer or is out of the int64 range') };
      }
      newValue = oldInt + request.increment;
      if (newValue < INT64_MIN || newValue > INT64_MAX) {
        return { ops: [], response: incrError(decree, oldInt, `incr overflows int64: old value ${oldInt}, increment ${request.increment}`) };
      }
    }
    expireTs = request.expireTsSeconds === 0 ? old.expireTs : request.expireTsSeconds < 0 ? 0 : request.expireTsSeconds;
  }
  const response: IncrResponse = { kind: 'incr_response', error: StorageStatus.ok, newValue, decree };
  return { ops: [{ kind: 'put', key: request.key, value: encodeValue(formatInt64(newValue), expireTs, context.timetag) }], response };
}

interface CheckedState {
  readonly failure?: { readonly error: StorageStatus; readonly message: string };
  readonly checkValueReturned: boolean;
  readonly checkValueExist: boolean;
  readonly checkValue: Uint8Array;
}

/** Reads the checked record and evaluates the check, filling the check-value fields as Pegasus. */
async function runCheck(
  request: CheckAndSetRequest | CheckAndMutateRequest,
  context: WriteContext,
): Promise<CheckedState | StorageError> {
  const checked = await readVisible(encodeKey(request.hashKey, request.checkSortKey), context);
  if (isStorageError(checked)) return checked;
  const value = checked.exists ? checked.value : EMPTY;
  const returned = {
    checkValueReturned: request.returnCheckValue,
    checkValueExist: request.returnCheckValue && checked.exists,
    checkValue: request.returnCheckValue && checked.exists ? copyBytes(value) : EMPTY,
  };
  const outcome = evaluateCheck(request.checkType, request.checkOperand, { exists: checked.exists, value });
  switch (outcome.kind) {
    case 'passed':
      return returned;
    case 'failed':
      return { ...returned, failure: { error: StorageStatus.tryAgain, message: `check type ${request.checkType} did not pass` } };
    case 'invalid_argument':
      return { ...returned, failure: { error: StorageStatus.invalidArgument, message: outcome.message } };
    default:
      return assertNever(outcome, 'check outcome');
  }
}

async function planCheckAndSet(request: CheckAndSetRequest, context: WriteContext): Promise<WritePlan> {
  const state = await runCheck(request, context);
  if (isStorageError(state)) return { ops: [], response: errorResponse(request, context.decree, state) };
  const { failure, ...checkFields } = state;
  const response: CheckAndSetResponse = {
    kind: 'check_and_set_response',
    error: failure?.error ?? StorageStatus.ok,
    ...(failure !== undefined ? { message: failure.message } : {}),
    ...checkFields,
    decree: context.decree,
  };
  if (failure !== undefined) return { ops: [], response };
  const setSortKey = request.setDiffSortKey ? request.setSortKey : request.checkSortKey;
  const value = encodeValue(request.setValue, request.setExpireTsSeconds, context.timetag);
  return { ops: [{ kind: 'put', key: encodeKey(request.hashKey, setSortKey), value }], response };
}

async function planCheckAndMutate(request: CheckAndMutateRequest, context: WriteContext): Promise<WritePlan> {
  const state = await runCheck(request, context);
  if (isStorageError(state)) return { ops: [], response: errorResponse(request, context.decree, state) };
  const { failure, ...checkFields } = state;
  const response: CheckAndMutateResponse = {
    kind: 'check_and_mutate_response',
    error: failure?.error ?? StorageStatus.ok,
    ...(failure !== undefined ? { message: failure.message } : {}),
    ...checkFields,
    decree: context.decree,
  };
  if (failure !== undefined) return { ops: [], response };
  const ops = request.mutateList.map((mutate): WriteOp => {
    const key = encodeKey(request.hashKey, mutate.sortKey);
    if (mutate.operation === MutateOperation.delete) return { kind: 'delete', key };
    return { kind: 'put', key, value: encodeValue(mutate.value, mutate.setExpireTsSeconds, context.timetag) };
  });
  return { ops, response };
}

function updateOk(decree: bigint): UpdateResponse {
  return { kind: 'update_response', error: StorageStatus.ok, decree };
}

function incrError(decree: bigint, newValue: bigint, message: string): IncrResponse {
  return { kind: 'incr_response', error: StorageStatus.invalidArgument, message, newValue, decree };
}

/** The response a request gets when it is refused before its semantics run. */
export function errorResponse(request: WriteRequest, decree: bigint, error: StorageError): WriteResponse {
  const outcome = { error: error.status, message: error.message };
  switch (request.kind) {
    case 'put':
    case 'multi_put':
    case 'remove':
      return { kind: 'update_response', ...outcome, decree };
    case 'multi_remove':
      return { kind: 'multi_remove_response', ...outcome, count: 0n, decree };
    case 'incr':
      return { kind: 'incr_response', ...outcome, newValue: 0n, decree };
    case 'check_and_set':
      return { kind: 'check_and_set_response', ...outcome, checkValueReturned: false, checkValueExist: false, checkValue: EMPTY, decree };
    case 'check_and_mutate':
      return { kind: 'check_and_mutate_response', ...outcome, checkValueReturned: false, checkValueExist: false, checkValue: EMPTY, decree };
    default:
      return assertNever(request, 'write request');
  }
}

const EMPTY = new Uint8Array(0);
