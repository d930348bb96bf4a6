// The simulated network: every message gets its own delay (so messages reorder), may be lost or
// duplicated, waits while its link is clogged, and is dropped while a partition cuts its link
// (checked when sent and again when it would arrive). Partitions are sets of cut directed links,
// so symmetric, asymmetric, isolate-one and random-split faults are all the same mechanism.
import { assert } from '../../common/assert.ts';
import type { EventQueue } from './event-queue.ts';
import type { RandomStream } from './random-stream.ts';
import { SIM_PACKETS_IN_FLIGHT_PER_LINK_MAX } from './limits.ts';

export type Address = string;

export interface NetworkFaults {
  readonly delayMinMs: number;
  readonly delayMaxMs: number;
  readonly lossProbability: number;
  readonly duplicateProbability: number;
  /** Chance that a message is held back by an extra delay of up to `reorderDelayMaxMs`. */
  readonly reorderProbability: number;
  readonly reorderDelayMaxMs: number;
}

export const QUIET_NETWORK: NetworkFaults = {
  delayMinMs: 1,
  delayMaxMs: 5,
  lossProbability: 0,
  duplicateProbability: 0,
  reorderProbability: 0,
  reorderDelayMaxMs: 0,
};

export interface NetworkStats {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  cut: number;
  overflow: number;
}

export type PartitionKind = 'symmetric' | 'asymmetric' | 'isolate-one' | 'random-split';

export type Deliver<M> = (to: Address, from: Address, message: M) => void;

function linkKey(from: Address, to: Address): string {
  return `${from}->${to}`;
}

export class Network<M> {
  private readonly cutLinks = new Set<string>();
  private readonly cloggedUntilMs = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private faults: NetworkFaults;
  readonly stats: NetworkStats = { sent: 0, delivered: 0, lost: 0, duplicated: 0, cut: 0, overflow: 0 };

  constructor(
    private readonly queue: EventQueue,
    private readonly random: RandomStream,
    faults: NetworkFaults,
    private readonly deliver: Deliver<M>,
    private readonly describe: (message: M) => string = () => 'message',
    /** Messages that ride on a connection whose transport never duplicates them (client RPCs over TCP). */
    private readonly mayDuplicate: (message: M) => boolean = () => true,
  ) {
    assert(faults.delayMinMs >= 0 && faults.delayMinMs <= faults.delayMaxMs, 'delay range must be ordered');
    this.faults = faults;
  }

  /** Replaces the fault rates, e.g. with QUIET_NETWORK once the fault phase is over. */
  setFaults(faults: NetworkFaults): void {
    this.faults = faults;
  }

  send(from: Address, to: Address, message: M): void {
    this.stats.sent++;
    const key = linkKey(from, to);
    if (this.cutLinks.has(key)) {
      this.stats.cut++;
      return;
    }
    if (this.random.chance(this.faults.lossProbability)) {
      this.stats.lost++;
      return;
    }
    this.schedule(from, to, message);
    if (this.random.chance(this.faults.duplicateProbability) && this.mayDuplicate(message)) {
      this.stats.duplicated++;
      this.schedule(from, to, message);
    }
  }

  isLinkCut(from: Address, to: Address): boolean {
    return this.cutLinks.has(linkKey(from, to));
  }

  /** Cuts every link from a node in `from` to a node in `to` (one direction only). */
  cutOneWay(from: readonly Address[], to: readonly Address[]): void {
    for (const a of from) for (const b of to) if (a !== b) this.cutLinks.add(linkKey(a, b));
  }

  /** Cuts every link between the two groups, both directions. */
  cutBetween(groupA: readonly Address[], groupB: readonly Address[]): void {
    this.cutOneWay(groupA, groupB);
    this.cutOneWay(groupB, groupA);
  }

  /** Applies one partition of the given kind over `nodes`; returns a description for the trace. */
  partition(kind: PartitionKind, nodes: readonly Address[]): string {
    assert(nodes.length >= 2, 'a partition needs at least two nodes');
    const shuffled = this.random.shuffle(nodes);
    switch (kind) {
      case 'isolate-one': {
        const [alone, ...rest] = shuffled as [Address, ...Address[]];
        this.cutBetween([alone], rest);
        return `isolate ${alone}`;
      }
      case 'symmetric':
      case 'asymmetric':
      case 'random-split': {
        const splitAt = kind === 'random-split' ? this.random.range(1, shuffled.length - 1) : Math.floor(shuffled.length / 2);
        const groupA = shuffled.slice(0, splitAt);
        const groupB = shuffled.slice(splitAt);
        if (kind === 'asymmetric') {
          this.cutOneWay(groupA, groupB);
          return `cut ${groupA.join(',')} -> ${groupB.join(',')}`;
        }
        this.cutBetween(groupA, groupB);
        return `split ${groupA.join(',')} | ${groupB.join(',')}`;
      }
      default:
        throw new Error(`unknown partition kind ${String(kind)}`);
    }
  }

  /** Holds every message on the link from -> to until `durationMs` from now. */
  clog(from: Address, to: Address, durationMs: number): void {
    const key = linkKey(from, to);
    const until = this.queue.nowMs + durationMs;
    this.cloggedUntilMs.set(key, Math.max(until, this.cloggedUntilMs.get(key) ?? 0));
  }

  /** Restores every link: no partition, no clog. Messages already in flight keep their arrival times. */
  heal(): void {
    this.cutLinks.clear();
    this.cloggedUntilMs.clear();
  }

  private schedule(from: Address, to: Address, message: M): void {
    const key = linkKey(from, to);
    const inFlight = this.inFlight.get(key) ?? 0;
    if (inFlight >= SIM_PACKETS_IN_FLIGHT_PER_LINK_MAX) {
      this.stats.overflow++;
      return;
    }
    const faults = this.faults;
    let delay = this.random.range(faults.delayMinMs, faults.delayMaxMs);
    if (this.random.chance(faults.reorderProbability)) delay += this.random.range(0, faults.reorderDelayMaxMs);
    const clogEnd = this.cloggedUntilMs.get(key);
    const arrival = Math.max(this.queue.nowMs + delay, clogEnd === undefined ? 0 : clogEnd + delay);
    this.inFlight.set(key, inFlight + 1);
    this.queue.at(arrival, `deliver ${from}->${to} ${this.describe(message)}`, () => {
      this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
      if (this.cutLinks.has(key)) {
        this.stats.cut++;
        return;
      }
      this.stats.delivered++;
      this.deliver(to, from, message);
    });
  }
}
