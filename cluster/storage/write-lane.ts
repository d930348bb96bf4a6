// One engine's exclusive write turn. Tasks run one at a time in arrival order, so a task can read,
// decide and write with no other lane task writing in between. The partition's apply path and the
// expiry sweep share one lane per engine; that is what lets the sweep re-check a record and delete
// it without racing a rewrite.

import { WRITE_LANE_TASKS_MAX } from '../../common/limits.ts';
import { KvEngineError } from './engine-error.ts';
import { StorageStatus } from './status.ts';

export interface ExclusiveWriter {
  /** Runs `task` when no other task of this writer is running; resolves with its result. */
  exclusive<T>(task: () => Promise<T>): Promise<T>;
}

export class WriteLane implements ExclusiveWriter {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  exclusive<T>(task: () => Promise<T>): Promise<T> {
    if (this.waiting >= WRITE_LANE_TASKS_MAX) {
      return Promise.reject(new KvEngineError(StorageStatus.busy, `write lane is full (${WRITE_LANE_TASKS_MAX} tasks waiting)`, true));
    }
    this.waiting++;
    const result = this.tail.then(() => {
      this.waiting--;
      return task();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Tasks queued and not yet started. */
  get pending(): number {
    return this.waiting;
  }
}
