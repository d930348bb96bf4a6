// The replica server's side of the perfect failure detector (PacificA lease, Pegasus
// failure_detector worker). The replica server beacons the meta server; every ack renews a lease
// that starts when the acked beacon was SENT. Without a renewal for leaseMs the replica server
// must stop serving. Because the meta server waits graceMs > leaseMs after the last beacon it
// RECEIVED (which is no earlier than any acked beacon was sent), the replica server has always
// stopped serving before the meta server declares it dead.
import { assert } from '../../../common/assert.ts';
import { checkFailureDetectorOptions, type FailureDetectorOptions } from './options.ts';
import type { NodeId } from './types.ts';

export type WorkerOutput =
  /** Send a beacon to the meta server `to`, carrying `sentMs`. */
  | { readonly kind: 'send_beacon'; readonly to: NodeId; readonly sentMs: number }
  /** The lease ran out: make every replica inactive and serve nothing until `lease_renewed`. */
  | { readonly kind: 'lease_expired' }
  /** The lease is valid again: sync configurations with the meta server before serving. */
  | { readonly kind: 'lease_renewed' };

export interface BeaconAck {
  /** The `sentMs` of the beacon this acknowledges. */
  readonly sentMs: number;
  /** False when the meta server refuses this node (not leader, blacklisted): no renewal. */
  readonly allowed: boolean;
}

export class WorkerLease {
  private readonly options: FailureDetectorOptions;
  private readonly metaServer: NodeId;
  /** Send time of the newest beacon that was acked; undefined before the first ack. */
  private lastAckedSentMs: number | undefined = undefined;
  private lastSentMs: number | undefined = undefined;
  private lastNowMs = Number.NEGATIVE_INFINITY;
  private expired = true;

  constructor(args: { readonly metaServer: NodeId; readonly options: FailureDetectorOptions }) {
    checkFailureDetectorOptions(args.options);
    this.options = args.options;
    this.metaServer = args.metaServer;
  }

  /** Call at least every checkIntervalMs. Returns the beacon to send and a lease expiry if any. */
  tick(nowMs: number): WorkerOutput[] {
    this.observe(nowMs);
    const outputs: WorkerOutput[] = [];
    if (this.lastSentMs === undefined || nowMs - this.lastSentMs >= this.options.beaconIntervalMs) {
      this.lastSentMs = nowMs;
      outputs.push({ kind: 'send_beacon', to: this.metaServer, sentMs: nowMs });
    }
    // Pegasus's check: give up one check interval early, so the next check cannot come too late.
    if (!this.expired && this.deadlineMs() <= nowMs + this.options.checkIntervalMs) {
      this.expired = true;
      outputs.push({ kind: 'lease_expired' });
    }
    return outputs;
  }

  /** An ack arrived at `nowMs`. Renews the lease when it acknowledges a newer beacon in time. */
  onBeaconAck(nowMs: number, ack: BeaconAck): WorkerOutput[] {
    this.observe(nowMs);
    // An ack for a beacon not yet sent is malformed: it changes nothing.
    if (this.lastSentMs === undefined || ack.sentMs > this.lastSentMs) return [];
    if (!ack.allowed) return [];
    if (this.lastAckedSentMs !== undefined && ack.sentMs <= this.lastAckedSentMs) return [];
    this.lastAckedSentMs = ack.sentMs;
    if (this.expired && this.deadlineMs() > nowMs + this.options.checkIntervalMs) {
      this.expired = false;
      return [{ kind: 'lease_renewed' }];
    }
    return [];
  }

  /** Whether the replica server may serve at `nowMs`. Ask before every read and write answer. */
  isValid(nowMs: number): boolean {
    return !this.expired && nowMs < this.deadlineMs();
  }

  /** When the current lease ends; -Infinity before the first ack. */
  deadlineMs(): number {
    return this.lastAckedSentMs === undefined ? Number.NEGATIVE_INFINITY : this.lastAckedSentMs + this.options.leaseMs;
  }

  private observe(nowMs: number): void {
    assert(nowMs >= this.lastNowMs, 'worker lease time went backwards');
    this.lastNowMs = nowMs;
  }
}
