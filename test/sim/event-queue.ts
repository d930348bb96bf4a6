// Virtual time: a clock that never moves by itself and a queue of timed events; running the
// simulation means jumping the clock to the earliest event. Events at the same instant run in the
// order they were scheduled, so a seed always produces the same interleaving.
import type { Clock } from '../../common/clock.ts';
import { assert } from '../../common/assert.ts';
import { SIM_EVENTS_QUEUED_MAX } from './limits.ts';

const RECENT_LABELS = 1000;

export interface TimerHandle {
  cancel(): void;
  readonly atMs: number;
}

interface QueuedEvent {
  readonly atMs: number;
  readonly sequence: number;
  readonly label: string;
  readonly run: () => void;
  cancelled: boolean;
}

/** The simulated clock: wall and monotonic time both equal virtual time since the epoch below. */
export class VirtualClock implements Clock {
  static readonly EPOCH_MS = Date.UTC(2026, 0, 1);
  private currentMs = 0;

  nowMs(): number {
    return VirtualClock.EPOCH_MS + this.currentMs;
  }
  monotonicMs(): number {
    return this.currentMs;
  }
  /** Only the event queue moves time, and only forward. */
  jumpTo(ms: number): void {
    assert(ms >= this.currentMs, `time moves forward only: ${ms} < ${this.currentMs}`);
    this.currentMs = ms;
  }
}

export class EventQueue {
  readonly clock = new VirtualClock();
  private heap: QueuedEvent[] = [];
  private sequence = 0;
  private executed = 0;
  private readonly recentLabels: string[] = new Array<string>(RECENT_LABELS).fill('');

  get nowMs(): number {
    return this.clock.monotonicMs();
  }
  get size(): number {
    return this.heap.length;
  }
  get executedCount(): number {
    return this.executed;
  }

  /** The most frequent labels among the last events run, for diagnosing a runaway loop. */
  recentLabelCounts(): [label: string, count: number][] {
    const counts = new Map<string, number>();
    for (const label of this.recentLabels) counts.set(label, (counts.get(label) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 8);
  }

  /** Runs `run` after `delayMs` of virtual time (0 = later in this instant, after events queued before). */
  after(delayMs: number, label: string, run: () => void): TimerHandle {
    assert(delayMs >= 0 && Number.isFinite(delayMs), `delay must be finite and >= 0, got ${delayMs}`);
    return this.at(this.nowMs + delayMs, label, run);
  }

  at(atMs: number, label: string, run: () => void): TimerHandle {
    assert(atMs >= this.nowMs, `cannot schedule in the past: ${atMs} < ${this.nowMs}`);
    assert(this.heap.length < SIM_EVENTS_QUEUED_MAX, `event queue over ${SIM_EVENTS_QUEUED_MAX}`);
    const event: QueuedEvent = { atMs: Math.floor(atMs), sequence: this.sequence++, label, run, cancelled: false };
    this.push(event);
    return { atMs: event.atMs, cancel: () => { event.cancelled = true; } };
  }

  /** Time of the next live event, or undefined when the queue is empty. */
  peekMs(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.atMs;
  }

  /** Jumps to the next event and runs it; false when nothing is left. */
  step(): boolean {
    this.dropCancelled();
    const event = this.pop();
    if (event === undefined) return false;
    this.clock.jumpTo(event.atMs);
    this.recentLabels[this.executed % RECENT_LABELS] = event.label;
    this.executed++;
    event.run();
    return true;
  }

  /** Runs every event up to and including `untilMs`, then leaves the clock at `untilMs`. */
  runUntil(untilMs: number, shouldStop: () => boolean = () => false): void {
    for (;;) {
      const next = this.peekMs();
      if (next === undefined || next > untilMs || shouldStop()) break;
      this.step();
    }
    if (untilMs > this.nowMs && !shouldStop()) this.clock.jumpTo(untilMs);
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled === true) this.pop();
  }

  private before(a: QueuedEvent, b: QueuedEvent): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
  }

  private push(event: QueuedEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i] as QueuedEvent, heap[parent] as QueuedEvent)) break;
      [heap[i], heap[parent]] = [heap[parent] as QueuedEvent, heap[i] as QueuedEvent];
      i = parent;
    }
  }

  private pop(): QueuedEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.before(heap[left] as QueuedEvent, heap[smallest] as QueuedEvent)) smallest = left;
      if (right < heap.length && this.before(heap[right] as QueuedEvent, heap[smallest] as QueuedEvent)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest] as QueuedEvent, heap[i] as QueuedEvent];
      i = smallest;
    }
    return top;
  }
}
