// A small driver for MetaCore in unit tests: short timings, an in-memory store, beacons, and
// replicas that carry out proposals at once as a well-behaved replica server would.
import { applyChange } from '../../../cluster/meta/core/config-change.ts';
import { seedTableEntries } from '../../../cluster/meta/core/codec.ts';
import { MetaCore } from '../../../cluster/meta/core/meta-core.ts';
import { DEFAULT_META_OPTIONS, type MetaOptions } from '../../../cluster/meta/core/options.ts';
import type { MetaAction, MetaInput, NodeId, PartitionConfiguration, ProposalAction } from '../../../cluster/meta/core/types.ts';

export const testOptions: MetaOptions = {
  ...DEFAULT_META_OPTIONS,
  failureDetector: { beaconIntervalMs: 100, checkIntervalMs: 50, leaseMs: 1000, graceMs: 1200 },
  assignDelayMsForDropouts: 5000,
  cureIntervalMs: 500,
  proposalResendMs: 300,
};

/** An input without its time; the driver adds its own clock. */
export type WithoutTime<T> = T extends unknown ? Omit<T, 'nowMs'> : never;

export const gpid0 = { appId: 1, partitionIndex: 0 };

export class MetaDriver {
  nowMs = 0;
  readonly store = new Map<string, string>();
  /** Every action returned, in order, for assertions on ordering. */
  readonly log: MetaAction[] = [];
  core: MetaCore;

  constructor(args: { nodes: readonly NodeId[]; partitionCount?: number; replicas?: number; options?: MetaOptions }) {
    for (const [key, value] of seedTableEntries({ appId: 1, name: 't', partitionCount: args.partitionCount ?? 1, maxReplicaCount: args.replicas ?? 3 })) {
      this.store.set(key, value);
    }
    this.core = MetaCore.recover(args.options ?? testOptions, 0, this.store).core;
    this.beacon(...args.nodes);
  }

  step(input: WithoutTime<MetaInput>): MetaAction[] {
    const actions = this.core.step({ ...input, nowMs: this.nowMs } as MetaInput);
    this.log.push(...actions);
    return actions;
  }

  beacon(...nodes: NodeId[]): MetaAction[] {
    return nodes.flatMap((from) => this.step({ kind: 'beacon', from, sentMs: this.nowMs }));
  }

  /** Moves time forward while the given nodes keep beaconing; returns everything that happened. */
  advance(ms: number, beaconing: readonly NodeId[]): MetaAction[] {
    const actions: MetaAction[] = [];
    const end = this.nowMs + ms;
    while (this.nowMs < end) {
      this.nowMs = Math.min(end, this.nowMs + 50);
      actions.push(...this.beacon(...beaconing));
      actions.push(...this.step({ kind: 'tick' }));
    }
    return actions;
  }

  /** Completes the given persist actions in the store and returns what the core does next. */
  persist(actions: readonly MetaAction[]): MetaAction[] {
    const next: MetaAction[] = [];
    for (const action of actions) {
      if (action.kind !== 'persist') continue;
      this.store.set(action.key, action.value);
      next.push(...this.step({ kind: 'persisted', key: action.key, version: action.version }));
    }
    return next;
  }

  /** Persists and lets replicas carry out proposals until nothing more happens. */
  settle(actions: readonly MetaAction[], rounds = 20): MetaAction[] {
    const all: MetaAction[] = [...actions];
    let current = [...actions];
    for (let round = 0; round < rounds && current.length > 0; round++) {
      const next = this.persist(current);
      for (const action of current) if (action.kind === 'proposal') next.push(...this.carryOut(action));
      all.push(...next);
      current = next;
    }
    return all;
  }

  /** What a replica does with a proposal: asks for the change (a learner is upgraded at once). */
  carryOut(proposal: ProposalAction): MetaAction[] {
    const change = proposal.change === 'add_secondary' ? 'upgrade_to_secondary' : proposal.change;
    const outcome = applyChange(proposal.config, change, proposal.node, proposal.config.lastCommittedDecree);
    if (!outcome.ok) return [];
    return this.step({ kind: 'config_update', from: proposal.to, change, node: proposal.node, config: outcome.next });
  }

  config(partitionIndex = 0): PartitionConfiguration {
    return this.core.config({ appId: 1, partitionIndex })!;
  }
}

export function only<K extends MetaAction['kind']>(actions: readonly MetaAction[], kind: K): Extract<MetaAction, { kind: K }>[] {
  return actions.filter((action): action is Extract<MetaAction, { kind: K }> => action.kind === kind);
}

/** One readable line per configuration, so expectations compare whole member lists. */
export function describe(config: PartitionConfiguration | undefined): string {
  if (config === undefined) return 'none';
  return `ballot ${config.ballot}: primary ${config.primary || '-'}, secondaries [${config.secondaries.join(', ')}], drops [${config.lastDrops.join(', ')}]`;
}
