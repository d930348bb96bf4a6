// A call's budget: its deadline on the monotonic clock and the caller's AbortSignal, plus the
// pause between attempts that honours both.

import type { Clock } from '../../common/clock.ts';
import { CLIENT_TIMEOUT_MS_MAX } from '../../common/limits.ts';
import type { CallOptions } from '../core/api-types.ts';
import { invalidArgument, PegasusClientError, type ClientErrorCode, type OperationContext } from '../core/client-error.ts';

export interface Budget {
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly signal?: AbortSignal;
}

export function budgetOf(options: CallOptions | undefined, defaultTimeoutMs: number, clock: Clock, context: OperationContext): Budget {
  const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > CLIENT_TIMEOUT_MS_MAX) {
    throw invalidArgument(context, `timeoutMs must be a number in (0, ${CLIENT_TIMEOUT_MS_MAX}], got ${String(timeoutMs)}`);
  }
  const signal = options?.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidArgument(context, 'signal must be an AbortSignal');
  if (signal?.aborted === true) throw abortedError(context, signal);
  return { timeoutMs, deadlineMs: clock.monotonicMs() + timeoutMs, ...(signal === undefined ? {} : { signal }) };
}

export function abortedError(context: OperationContext, signal: AbortSignal): PegasusClientError {
  return new PegasusClientError('ERR_ABORTED', 'the caller aborted the call', context, { retriable: false, cause: signal.reason });
}

export function timeoutError(context: OperationContext, budget: Budget, cause?: unknown): PegasusClientError {
  return new PegasusClientError('ERR_TIMEOUT', `no answer within ${budget.timeoutMs} ms`, context, { cause });
}

/** A failed attempt of a call: what the server or the network said. */
export interface AttemptFailure {
  readonly code: ClientErrorCode;
  readonly message: string;
  readonly cause?: unknown;
}

/**
 * The call is over without an answer (its deadline passed, or no attempt is left). With failures
 * before, the error is the last real one (its code and message, not a bare ERR_TIMEOUT), so the
 * caller learns why the call kept failing; either way it says how many attempts were made.
 */
export function gaveUpError(context: OperationContext, budget: Budget, attempts: number, last: AttemptFailure | undefined): PegasusClientError {
  const tried = `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'} within ${budget.timeoutMs} ms`;
  const where: OperationContext = { ...context, attempts };
  if (last === undefined) return new PegasusClientError('ERR_TIMEOUT', `no answer within ${budget.timeoutMs} ms; ${tried}`, where);
  return new PegasusClientError(last.code, `${last.message}; ${tried}`, where, { cause: last.cause });
}

/** Waits `ms`, or rejects with ERR_ABORTED as soon as the signal fires. */
export function pause(ms: number, signal: AbortSignal | undefined, context: OperationContext): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortedError(context, signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(context, signal as AbortSignal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
