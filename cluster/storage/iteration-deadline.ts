// The time cap of iterating reads (Pegasus's rocksdb_iteration_threshold_time_ms): multi_get stops
// with kIncomplete and its partial result, sortkey_count answers -1. The clock is looked at only
// every few records so the cap costs nothing on the hot path.

import type { Clock } from '../../common/clock.ts';
import { READ_ITERATION_CLOCK_CHECK_EVERY, READ_ITERATION_TIME_MS_MAX } from '../../common/limits.ts';

export class IterationDeadline {
  private readonly deadlineMs: number;
  private visited = 0;

  constructor(private readonly clock: Clock, limitMs: number = READ_ITERATION_TIME_MS_MAX) {
    this.deadlineMs = clock.monotonicMs() + limitMs;
  }

  /** Counts one visited record; true once the time cap has passed. */
  visit(): boolean {
    this.visited += 1;
    if (this.visited % READ_ITERATION_CLOCK_CHECK_EVERY !== 0) return false;
    return this.clock.monotonicMs() >= this.deadlineMs;
  }
}
