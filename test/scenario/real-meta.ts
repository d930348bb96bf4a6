// The real meta core (cluster/meta/core) wired into the scenario driver: a store that survives
// restarts, persist writes that the script may hold, beacons from every live node, and the meta
// core's actions turned into the replication core's messages (cluster/meta/README.md, mapping).
import { DEFAULT_META_OPTIONS, MetaCore, replicationErrorOf, type MetaAction, type MetaOptions, type PersistAction } from '../../cluster/meta/core/index.ts';
import type { ConfigChangeRequest, NodeId } from '../../cluster/replication/configuration.ts';
import { describeConfig, type Driver, type MetaPort } from './driver.ts';

export const SCENARIO_META_OPTIONS: MetaOptions = {
  ...DEFAULT_META_OPTIONS,
  failureDetector: { beaconIntervalMs: 100, checkIntervalMs: 100, leaseMs: 1_000, graceMs: 1_200 },
  cureIntervalMs: 500,
  proposalResendMs: 1_000,
  lostReplicaCandidates: 1,
};

export class RealMeta implements MetaPort {
  nowMs = 0;
  /** Store writes complete at once unless held. */
  persistHeld = false;
  private core: MetaCore | undefined;
  private readonly store = new Map<string, string>();
  private readonly pendingWrites: PersistAction[] = [];

  constructor(
    private readonly driver: Driver,
    private readonly nodes: readonly NodeId[],
    private readonly options: MetaOptions = SCENARIO_META_OPTIONS,
  ) {
    this.core = MetaCore.create(options, this.nowMs);
    driver.metaPort = this;
  }

  get up(): boolean {
    return this.core !== undefined;
  }

  createTable(name: string): void {
    this.perform(this.step({ kind: 'create_table', nowMs: this.nowMs, requestId: 1, name, partitionCount: 1, maxReplicaCount: 3 }));
  }

  /** Time passes: beacons from every live node, then the meta core's tick. */
  advance(ms: number): void {
    this.nowMs += ms;
    if (this.core === undefined) return;
    for (const node of this.nodes) {
      if (!this.driver.isUp(node) || this.driver.metaCut.has(node)) continue;
      this.perform(this.step({ kind: 'beacon', nowMs: this.nowMs, from: node, sentMs: this.nowMs }));
    }
    this.perform(this.step({ kind: 'tick', nowMs: this.nowMs }));
  }

  request(from: NodeId, request: ConfigChangeRequest): void {
    if (this.core === undefined) {
      this.driver.trace.push(`meta is down: ${from}'s ${request.kind} is lost`);
      return;
    }
    this.perform(this.step({ kind: 'config_update', nowMs: this.nowMs, from, change: request.kind, node: request.node, config: request.config }));
  }

  /** Completes held store writes. */
  completeWrites(): void {
    for (let write = this.pendingWrites.shift(); write !== undefined; write = this.pendingWrites.shift()) this.completeWrite(write);
  }

  /** The meta server crashes; held store writes land on disk or are lost, as told. */
  crash(how: { heldWritesLand: boolean }): void {
    for (const write of this.pendingWrites.splice(0)) {
      if (how.heldWritesLand) this.store.set(write.key, write.value);
    }
    this.core = undefined;
    this.driver.trace.push(`meta crashes (held store writes ${how.heldWritesLand ? 'landed' : 'lost'})`);
  }

  /** A meta server starts from the store (leader election is instant here). */
  restart(): void {
    const { core, actions } = MetaCore.recover(this.options, this.nowMs, this.store.entries());
    this.core = core;
    const configs = core.configurations().map((c) => `b${c.ballot} ${describeConfig(c)}`).join(', ');
    this.driver.trace.push(`meta restarts from its store: ${configs}`);
    this.perform(actions);
  }

  private step(input: Parameters<MetaCore['step']>[0]): MetaAction[] {
    const core = this.core;
    return core === undefined ? [] : core.step(input);
  }

  private completeWrite(write: PersistAction): void {
    this.store.set(write.key, write.value);
    this.perform(this.step({ kind: 'persisted', nowMs: this.nowMs, key: write.key, version: write.version }));
  }

  private perform(actions: readonly MetaAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'persist':
          if (action.key.includes('/')) this.driver.trace.push(`meta writes ${action.key} to its store${this.persistHeld ? ' (held)' : ''}`);
          if (this.persistHeld) this.pendingWrites.push(action);
          else this.completeWrite(action);
          break;
        case 'config_update_reply':
          if (action.config === undefined) break;
          if (action.error !== 'ERR_OK') this.driver.trace.push(`meta refuses ${action.to}: ${action.error}`);
          this.driver.fromMeta(action.to, { kind: 'config_change_reply', error: replicationErrorOf(action.error), config: action.config });
          break;
        case 'notify_config':
          this.driver.fromMeta(action.to, { kind: 'config_sync', config: action.config });
          break;
        case 'config_sync_reply':
          for (const config of action.configs) this.driver.fromMeta(action.to, { kind: 'config_sync', config });
          break;
        case 'proposal':
          this.driver.trace.push(`meta->${action.to} proposal ${action.change} ${action.node} (b${action.config.ballot})`);
          this.driver.fromMeta(action.to, { kind: 'config_proposal', type: action.change, node: action.node, config: action.config });
          break;
        case 'query_replicas': {
          const replicas = this.driver.reports(action.to).map((r) => ({
            gpid: r.gpid, ballot: r.ballot, lastCommittedDecree: r.committedDecree, lastPreparedDecree: r.preparedDecree,
          }));
          this.perform(this.step({ kind: 'replica_reports', nowMs: this.nowMs, from: action.to, replicas, configSync: false }));
          break;
        }
        case 'beacon_ack':
        case 'create_table_reply':
        case 'drop_table_reply':
        case 'recall_table_reply':
        case 'node_state':
          break;
      }
    }
  }
}
