// Safety of the replication protocol, judged from events the harness records as it drives the
// replicas (never from inside the core): at most one primary per (partition, ballot); the ballot a
// replica holds never decreases, nor does the meta server's ballot for a partition; replicas apply
// decrees in order without gaps; and all replicas agree on what each committed decree contains.
export type ReplicationEvent =
  | { readonly kind: 'primary'; readonly atMs: number; readonly node: string; readonly gpid: string; readonly ballot: bigint }
  | { readonly kind: 'ballot'; readonly atMs: number; readonly node: string; readonly gpid: string; readonly incarnation: number; readonly ballot: bigint }
  | { readonly kind: 'meta-ballot'; readonly atMs: number; readonly gpid: string; readonly ballot: bigint }
  | { readonly kind: 'apply'; readonly atMs: number; readonly node: string; readonly gpid: string; readonly incarnation: number; readonly decree: bigint; readonly digest: string }
  /** The shell was told it may delete the log through `decree`; the app is durable through `durableDecree`. */
  | { readonly kind: 'log-gc'; readonly atMs: number; readonly node: string; readonly gpid: string; readonly decree: bigint; readonly durableDecree: bigint }
  /** The replica's state was replaced (restart replay from a checkpoint, learning a checkpoint): applying resumes after `decree`. */
  | { readonly kind: 'reset'; readonly atMs: number; readonly node: string; readonly gpid: string; readonly incarnation: number; readonly decree: bigint };

export interface InvariantViolation {
  readonly atMs: number;
  readonly rule: 'one-primary-per-ballot' | 'ballot-monotonic' | 'meta-ballot-monotonic' | 'apply-in-order' | 'committed-agree' | 'log-gc-bound';
  readonly message: string;
}

/** Incremental: feed events as they happen; violations accumulate. */
export class ReplicationInvariants {
  private readonly primaries = new Map<string, string>();
  private readonly ballots = new Map<string, bigint>();
  private readonly metaBallots = new Map<string, bigint>();
  private readonly applied = new Map<string, bigint>();
  private readonly committed = new Map<string, { digest: string; node: string }>();
  readonly violations: InvariantViolation[] = [];

  record(event: ReplicationEvent): void {
    switch (event.kind) {
      case 'primary': {
        const key = `${event.gpid}@${event.ballot}`;
        const existing = this.primaries.get(key);
        if (existing !== undefined && existing !== event.node) {
          this.fail(event.atMs, 'one-primary-per-ballot', `${event.gpid} ballot ${event.ballot}: primaries ${existing} and ${event.node}`);
        }
        this.primaries.set(key, event.node);
        return;
      }
      case 'ballot': {
        const key = `${event.node}/${event.gpid}/${event.incarnation}`;
        const previous = this.ballots.get(key);
        if (previous !== undefined && event.ballot < previous) {
          this.fail(event.atMs, 'ballot-monotonic', `${key}: ballot ${previous} -> ${event.ballot}`);
        }
        this.ballots.set(key, event.ballot);
        return;
      }
      case 'meta-ballot': {
        const previous = this.metaBallots.get(event.gpid);
        if (previous !== undefined && event.ballot < previous) {
          this.fail(event.atMs, 'meta-ballot-monotonic', `${event.gpid}: meta ballot ${previous} -> ${event.ballot}`);
        }
        this.metaBallots.set(event.gpid, event.ballot);
        return;
      }
      case 'log-gc':
        if (event.decree > event.durableDecree) {
          this.fail(event.atMs, 'log-gc-bound', `${event.node}/${event.gpid}: log GC through ${event.decree} past the durable app decree ${event.durableDecree}`);
        }
        return;
      case 'reset':
        this.applied.set(`${event.node}/${event.gpid}/${event.incarnation}`, event.decree);
        return;
      case 'apply': {
        const key = `${event.node}/${event.gpid}/${event.incarnation}`;
        const previous = this.applied.get(key) ?? 0n;
        if (event.decree !== previous + 1n) {
          this.fail(event.atMs, 'apply-in-order', `${key}: applied ${event.decree} after ${previous}`);
        }
        this.applied.set(key, event.decree);
        const decreeKey = `${event.gpid}#${event.decree}`;
        const agreed = this.committed.get(decreeKey);
        if (agreed === undefined) this.committed.set(decreeKey, { digest: event.digest, node: event.node });
        else if (agreed.digest !== event.digest) {
          this.fail(event.atMs, 'committed-agree', `${event.gpid} decree ${event.decree}: ${agreed.node} applied ${agreed.digest}, ${event.node} applied ${event.digest}`);
        }
        return;
      }
      default: {
        const unknown: never = event;
        throw new Error(`unknown replication event ${JSON.stringify(unknown)}`);
      }
    }
  }

  private fail(atMs: number, rule: InvariantViolation['rule'], message: string): void {
    this.violations.push({ atMs, rule, message });
  }
}
