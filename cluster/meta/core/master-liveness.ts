// The meta server's side of the perfect failure detector: a replica server is alive while its
// last beacon was received less than graceMs ago. graceMs > leaseMs, so by the time a node is
// declared dead its own lease (counted from a beacon sent no later than that receipt) has run out.
import { assert } from '../../../common/assert.ts';
import { META_NODES_MAX } from '../../../common/limits.ts';
import { checkFailureDetectorOptions, type FailureDetectorOptions } from './options.ts';
import type { NodeId } from './types.ts';

export type LivenessChange = { readonly node: NodeId; readonly alive: boolean };

interface WorkerRecord {
  lastBeaconReceivedMs: number;
  alive: boolean;
}

export class MasterLiveness {
  private readonly options: FailureDetectorOptions;
  private readonly workers = new Map<NodeId, WorkerRecord>();
  private lastNowMs = Number.NEGATIVE_INFINITY;

  constructor(options: FailureDetectorOptions) {
    checkFailureDetectorOptions(options);
    this.options = options;
  }

  /**
   * A node the meta server knows from stored configurations but has not heard from since it
   * started: treated as alive for one grace period from `nowMs`. Counting it alive longer than
   * necessary is safe; counting it dead too early is not.
   */
  register(nowMs: number, node: NodeId): void {
    this.observe(nowMs);
    if (this.workers.has(node)) return;
    assert(this.workers.size < META_NODES_MAX, 'too many replica servers');
    this.workers.set(node, { lastBeaconReceivedMs: nowMs, alive: true });
  }

  /**
   * A beacon from `node` arrived. Returns whether to acknowledge it (false once META_NODES_MAX
   * nodes are known) and the liveness change it causes, if any.
   */
  onBeacon(nowMs: number, node: NodeId): { allowed: boolean; change: LivenessChange | undefined } {
    this.observe(nowMs);
    const record = this.workers.get(node);
    if (record === undefined) {
      if (this.workers.size >= META_NODES_MAX) return { allowed: false, change: undefined };
      this.workers.set(node, { lastBeaconReceivedMs: nowMs, alive: true });
      return { allowed: true, change: { node, alive: true } };
    }
    record.lastBeaconReceivedMs = nowMs;
    if (record.alive) return { allowed: true, change: undefined };
    record.alive = true;
    return { allowed: true, change: { node, alive: true } };
  }

  /** Declares dead every node whose last beacon is more than graceMs old. */
  tick(nowMs: number): LivenessChange[] {
    this.observe(nowMs);
    const changes: LivenessChange[] = [];
    for (const [node, record] of this.workers) {
      if (record.alive && nowMs - record.lastBeaconReceivedMs > this.options.graceMs) {
        record.alive = false;
        changes.push({ node, alive: false });
      }
    }
    return changes;
  }

  isAlive(node: NodeId): boolean {
    return this.workers.get(node)?.alive === true;
  }

  /** Every node ever seen, alive or not, in a stable order. */
  nodes(): NodeId[] {
    return [...this.workers.keys()].sort();
  }

  aliveNodes(): NodeId[] {
    return this.nodes().filter((node) => this.isAlive(node));
  }

  private observe(nowMs: number): void {
    assert(nowMs >= this.lastNowMs, 'meta liveness time went backwards');
    this.lastNowMs = nowMs;
  }
}
