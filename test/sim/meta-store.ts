// The meta server's durable store in the simulation (standing in for ZooKeeper or the local
// MetaStore): a key-value map whose writes land after a latency. When the meta server crashes,
// each write still in flight lands or not at random, as a write racing a crash would.
import type { EventQueue } from './event-queue.ts';
import type { RandomStream } from './random-stream.ts';

interface InFlightWrite {
  readonly key: string;
  readonly value: string;
  readonly cancel: () => void;
}

export class SimMetaStore {
  private readonly data = new Map<string, string>();
  private readonly inFlight = new Set<InFlightWrite>();

  constructor(
    private readonly queue: EventQueue,
    private readonly random: RandomStream,
    private readonly latencyMsMax: number,
  ) {}

  /** Writes `value` under `key`; `done` runs once it is durable (never, if the writer crashes first). */
  write(key: string, value: string, done: () => void): void {
    const timer = this.queue.after(this.random.range(0, this.latencyMsMax), `meta store write ${key}`, () => {
      this.inFlight.delete(write);
      this.data.set(key, value);
      done();
    });
    const write: InFlightWrite = { key, value, cancel: () => timer.cancel() };
    this.inFlight.add(write);
  }

  /** The writer crashed: each pending write lands or is lost; nobody is told. */
  writerCrashed(): void {
    for (const write of this.inFlight) {
      write.cancel();
      if (this.random.chance(0.5)) this.data.set(write.key, write.value);
    }
    this.inFlight.clear();
  }

  snapshot(): ReadonlyMap<string, string> {
    return new Map(this.data);
  }

  /** Writes made before the simulation starts (the table created by the operator). */
  seed(key: string, value: string): void {
    this.data.set(key, value);
  }
}
