// The one place that reads the wall clock and the monotonic clock. Everything else receives a
// Clock, so tests and the simulator can substitute virtual time.

export interface Clock {
  /** Wall-clock time in milliseconds since the Unix epoch (for expiry and timetags). */
  nowMs(): number;
  /** Monotonic time in milliseconds, for measuring intervals; unrelated to the wall clock. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

/** A clock that moves only when told to; for tests of time-dependent logic. */
export class ManualClock implements Clock {
  constructor(private wallMs = Date.UTC(2026, 0, 1), private monoMs = 0) {}
  nowMs(): number {
    return this.wallMs;
  }
  monotonicMs(): number {
    return this.monoMs;
  }
  advance(ms: number): void {
    this.wallMs += ms;
    this.monoMs += ms;
  }
}
