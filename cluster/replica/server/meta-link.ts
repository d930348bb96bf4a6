// The replica server's link to the meta servers: the worker side of the failure detector
// (cluster/meta/README.md, "Rules for replica servers") and which meta server to talk to. Beacons,
// configuration change requests and replica reports all go to the meta server in use: the leader
// as far as this server knows. A redirect (ForwardToLeader) moves there at once; a meta server that
// answers nothing for a few beacon intervals is replaced by the next configured one, in turn.
//
// No timers here: the server calls check() every checkIntervalMs and hands in what arrives.
import { WorkerLease } from '../../meta/core/worker-lease.ts';
import type { FailureDetectorOptions } from '../../meta/core/options.ts';
import type { BeaconAckAction } from '../../meta/core/types.ts';
import type { ForwardToLeader, ReplicaToMetaMessage } from '../../rpc/cluster-messages.ts';
import type { NodeId } from '../../replication/configuration.ts';
import { assert, assertNever } from '../../../common/assert.ts';
import { REPLICA_SERVER_META_SERVERS_MAX, REPLICA_SERVER_META_SILENT_BEACONS_MAX } from '../../../common/limits.ts';

export interface MetaLinkEvents {
  /** Send to the meta server `to` (the transport drops it if unreachable; callers resend). */
  send(to: NodeId, message: ReplicaToMetaMessage): void;
  /** The lease ran out: every replica stops serving. */
  leaseExpired(): void;
  /** The lease is valid again: sync configurations before serving. */
  leaseRenewed(): void;
  /** The meta server in use changed (for logs). */
  metaChanged(to: NodeId, why: string): void;
}

export interface MetaLinkOptions {
  readonly self: NodeId;
  /** Every configured meta server; the first is tried first. */
  readonly metaServers: readonly NodeId[];
  /** The meta servers' grace is theirs to check; the worker side uses the rest. */
  readonly failureDetector: Omit<FailureDetectorOptions, 'graceMs'>;
  readonly events: MetaLinkEvents;
}

export class MetaLink {
  private readonly lease: WorkerLease;
  private readonly known: NodeId[];
  private target: NodeId;
  /** When the meta server in use last answered anything (or when it was chosen). */
  private lastHeardMs: number | undefined;

  constructor(private readonly options: MetaLinkOptions) {
    assert(options.metaServers.length > 0, 'a replica server needs at least one meta server');
    this.known = [...new Set(options.metaServers)].slice(0, REPLICA_SERVER_META_SERVERS_MAX);
    this.target = this.known[0] as NodeId;
    // The lease checks grace > lease; the worker never waits for grace itself.
    const failureDetector = { ...options.failureDetector, graceMs: options.failureDetector.leaseMs + 1 };
    this.lease = new WorkerLease({ metaServer: this.target, options: failureDetector });
  }

  /** The meta server messages go to now. */
  get metaServer(): NodeId {
    return this.target;
  }

  isLeaseValid(nowMs: number): boolean {
    return this.lease.isValid(nowMs);
  }

  /** Call every checkIntervalMs: beacons, lease expiry, and giving up on a silent meta server. */
  check(nowMs: number): void {
    this.lastHeardMs ??= nowMs;
    const silentMs = REPLICA_SERVER_META_SILENT_BEACONS_MAX * this.options.failureDetector.beaconIntervalMs;
    if (this.known.length > 1 && nowMs - this.lastHeardMs > silentMs) {
      const next = this.known[(this.known.indexOf(this.target) + 1) % this.known.length] as NodeId;
      this.moveTo(next, nowMs, `no answer from ${this.target} for ${nowMs - this.lastHeardMs} ms`);
    }
    for (const output of this.lease.tick(nowMs)) {
      switch (output.kind) {
        case 'send_beacon':
          // The lease names the first meta server; beacons go to the one in use.
          this.send({ kind: 'beacon', from: this.options.self, sentMs: output.sentMs });
          break;
        case 'lease_expired':
          this.options.events.leaseExpired();
          break;
        case 'lease_renewed':
          this.options.events.leaseRenewed();
          break;
        default:
          assertNever(output, 'worker lease output');
      }
    }
  }

  /** Sends to the meta server in use. */
  send(message: ReplicaToMetaMessage): void {
    this.options.events.send(this.target, message);
  }

  onBeaconAck(nowMs: number, from: NodeId, ack: BeaconAckAction): void {
    if (from === this.target) this.lastHeardMs = nowMs;
    for (const output of this.lease.onBeaconAck(nowMs, { sentMs: ack.sentMs, allowed: ack.allowed })) {
      if (output.kind === 'lease_renewed') this.options.events.leaseRenewed();
    }
  }

  /** Any other message from a meta server shows it is alive. */
  onHeard(nowMs: number, from: NodeId): void {
    if (from === this.target) this.lastHeardMs = nowMs;
  }

  /** A meta server that does not lead named the leader ('' while none is elected). */
  onForward(nowMs: number, from: NodeId, forward: ForwardToLeader): void {
    if (from === this.target) this.lastHeardMs = nowMs;
    if (forward.leader === '' || forward.leader === this.target) return;
    if (!this.known.includes(forward.leader)) {
      if (this.known.length >= REPLICA_SERVER_META_SERVERS_MAX) return;
      this.known.push(forward.leader);
    }
    // The next beacon goes there: the lease only accepts acks of beacons it sent itself.
    this.moveTo(forward.leader, nowMs, `${from} says the leader is ${forward.leader}`);
  }

  private moveTo(to: NodeId, nowMs: number, why: string): void {
    this.target = to;
    this.lastHeardMs = nowMs;
    this.options.events.metaChanged(to, why);
  }
}
