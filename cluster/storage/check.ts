// The check of check_and_set and check_and_mutate (pegasus_write_service_impl.h validate_check):
// given the check type, the operand and the checked record (exists = present and not expired),
// decide whether the write goes ahead. Integer checks parse both sides with Pegasus's strtoll rules
// and answer invalid_argument when either side is not an int64. Pure.

import { assert } from '../../common/assert.ts';
import { endsWith, includesBytes, startsWith } from './bytes-match.ts';
import { compareBytes } from './key-schema.ts';
import { parseInt64 } from './int64-text.ts';
import { CasCheckType } from './requests.ts';
import { isSupportedCheckType } from './validate-request.ts';

export type CheckOutcome =
  | { readonly kind: 'passed' }
  | { readonly kind: 'failed' }
  | { readonly kind: 'invalid_argument'; readonly message: string };

const PASSED: CheckOutcome = { kind: 'passed' };
const FAILED: CheckOutcome = { kind: 'failed' };

function outcome(passed: boolean): CheckOutcome {
  return passed ? PASSED : FAILED;
}

export function evaluateCheck(
  checkType: number,
  operand: Uint8Array,
  checked: { readonly exists: boolean; readonly value: Uint8Array },
): CheckOutcome {
  assert(isSupportedCheckType(checkType), `check type ${checkType} reached evaluation unvalidated`);
  const { exists, value } = checked;
  switch (checkType) {
    case CasCheckType.noCheck:
      return PASSED;
    case CasCheckType.valueNotExist:
      return outcome(!exists);
    case CasCheckType.valueNotExistOrEmpty:
      return outcome(!exists || value.length === 0);
    case CasCheckType.valueExist:
      return outcome(exists);
    case CasCheckType.valueNotEmpty:
      return outcome(exists && value.length > 0);
    case CasCheckType.valueMatchAnywhere:
      return outcome(exists && includesBytes(value, operand));
    case CasCheckType.valueMatchPrefix:
      return outcome(exists && startsWith(value, operand));
    case CasCheckType.valueMatchPostfix:
      return outcome(exists && endsWith(value, operand));
    default:
      break;
  }
  if (!exists) return FAILED;
  if (checkType <= CasCheckType.valueBytesGreater) {
    return outcome(holds(checkType - CasCheckType.valueBytesLess, compareBytes(value, operand)));
  }
  const valueInt = parseInt64(value);
  if (valueInt === undefined) {
    return { kind: 'invalid_argument', message: 'check value is not an integer or is out of the int64 range' };
  }
  const operandInt = parseInt64(operand);
  if (operandInt === undefined) {
    return { kind: 'invalid_argument', message: 'check operand is not an integer or is out of the int64 range' };
  }
  const order = valueInt < operandInt ? -1 : valueInt > operandInt ? 1 : 0;
  return outcome(holds(checkType - CasCheckType.valueIntLess, order));
}

/** relation: 0 less, 1 less-or-equal, 2 equal, 3 greater-or-equal, 4 greater. */
function holds(relation: number, order: number): boolean {
  if (order < 0) return relation <= 1;
  if (order > 0) return relation >= 3;
  return relation >= 1 && relation <= 3;
}
