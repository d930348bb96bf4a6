// Runs the writes of one key one after another (a write starts when the previous one of its key
// settled), writes of different keys concurrently, and refuses more than a bounded number queued.
import { META_STORE_PENDING_WRITES_MAX } from '../../../common/limits.ts';
import { MetaStoreError } from './meta-store.ts';

export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private pending = 0;

  constructor(private readonly name: string) {}

  size(): number {
    return this.pending;
  }

  run(key: string, write: () => Promise<void>): Promise<void> {
    if (this.pending >= META_STORE_PENDING_WRITES_MAX) {
      return Promise.reject(new MetaStoreError('ERR_BUSY', `${this.name}: ${this.pending} writes queued`, true));
    }
    this.pending++;
    const previous = this.tails.get(key) ?? Promise.resolve();
    const done = previous.then(write).finally(() => {
      this.pending--;
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    const tail = done.catch(() => undefined);
    this.tails.set(key, tail);
    return done;
  }

  /** Resolves once every queued write settled. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
  }
}
