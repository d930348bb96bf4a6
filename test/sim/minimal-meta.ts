// A minimal meta server core for the simulation, used until cluster/meta/core provides the real
// one. It speaks the real core's input and action types (cluster/meta/core/types.ts) and keeps
// the same contract: every change is persisted before it takes effect, a replica's change needs
// ballot = current + 1, a dead primary is removed by the meta server itself, and the guardian
// promotes a secondary, re-adds or adds learners, and removes extras. Swap it out by giving the
// harness another SimMetaCore factory.
import { assert } from '../../common/assert.ts';
import { MasterLiveness } from '../../cluster/meta/core/master-liveness.ts';
import type { MetaOptions } from '../../cluster/meta/core/options.ts';
import { gpidKey } from '../../cluster/meta/core/types.ts';
import type { ConfigChangeKind, ConfigUpdateInput, Gpid, MetaAction, MetaInput, NodeId, PartitionConfiguration } from '../../cluster/meta/core/types.ts';
import { emptyConfiguration } from '../../cluster/replication/configuration.ts';

/** What the harness needs from a meta core: the step function and a view of configurations for routing. */
export interface SimMetaCore {
  step(input: MetaInput): MetaAction[];
  configurations(): readonly PartitionConfiguration[];
  /** Why the guardian is waiting or stuck on a partition; empty when it is not. */
  diagnose?(gpid: Gpid): string;
}

/** How the harness makes a meta core: the store entries of a new table, and a core rebuilt from the store. */
export interface SimMetaCoreFactory {
  readonly name: string;
  seedTable(table: { appId: number; name: string; partitionCount: number; maxReplicaCount: number }): [key: string, value: string][];
  recover(args: { options: MetaOptions; stored: ReadonlyMap<string, string>; nowMs: number }): { core: SimMetaCore; actions: MetaAction[] };
}

export function encodeConfiguration(config: PartitionConfiguration): string {
  return JSON.stringify(config, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value));
}

export function decodeConfiguration(text: string): PartitionConfiguration {
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' && /^-?\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value)) as PartitionConfiguration;
}

export function partitionStoreKey(config: Pick<PartitionConfiguration, 'gpid'>): string {
  return `apps/${config.gpid.appId}/${config.gpid.partitionIndex}`;
}

interface PendingChange {
  readonly config: PartitionConfiguration;
  readonly version: bigint;
  readonly replyTo: NodeId | undefined;
}

const LAST_DROPS_MAX = 3;

export class MinimalMetaCore implements SimMetaCore {
  private readonly configs = new Map<string, PartitionConfiguration>();
  private readonly pending = new Map<string, PendingChange>();
  private readonly lastProposal = new Map<string, { key: string; sentMs: number }>();
  private readonly droppedAtMs = new Map<string, number>();
  private readonly liveness: MasterLiveness;
  private version = 0n;
  private lastCureMs: number;

  constructor(private readonly options: MetaOptions, stored: ReadonlyMap<string, string>, nowMs: number) {
    this.liveness = new MasterLiveness(options.failureDetector);
    for (const [key, value] of [...stored].sort(([a], [b]) => a.localeCompare(b))) {
      if (!/^apps\/\d+\/\d+$/.test(key)) continue;
      const config = decodeConfiguration(value);
      this.configs.set(gpidKey(config.gpid), config);
      for (const node of members(config)) this.liveness.register(nowMs, node);
    }
    this.lastCureMs = nowMs;
  }

  static factory: SimMetaCoreFactory = {
    name: 'minimal',
    seedTable: (table) =>
      Array.from({ length: table.partitionCount }, (_, partitionIndex): [string, string] => {
        const config = emptyConfiguration({ appId: table.appId, partitionIndex }, table.maxReplicaCount);
        return [partitionStoreKey(config), encodeConfiguration(config)];
      }),
    recover: ({ options, stored, nowMs }) => ({ core: new MinimalMetaCore(options, stored, nowMs), actions: [] }),
  };

  configurations(): readonly PartitionConfiguration[] {
    return [...this.configs.values()];
  }

  step(input: MetaInput): MetaAction[] {
    const actions: MetaAction[] = [];
    switch (input.kind) {
      case 'tick':
        for (const change of this.liveness.tick(input.nowMs)) actions.push({ kind: 'node_state', node: change.node, alive: change.alive });
        if (input.nowMs - this.lastCureMs >= this.options.cureIntervalMs || actions.length > 0) this.cureAll(input.nowMs, actions);
        return actions;
      case 'beacon': {
        const { allowed, change } = this.liveness.onBeacon(input.nowMs, input.from);
        actions.push({ kind: 'beacon_ack', to: input.from, sentMs: input.sentMs, allowed });
        if (change !== undefined) {
          actions.push({ kind: 'node_state', node: change.node, alive: change.alive });
          this.cureAll(input.nowMs, actions);
        }
        return actions;
      }
      case 'config_update':
        this.onConfigUpdate(input, actions);
        return actions;
      case 'persisted':
        this.onPersisted(input.key, input.version, input.nowMs, actions);
        return actions;
      case 'replica_reports':
        if (input.configSync) {
          const configs = this.configurations().filter((config) => members(config).includes(input.from) || config.lastDrops.includes(input.from));
          actions.push({ kind: 'config_sync_reply', to: input.from, configs, garbage: [] });
        }
        return actions;
      case 'create_table':
        actions.push({ kind: 'create_table_reply', requestId: input.requestId, error: 'ERR_INVALID_PARAMETERS', reason: 'the simulation creates its table in the store', appId: 0 });
        return actions;
      case 'drop_table':
      case 'recall_table':
        return actions;
      case 'set_level':
        return actions;
      default: {
        const unknown: never = input;
        throw new Error(`unknown meta input ${JSON.stringify(unknown)}`);
      }
    }
  }

  private onConfigUpdate(input: ConfigUpdateInput, actions: MetaAction[]): void {
    const key = gpidKey(input.config.gpid);
    const current = this.configs.get(key);
    const reply = (error: 'ERR_OK' | 'ERR_INVALID_VERSION' | 'ERR_BUSY' | 'ERR_OBJECT_NOT_FOUND', reason: string): void => {
      actions.push({ kind: 'config_update_reply', to: input.from, gpid: input.config.gpid, error, retriable: error === 'ERR_BUSY', reason, config: current });
    };
    if (current === undefined) return reply('ERR_OBJECT_NOT_FOUND', `no partition ${key}`);
    if (sameMembers(current, input.config) && current.ballot === input.config.ballot) return reply('ERR_OK', '');
    if (input.config.ballot !== current.ballot + 1n) return reply('ERR_INVALID_VERSION', `ballot ${input.config.ballot} is not ${current.ballot} + 1`);
    if (this.pending.has(key)) return reply('ERR_BUSY', 'another change is being persisted');
    const config = withDrops(current, { ...input.config, lastDrops: current.lastDrops });
    this.persist(config, input.from, actions);
  }

  private persist(config: PartitionConfiguration, replyTo: NodeId | undefined, actions: MetaAction[]): void {
    const key = gpidKey(config.gpid);
    assert(!this.pending.has(key), `one change at a time for ${key}`);
    const version = ++this.version;
    this.pending.set(key, { config, version, replyTo });
    actions.push({ kind: 'persist', key: partitionStoreKey(config), value: encodeConfiguration(config), version });
  }

  private onPersisted(storeKey: string, version: bigint, nowMs: number, actions: MetaAction[]): void {
    const entry = [...this.pending].find(([, change]) => change.version === version && partitionStoreKey(change.config) === storeKey);
    if (entry === undefined) return;
    const [key, change] = entry;
    this.pending.delete(key);
    const previous = this.configs.get(key);
    this.configs.set(key, change.config);
    this.lastProposal.delete(key);
    for (const node of previous === undefined ? [] : members(previous)) {
      if (!members(change.config).includes(node)) this.droppedAtMs.set(`${key}/${node}`, nowMs);
    }
    if (change.replyTo !== undefined) {
      actions.push({ kind: 'config_update_reply', to: change.replyTo, gpid: change.config.gpid, error: 'ERR_OK', retriable: false, reason: '', config: change.config });
    }
    const notify = new Set([...(previous === undefined ? [] : members(previous)), ...members(change.config)]);
    for (const node of [...notify].sort()) actions.push({ kind: 'notify_config', to: node, config: change.config });
    this.cure(change.config, nowMs, actions);
  }

  private cureAll(nowMs: number, actions: MetaAction[]): void {
    this.lastCureMs = nowMs;
    for (const key of [...this.configs.keys()].sort()) this.cure(this.configs.get(key) as PartitionConfiguration, nowMs, actions);
  }

  private cure(config: PartitionConfiguration, nowMs: number, actions: MetaAction[]): void {
    const key = gpidKey(config.gpid);
    if (this.pending.has(key)) return;
    const alive = (node: NodeId): boolean => this.liveness.isAlive(node);
    const propose = (to: NodeId, change: ConfigChangeKind, node: NodeId): void => {
      const proposalKey = `${change}/${node}/${config.ballot}`;
      const last = this.lastProposal.get(key);
      if (last !== undefined && last.key === proposalKey && nowMs - last.sentMs < this.options.proposalResendMs) return;
      this.lastProposal.set(key, { key: proposalKey, sentMs: nowMs });
      actions.push({ kind: 'proposal', to, change, node, config });
    };
    if (config.primary !== '' && !alive(config.primary)) {
      // The primary's lease has run out by now (grace > lease): the meta server removes it itself.
      const next = withDrops(config, { ...config, ballot: config.ballot + 1n, primary: '' });
      this.persist(next, undefined, actions);
      return;
    }
    if (config.primary === '') {
      const candidates = config.secondaries.filter(alive);
      if (candidates.length > 0) return propose(this.fewestPrimaries(candidates), 'upgrade_to_primary', this.fewestPrimaries(candidates));
      if (config.secondaries.length > 0) return;
      const lastDrop = config.lastDrops.at(-1);
      if (lastDrop === undefined) {
        const aliveNodes = this.liveness.aliveNodes();
        if (aliveNodes.length > 0) propose(this.fewestPrimaries(aliveNodes), 'assign_primary', this.fewestPrimaries(aliveNodes));
        return;
      }
      // Every member was lost: only the most recently dropped one is known to hold every committed decree.
      if (alive(lastDrop)) propose(lastDrop, 'assign_primary', lastDrop);
      return;
    }
    const deadSecondary = config.secondaries.find((node) => !alive(node));
    if (deadSecondary !== undefined) return propose(config.primary, 'downgrade_to_inactive', deadSecondary);
    const memberCount = config.secondaries.length + 1;
    if (memberCount > config.maxReplicaCount) {
      return propose(config.primary, 'remove', this.mostPartitions(config.secondaries));
    }
    if (memberCount < config.maxReplicaCount) {
      const learner = this.chooseLearner(config, nowMs);
      if (learner !== undefined) propose(config.primary, 'add_secondary', learner);
    }
  }

  private chooseLearner(config: PartitionConfiguration, nowMs: number): NodeId | undefined {
    const key = gpidKey(config.gpid);
    const current = members(config);
    const lastDrop = config.lastDrops.at(-1);
    if (lastDrop !== undefined && !current.includes(lastDrop)) {
      if (this.liveness.isAlive(lastDrop)) return lastDrop;
      const droppedAt = this.droppedAtMs.get(`${key}/${lastDrop}`) ?? Number.NEGATIVE_INFINITY;
      if (nowMs - droppedAt < this.options.assignDelayMsForDropouts) return undefined;
    }
    for (const node of [...config.lastDrops].reverse()) if (!current.includes(node) && this.liveness.isAlive(node)) return node;
    const others = this.liveness.aliveNodes().filter((node) => !current.includes(node));
    return others.length === 0 ? undefined : this.fewestPartitions(others);
  }

  private count(node: NodeId, primariesOnly: boolean): number {
    let n = 0;
    for (const config of this.configs.values()) {
      if (config.primary === node || (!primariesOnly && config.secondaries.includes(node))) n++;
    }
    return n;
  }

  private fewestPrimaries(nodes: readonly NodeId[]): NodeId {
    return [...nodes].sort((a, b) => this.count(a, true) - this.count(b, true) || a.localeCompare(b))[0] as NodeId;
  }
  private fewestPartitions(nodes: readonly NodeId[]): NodeId {
    return [...nodes].sort((a, b) => this.count(a, false) - this.count(b, false) || a.localeCompare(b))[0] as NodeId;
  }
  private mostPartitions(nodes: readonly NodeId[]): NodeId {
    return [...nodes].sort((a, b) => this.count(b, false) - this.count(a, false) || a.localeCompare(b))[0] as NodeId;
  }
}

export function members(config: PartitionConfiguration): NodeId[] {
  return config.primary === '' ? [...config.secondaries] : [config.primary, ...config.secondaries];
}

function sameMembers(a: PartitionConfiguration, b: PartitionConfiguration): boolean {
  return a.primary === b.primary && [...a.secondaries].sort().join() === [...b.secondaries].sort().join();
}

/** Appends members that `next` no longer has to its last_drops (newest last, capped). */
function withDrops(previous: PartitionConfiguration, next: PartitionConfiguration): PartitionConfiguration {
  const kept = members(next);
  let drops = next.lastDrops.filter((node) => !kept.includes(node));
  for (const node of members(previous)) {
    if (!kept.includes(node)) drops = [...drops.filter((d) => d !== node), node];
  }
  return { ...next, lastDrops: drops.slice(-LAST_DROPS_MAX) };
}
