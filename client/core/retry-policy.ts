// What a failed replica call means for the call and for the table's routing (Java TableHandler
// onRpcReply), and how long to wait before the next attempt (Java ExponentialBackoffRetryPolicy).
// Pure: the caller passes the time left and a jitter draw in.

import type { ErrorName } from '../../cluster/rpc/error-code.ts';
import { CLIENT_RETRY_ATTEMPT_MS_MIN, CLIENT_RETRY_ATTEMPTS_MAX, CLIENT_RETRY_BASE_MS, CLIENT_ROUTING_REFRESH_INTERVAL_MS_MIN } from '../../common/limits.ts';

export interface FailureAction {
  /** The table's routing may be stale: ask the meta server again. */
  readonly refresh: boolean;
  /** Another attempt may succeed (after the refresh, when there is one). */
  readonly retry: boolean;
}

/** A partition without a primary in the routing table is handled like a failure with this name. */
export type ReplicaFailure = ErrorName | 'NO_PRIMARY';

const REFRESH_AND_RETRY: FailureAction = { refresh: true, retry: true };
const RETRY_ONLY: FailureAction = { refresh: false, retry: true };
const FAIL: FailureAction = { refresh: false, retry: false };

/**
 * The server does not serve this partition (any more), is not its primary, the partition split
 * under us, or the connection broke: the routing is stale.
 */
const STALE_ROUTING: ReadonlySet<ReplicaFailure> = new Set<ReplicaFailure>([
  'ERR_OBJECT_NOT_FOUND', 'ERR_INVALID_STATE', 'ERR_INACTIVE_STATE', 'ERR_PARENT_PARTITION_MISUSED',
  'ERR_SESSION_RESET', 'ERR_NETWORK_FAILURE', 'NO_PRIMARY',
]);
/** The primary is right but cannot take writes for a moment. */
const BRIEFLY_UNAVAILABLE: ReadonlySet<ReplicaFailure> = new Set<ReplicaFailure>(['ERR_NOT_ENOUGH_MEMBER', 'ERR_CAPACITY_EXCEEDED']);

/**
 * Everything else fails now, as in the Java client: ERR_TIMEOUT (the attempt used the rest of the
 * deadline), ERR_BUSY (throttled), ERR_SPLITTING, ERR_HANDLER_NOT_FOUND, ERR_ACL_DENY, ...
 */
export function failureAction(failure: ReplicaFailure): FailureAction {
  if (STALE_ROUTING.has(failure)) return REFRESH_AND_RETRY;
  if (BRIEFLY_UNAVAILABLE.has(failure)) return RETRY_ONLY;
  return FAIL;
}

/** Multiples of the base interval by attempt number (the last repeats). */
const BACKOFF_STEPS = [1, 2, 3, 5, 10, 20, 40, 100, 100, 100, 100, 200, 200] as const;
/** Jitter adds up to this fraction of the delay, so clients that failed together spread out. */
const JITTER_FRACTION = 0.01;

export interface BackoffInput {
  /** Attempts made so far (1 after the first failure). */
  readonly attempts: number;
  /** Milliseconds left before the call's deadline. */
  readonly remainingMs: number;
  /** A draw in [0, 1). */
  readonly jitter: number;
}

/** The wait before the next attempt, or undefined when there is no room for one. */
export function backoffDelayMs(input: BackoffInput): number | undefined {
  if (input.attempts >= CLIENT_RETRY_ATTEMPTS_MAX) return undefined;
  const room = input.remainingMs - CLIENT_RETRY_ATTEMPT_MS_MIN;
  if (room <= 0) return undefined;
  const step = BACKOFF_STEPS[Math.min(Math.max(input.attempts - 1, 0), BACKOFF_STEPS.length - 1)] ?? 1;
  const delay = CLIENT_RETRY_BASE_MS * step * (1 + JITTER_FRACTION * input.jitter);
  return Math.min(Math.ceil(delay), room);
}

export type RefreshDecision =
  /** Query the meta server now. */
  | 'start'
  /** A query is running: wait for it. */
  | 'join'
  /** The routing was replaced since the failed call read it: just retry. */
  | 'already_newer'
  /** The last query was too recent: retry with the routing there is. */
  | 'too_soon';

/** Keeps routing queries for one table single and spaced out (Java tryQueryMeta). */
export class RefreshGate {
  private lastStartMs = Number.NEGATIVE_INFINITY;
  private running = false;

  constructor(private readonly intervalMsMin = CLIENT_ROUTING_REFRESH_INTERVAL_MS_MIN) {}

  decide(input: { readonly versionUsed: number; readonly versionCurrent: number; readonly nowMs: number }): RefreshDecision {
    if (input.versionCurrent > input.versionUsed) return 'already_newer';
    if (this.running) return 'join';
    if (input.nowMs - this.lastStartMs < this.intervalMsMin) return 'too_soon';
    return 'start';
  }

  started(nowMs: number): void {
    this.running = true;
    this.lastStartMs = nowMs;
  }

  finished(): void {
    this.running = false;
  }
}
