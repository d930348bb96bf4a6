// The meta server's decisions as one synchronous state machine: MetaCore.step(input) returns the
// actions the shell must perform. Rules for the shell are in cluster/meta/README.md. In short:
// perform `persist` and feed back `persisted`; nothing that depends on a write (replies,
// notifications, the applied configuration) happens before that.
import { assert, assertNever } from '../../../common/assert.ts';
import { META_BALANCE_MOVES_PER_ROUND_MAX, META_PROPOSALS_PER_CURE_MAX, META_REPLICA_REPORTS_PER_MESSAGE_MAX } from '../../../common/limits.ts';
import { planPrimaryMoves } from './balancer.ts';
import { decodeEntry, encodePartition, partitionKey } from './codec.ts';
import { applyChange, isMember, judgeRequest, members } from './config-change.ts';
import { cure, type ClusterView, type GuardianDecision } from './guardian.ts';
import { effectiveLevel, levelAllows } from './levels.ts';
import { MasterLiveness } from './master-liveness.ts';
import { checkMetaOptions, type MetaOptions } from './options.ts';
import { NEW_PARTITION_VERSION, TableCatalog, type TableRoute } from './table-catalog.ts';
import {
  META_ERROR_RETRIABLE,
  gpidKey,
  type ConfigChangeKind,
  type ConfigUpdateInput,
  type Gpid,
  type MetaAction,
  type MetaErrorCode,
  type MetaInput,
  type MetaLevel,
  type NodeId,
  type PartitionConfiguration,
  type ReplicaReport,
  type ReplicaReportsInput,
  type TableInfo,
} from './types.ts';

/** A change written to the store but not yet in effect. */
interface PendingChange {
  readonly next: PartitionConfiguration;
  readonly change: ConfigChangeKind;
  readonly node: NodeId;
  /** The replica that asked, answered once persisted; undefined for the meta server's own changes. */
  readonly requester: NodeId | undefined;
}

interface OutstandingProposal {
  readonly to: NodeId;
  readonly change: ConfigChangeKind;
  readonly node: NodeId;
  readonly ballot: bigint;
  readonly sentAtMs: number;
  /** When this same proposal was first sent; it is kept over newer choices for a while. */
  readonly firstSentAtMs: number;
}

interface PartitionState {
  config: PartitionConfiguration;
  pending: PendingChange | undefined;
  proposal: OutstandingProposal | undefined;
  lastDropAtMs: number | undefined;
  plannedPrimary: NodeId | undefined;
  /** When each node was last asked for its replica state (all-replicas-lost choice). */
  readonly queriedAtMs: Map<NodeId, number>;
  /** Why the guardian is waiting or stuck; empty when healthy or acting. */
  diagnosis: string;
}

export interface PartitionStatus {
  readonly config: PartitionConfiguration;
  readonly pending: boolean;
  readonly proposal: { readonly to: NodeId; readonly change: ConfigChangeKind; readonly node: NodeId } | undefined;
  readonly diagnosis: string;
}

export class MetaCore {
  private options: MetaOptions;
  private readonly liveness: MasterLiveness;
  private level: MetaLevel;
  private readonly catalog = new TableCatalog();
  private readonly partitions = new Map<string, PartitionState>();
  /** Per node, per gpid: its latest report ('none' when it said it holds no such replica). */
  private readonly reports = new Map<NodeId, Map<string, ReplicaReport | 'none'>>();
  /** Nodes that sent a full config sync since they last came alive: an unreported gpid means 'none'. */
  private readonly fullySynced = new Set<NodeId>();
  private lastCureMs: number;
  private lastNowMs: number;

  private constructor(options: MetaOptions, nowMs: number) {
    checkMetaOptions(options);
    this.options = options;
    this.liveness = new MasterLiveness(options.failureDetector);
    this.level = options.levelOnStart;
    this.lastCureMs = nowMs;
    this.lastNowMs = nowMs;
  }

  /** A meta core for an empty store. */
  static create(options: MetaOptions, nowMs: number): MetaCore {
    return new MetaCore(options, nowMs);
  }

  /**
   * A meta core rebuilt from every entry of the store (after a restart or on becoming leader),
   * and the actions that finish interrupted table creations. Nodes named in configurations get
   * one grace period to beacon; pending changes that were never persisted are simply gone.
   */
  static recover(options: MetaOptions, nowMs: number, entries: Iterable<readonly [key: string, value: string]>): { core: MetaCore; actions: MetaAction[] } {
    const core = new MetaCore(options, nowMs);
    for (const [key, value] of entries) {
      const entry = decodeEntry(key, value);
      if (entry.kind === 'table') {
        core.catalog.restore(entry.table);
      } else {
        const { config } = entry;
        core.partitions.set(gpidKey(config.gpid), newPartitionState(config, config.lastDrops.length > 0 ? nowMs : undefined));
        for (const node of [...members(config), ...config.lastDrops]) core.liveness.register(nowMs, node);
      }
    }
    const actions = core.catalog.resume((gpid) => core.partitions.has(gpidKey(gpid)));
    return { core, actions };
  }

  step(input: MetaInput): MetaAction[] {
    assert(input.nowMs >= this.lastNowMs, 'meta core time went backwards');
    this.lastNowMs = input.nowMs;
    switch (input.kind) {
      case 'tick':
        if (input.wallMs !== undefined) this.catalog.expire(input.wallMs);
        return this.onTick(input.nowMs);
      case 'beacon':
        return this.onBeacon(input.nowMs, input.from, input.sentMs);
      case 'config_update':
        return this.onConfigUpdate(input);
      case 'persisted':
        return this.onPersisted(input.nowMs, input.key, input.version);
      case 'replica_reports':
        return this.onReplicaReports(input);
      case 'create_table':
        if (!levelAllows(this.level, 'ddl')) {
          return [{ kind: 'create_table_reply', requestId: input.requestId, error: 'ERR_STATE_FREEZED', reason: this.ddlRefusal(input.kind), appId: 0 }];
        }
        return this.catalog.create(input);
      case 'drop_table':
        if (!levelAllows(this.level, 'ddl')) {
          return [{ kind: 'drop_table_reply', requestId: input.requestId, error: 'ERR_STATE_FREEZED', reason: this.ddlRefusal(input.kind), appId: 0 }];
        }
        return this.catalog.drop(input);
      case 'recall_table':
        if (!levelAllows(this.level, 'ddl')) {
          const reason = this.ddlRefusal(input.kind);
          return [{ kind: 'recall_table_reply', requestId: input.requestId, error: 'ERR_STATE_FREEZED', reason, appId: input.appId, name: input.newName ?? '' }];
        }
        return this.catalog.recall(input);
      case 'set_level':
        this.level = input.level;
        if (!levelAllows(input.level, 'balance')) for (const state of this.partitions.values()) state.plannedPrimary = undefined;
        return [];
      default:
        return assertNever(input, 'meta input');
    }
  }

  /**
   * Admin (Pegasus remote command meta.lb.assign_delay_ms): how long to wait for a dropped member
   * to come back before adding another node. Takes effect at the next cure pass.
   */
  setAssignDelayMs(delayMs: number): void {
    const options = { ...this.options, assignDelayMsForDropouts: delayMs };
    checkMetaOptions(options);
    this.options = options;
  }

  /**
   * Table DDL follows the level set by the admin. The automatic freeze while too few replica
   * servers are alive holds back cure and replica changes, not DDL: a table can be created before
   * its replica servers start (its partitions wait for a primary).
   */
  private ddlRefusal(kind: string): string {
    return `meta level ${this.level} refuses ${kind}`;
  }

  // --- queries (no state change) ---------------------------------------------------------------

  /** Every table, dropped ones included, by app id. */
  tables(): TableInfo[] {
    return this.catalog.all();
  }

  tableById(appId: number): TableInfo | undefined {
    return this.catalog.get(appId);
  }

  /** Whether a dropped table is past its reserve time (its replicas are garbage). */
  isExpired(appId: number): boolean {
    return this.catalog.isExpired(appId);
  }

  /**
   * The answer to a routing query (Pegasus query_cfg): the table's configurations in partition
   * order when available, otherwise why not (not found, being created or recalled, being dropped).
   */
  route(name: string): TableRoute & { readonly configs: PartitionConfiguration[] } {
    const route = this.catalog.route(name);
    return { ...route, configs: route.error === 'ERR_OK' ? this.partitionsOf(route.table) : [] };
  }

  /** A table's configurations in partition order (empty while its partitions are being created). */
  partitionsOf(table: TableInfo): PartitionConfiguration[] {
    const configs: PartitionConfiguration[] = [];
    for (let index = 0; index < table.partitionCount; index++) {
      const config = this.config({ appId: table.appId, partitionIndex: index });
      if (config !== undefined) configs.push(config);
    }
    return configs;
  }

  /** The configuration in effect: persisted and applied. */
  config(gpid: Gpid): PartitionConfiguration | undefined {
    return this.partitions.get(gpidKey(gpid))?.config;
  }

  /** Every partition's configuration in effect. */
  configurations(): PartitionConfiguration[] {
    return [...this.partitions.values()].map((state) => state.config);
  }

  /** The table holding `name` that is not dropped. */
  table(name: string): TableInfo | undefined {
    return this.catalog.byName(name);
  }

  /** A table's configurations in partition order, for routing queries; undefined unless available. */
  tableConfigs(name: string): PartitionConfiguration[] | undefined {
    const table = this.table(name);
    if (table === undefined || table.status !== 'available') return undefined;
    return Array.from({ length: table.partitionCount }, (_, index) => this.config({ appId: table.appId, partitionIndex: index })!);
  }

  status(gpid: Gpid): PartitionStatus | undefined {
    const state = this.partitions.get(gpidKey(gpid));
    if (state === undefined) return undefined;
    const proposal = state.proposal && { to: state.proposal.to, change: state.proposal.change, node: state.proposal.node };
    return { config: state.config, pending: state.pending !== undefined, proposal, diagnosis: state.diagnosis };
  }

  isAlive(node: NodeId): boolean {
    return this.liveness.isAlive(node);
  }

  /** Every replica server the meta server knows, alive or dead. */
  nodes(): { readonly node: NodeId; readonly alive: boolean }[] {
    return this.liveness.nodes().map((node) => ({ node, alive: this.liveness.isAlive(node) }));
  }

  /** The level set by the admin (or at start); levelInEffect() may be lower. */
  configuredLevel(): MetaLevel {
    return this.level;
  }

  levelInEffect(): MetaLevel {
    return effectiveLevel({
      level: this.level,
      aliveCount: this.liveness.aliveNodes().length,
      knownCount: this.liveness.nodes().length,
      options: this.options,
    });
  }

  // --- inputs ----------------------------------------------------------------------------------

  private onTick(nowMs: number): MetaAction[] {
    const actions: MetaAction[] = [];
    const changes = this.liveness.tick(nowMs);
    for (const change of changes) {
      actions.push({ kind: 'node_state', node: change.node, alive: false });
      this.reports.delete(change.node);
      this.fullySynced.delete(change.node);
    }
    if (changes.length > 0 || nowMs - this.lastCureMs >= this.options.cureIntervalMs) {
      this.lastCureMs = nowMs;
      actions.push(...this.cureAll(nowMs));
    }
    return actions;
  }

  private onBeacon(nowMs: number, from: NodeId, sentMs: number): MetaAction[] {
    const { allowed, change } = this.liveness.onBeacon(nowMs, from);
    const actions: MetaAction[] = [{ kind: 'beacon_ack', to: from, sentMs, allowed }];
    if (change !== undefined) {
      actions.push({ kind: 'node_state', node: change.node, alive: change.alive });
      actions.push(...this.cureAll(nowMs));
    }
    return actions;
  }

  private onConfigUpdate(input: ConfigUpdateInput): MetaAction[] {
    const { from, config: proposed } = input;
    const state = this.partitions.get(gpidKey(proposed.gpid));
    const reply = (error: MetaErrorCode, reason: string, config: PartitionConfiguration | undefined): MetaAction[] => [
      { kind: 'config_update_reply', to: from, gpid: proposed.gpid, error, retriable: META_ERROR_RETRIABLE[error], reason, config },
    ];
    if (state === undefined) return reply('ERR_OBJECT_NOT_FOUND', `partition ${gpidKey(proposed.gpid)} does not exist`, undefined);
    if (!this.catalog.isServed(proposed.gpid.appId)) {
      return reply('ERR_OBJECT_NOT_FOUND', `table ${proposed.gpid.appId} is ${this.catalog.get(proposed.gpid.appId)?.status ?? 'unknown'}`, undefined);
    }
    const current = state.config;
    const verdict = judgeRequest({ current, from, change: input.change, node: input.node, proposed });
    if (verdict.ok === 'already_applied') return reply('ERR_OK', '', current);
    if (!levelAllows(this.levelInEffect(), 'replica_changes')) {
      return reply('ERR_STATE_FREEZED', `meta level ${this.levelInEffect()} accepts no configuration change`, current);
    }
    if (!this.liveness.isAlive(from)) return reply('ERR_INVALID_STATE', `${from} is not alive for the meta server`, current);
    if (state.pending !== undefined) return reply('ERR_BUSY', `ballot ${state.pending.next.ballot} is being persisted`, current);
    if (!verdict.ok) return reply(verdict.error, verdict.reason, current);
    if (input.change === 'assign_primary') {
      // Which replica may become primary of an empty group is the meta server's choice alone.
      const p = state.proposal;
      if (p === undefined || p.change !== 'assign_primary' || p.node !== input.node || p.ballot !== current.ballot) {
        return reply('ERR_INVALID_STATE', `assign_primary of ${input.node} was not proposed by the meta server`, current);
      }
    }
    return this.startChange(state, { next: verdict.next, change: input.change, node: input.node, requester: from });
  }

  private onPersisted(nowMs: number, key: string, version: bigint): MetaAction[] {
    const parts = key.split('/');
    if (parts.length === 2) {
      const { actions, available, dropped } = this.catalog.onTablePersisted(Number(parts[1]), version);
      // Members learn at once that they must stop serving, or may serve again (the shell sends
      // the table's status with every message), rather than at their next config sync.
      if (dropped !== undefined) actions.push(...this.notifyMembers(dropped));
      if (available !== undefined) actions.push(...this.notifyMembers(available), ...this.cureAll(nowMs));
      return actions;
    }
    assert(parts.length === 3, `persisted an unknown key ${key}`);
    const gpid = { appId: Number(parts[1]), partitionIndex: Number(parts[2]) };
    if (version === NEW_PARTITION_VERSION && this.catalog.isCreating(gpid.appId)) {
      const { config, actions } = this.catalog.onPartitionPersisted(gpid);
      if (config !== undefined) this.partitions.set(gpidKey(gpid), newPartitionState(config, undefined));
      return actions;
    }
    const state = this.partitions.get(gpidKey(gpid));
    // A duplicate or late completion of an older write changes nothing.
    if (state?.pending === undefined || state.pending.next.ballot !== version) return [];
    return this.applyPending(nowMs, state);
  }

  private onReplicaReports(input: ReplicaReportsInput): MetaAction[] {
    if (!this.liveness.isAlive(input.from)) return [];
    const replicas = input.replicas.slice(0, META_REPLICA_REPORTS_PER_MESSAGE_MAX);
    let known = this.reports.get(input.from);
    if (known === undefined) {
      known = new Map();
      this.reports.set(input.from, known);
    }
    if (input.configSync) {
      // A full report: it holds exactly the replicas it mentions.
      known.clear();
      this.fullySynced.add(input.from);
    }
    const garbage: Gpid[] = [];
    for (const replica of replicas) {
      if (this.catalog.isGarbage(replica.gpid.appId)) garbage.push(replica.gpid);
      else known.set(gpidKey(replica.gpid), replica);
    }
    for (const gpid of (input.absent ?? []).slice(0, META_REPLICA_REPORTS_PER_MESSAGE_MAX)) known.set(gpidKey(gpid), 'none');
    const actions: MetaAction[] = [];
    if (input.configSync) {
      // Also the partitions it was dropped from: it learns it is no longer a member, and keeps
      // the data (it may be needed if every member is lost); only `garbage` may be deleted.
      const configs = this.configurations().filter((config) => isMember(config, input.from) || config.lastDrops.includes(input.from));
      actions.push({ kind: 'config_sync_reply', to: input.from, configs, garbage });
    }
    actions.push(...this.cureAll(input.nowMs));
    return actions;
  }

  private notifyMembers(table: TableInfo): MetaAction[] {
    const actions: MetaAction[] = [];
    for (const config of this.partitionsOf(table)) {
      for (const node of members(config)) actions.push({ kind: 'notify_config', to: node, config });
    }
    return actions;
  }

  // --- changes: persist, then apply and notify ---------------------------------------------------

  private startChange(state: PartitionState, pending: PendingChange): MetaAction[] {
    assert(state.pending === undefined, 'one change at a time per partition');
    assert(pending.next.ballot === state.config.ballot + 1n, 'a change raises the ballot by exactly one');
    assert(pending.next.primary === '' || !pending.next.secondaries.includes(pending.next.primary), 'a primary is never its own secondary');
    state.pending = pending;
    return [{ kind: 'persist', key: partitionKey(pending.next.gpid), value: encodePartition(pending.next), version: pending.next.ballot }];
  }

  private applyPending(nowMs: number, state: PartitionState): MetaAction[] {
    const pending = state.pending;
    assert(pending !== undefined, 'applying needs a pending change');
    const previous = state.config;
    assert(pending.next.ballot === previous.ballot + 1n, 'ballots never decrease or skip');
    state.config = pending.next;
    state.pending = undefined;
    state.proposal = undefined;
    state.diagnosis = '';
    state.queriedAtMs.clear();
    if (pending.change === 'downgrade_to_inactive' || pending.change === 'remove') state.lastDropAtMs = nowMs;
    if (state.config.primary !== '') state.plannedPrimary = undefined;
    const actions: MetaAction[] = [];
    if (pending.requester !== undefined) {
      actions.push({ kind: 'config_update_reply', to: pending.requester, gpid: state.config.gpid, error: 'ERR_OK', retriable: false, reason: '', config: state.config });
    }
    const told = new Set<NodeId>(pending.requester === undefined ? [] : [pending.requester]);
    for (const node of [...members(previous), ...members(state.config)]) {
      if (told.has(node)) continue;
      told.add(node);
      actions.push({ kind: 'notify_config', to: node, config: state.config });
    }
    actions.push(...this.curePartition(nowMs, state, this.clusterView(), this.levelInEffect()));
    return actions;
  }

  // --- cure and balance --------------------------------------------------------------------------

  private cureAll(nowMs: number): MetaAction[] {
    const actions: MetaAction[] = [];
    const view = this.clusterView();
    const level = this.levelInEffect();
    let proposals = 0;
    for (const state of this.partitions.values()) {
      if (proposals >= META_PROPOSALS_PER_CURE_MAX) break;
      const produced = this.curePartition(nowMs, state, view, level);
      proposals += produced.length;
      actions.push(...produced);
    }
    if (levelAllows(level, 'balance')) actions.push(...this.balance(nowMs));
    return mergeQueries(actions);
  }

  /** One partition: downgrade a dead primary (freezed and up), then the guardian (steady and up). */
  private curePartition(nowMs: number, state: PartitionState, view: CureView, level: MetaLevel): MetaAction[] {
    if (state.pending !== undefined || !this.catalog.isServed(state.config.gpid.appId)) return [];
    const { config } = state;
    if (config.primary !== '' && !this.liveness.isAlive(config.primary)) {
      if (!levelAllows(level, 'dead_primary')) return [];
      const outcome = applyChange(config, 'downgrade_to_inactive', config.primary, config.lastCommittedDecree);
      assert(outcome.ok, 'downgrading a primary always fits');
      return this.startChange(state, { next: outcome.next, change: 'downgrade_to_inactive', node: config.primary, requester: undefined });
    }
    if (!levelAllows(level, 'cure')) return [];
    // The partition's own outstanding proposal must not count against the node it proposed.
    const own = currentProposal(state);
    const cluster: ClusterView = own === undefined ? view.cluster : {
      ...view.cluster,
      primaryCount: (node) => view.cluster.primaryCount(node) - (node === own.node ? proposalWeight(own.change).primaries : 0),
      replicaCount: (node) => view.cluster.replicaCount(node) - (node === own.node ? proposalWeight(own.change).replicas : 0),
    };
    const decision = cure(
      {
        config,
        lastDropAtMs: state.lastDropAtMs,
        plannedPrimary: state.plannedPrimary,
        report: (node) => this.reportOf(node, config.gpid),
      },
      cluster,
      nowMs,
      this.options,
    );
    return this.carryOut(nowMs, state, decision, view);
  }

  private carryOut(nowMs: number, state: PartitionState, decision: GuardianDecision, view: CureView): MetaAction[] {
    if (decision.kind === 'wait' || decision.kind === 'stuck' || decision.kind === 'ask') {
      // Withdraw what was proposed before: an assign_primary chosen on older information must
      // not be accepted any more.
      const withdrawn = currentProposal(state);
      if (withdrawn !== undefined) view.noteProposal(withdrawn.change, withdrawn.node, -1);
      state.proposal = undefined;
    }
    switch (decision.kind) {
      case 'healthy': {
        state.diagnosis = '';
        // A balancer move whose first step was not taken up in time is abandoned.
        const proposal = state.proposal;
        const stale = proposal === undefined || proposal.ballot !== state.config.ballot || nowMs - proposal.sentAtMs >= this.options.proposalResendMs;
        if (state.plannedPrimary !== undefined && stale) {
          state.plannedPrimary = undefined;
          state.proposal = undefined;
        }
        return [];
      }
      case 'wait':
      case 'stuck':
        state.diagnosis = `${decision.kind}: ${decision.reason}`;
        return [];
      case 'ask': {
        state.diagnosis = `wait: ${decision.reason}`;
        const due = decision.nodes.filter((node) => {
          const askedAtMs = state.queriedAtMs.get(node);
          return askedAtMs === undefined || nowMs - askedAtMs >= this.options.proposalResendMs;
        });
        for (const node of due) state.queriedAtMs.set(node, nowMs);
        return due.map((to) => ({ kind: 'query_replicas', to, gpids: [state.config.gpid] }));
      }
      case 'propose': {
        state.diagnosis = '';
        const previous = currentProposal(state);
        // Keep an earlier proposal of the same kind while it still fits, rather than flip to a
        // node that merely looks a little better now (Pegasus re-validates its queued action).
        const keep = previous !== undefined && previous.change === decision.change &&
          nowMs - previous.firstSentAtMs < STICKY_PROPOSAL_RESENDS * this.options.proposalResendMs &&
          this.stillFits(state.config, previous);
        const chosen = keep ? previous : decision;
        const same = previous !== undefined && previous.to === chosen.to && previous.change === chosen.change && previous.node === chosen.node;
        if (same && nowMs - previous.sentAtMs < this.options.proposalResendMs) return [];
        if (!same) {
          if (previous !== undefined) view.noteProposal(previous.change, previous.node, -1);
          view.noteProposal(chosen.change, chosen.node, 1);
        }
        const firstSentAtMs = same ? previous.firstSentAtMs : nowMs;
        state.proposal = { to: chosen.to, change: chosen.change, node: chosen.node, ballot: state.config.ballot, sentAtMs: nowMs, firstSentAtMs };
        return [{ kind: 'proposal', to: chosen.to, change: chosen.change, node: chosen.node, config: state.config }];
      }
      default:
        return assertNever(decision, 'guardian decision');
    }
  }

  /** Lively only, and only when every partition is healthy and quiet. */
  private balance(nowMs: number): MetaAction[] {
    const configs: PartitionConfiguration[] = [];
    for (const state of this.partitions.values()) {
      const config = state.config;
      if (!this.catalog.isServed(config.gpid.appId)) continue;
      const healthy = config.primary !== '' && 1 + config.secondaries.length === config.maxReplicaCount &&
        members(config).every((node) => this.liveness.isAlive(node));
      const quiet = state.pending === undefined && (state.proposal === undefined || state.proposal.ballot !== config.ballot) &&
        state.plannedPrimary === undefined;
      if (!healthy || !quiet) return [];
      configs.push(config);
    }
    const moves = planPrimaryMoves({ configs, aliveNodes: this.liveness.aliveNodes(), movesMax: META_BALANCE_MOVES_PER_ROUND_MAX });
    return moves.map((move) => {
      const state = this.partitions.get(gpidKey(move.config.gpid))!;
      state.plannedPrimary = move.to;
      state.proposal = { to: move.from, change: 'downgrade_to_secondary', node: move.from, ballot: move.config.ballot, sentAtMs: nowMs, firstSentAtMs: nowMs };
      return { kind: 'proposal', to: move.from, change: 'downgrade_to_secondary', node: move.from, config: move.config };
    });
  }

  /** Whether an earlier proposal can still be carried out: both nodes alive and the change legal. */
  private stillFits(config: PartitionConfiguration, proposal: OutstandingProposal): boolean {
    if (!this.liveness.isAlive(proposal.to) || !this.liveness.isAlive(proposal.node)) return false;
    return applyChange(config, proposal.change, proposal.node, config.lastCommittedDecree).ok;
  }

  private reportOf(node: NodeId, gpid: Gpid): ReplicaReport | 'none' | undefined {
    const report = this.reports.get(node)?.get(gpidKey(gpid));
    if (report !== undefined) return report;
    return this.fullySynced.has(node) ? 'none' : undefined;
  }

  /** Primary and replica counts per node, including what is proposed in this pass. */
  private clusterView(): CureView {
    const counts = new Map<NodeId, { primaries: number; replicas: number }>();
    const bump = (node: NodeId, primaries: number, replicas: number) => {
      const entry = counts.get(node) ?? { primaries: 0, replicas: 0 };
      entry.primaries += primaries;
      entry.replicas += replicas;
      counts.set(node, entry);
    };
    for (const state of this.partitions.values()) {
      const config = state.config;
      if (!this.catalog.isServed(config.gpid.appId)) continue;
      if (config.primary !== '') bump(config.primary, 1, 1);
      for (const node of config.secondaries) bump(node, 0, 1);
      const proposal = currentProposal(state);
      if (proposal !== undefined) noteInto(bump, proposal.change, proposal.node, 1);
    }
    const liveness = this.liveness;
    return {
      cluster: {
        isAlive: (node) => liveness.isAlive(node),
        aliveNodes: liveness.aliveNodes(),
        primaryCount: (node) => counts.get(node)?.primaries ?? 0,
        replicaCount: (node) => counts.get(node)?.replicas ?? 0,
      },
      noteProposal: (change, node, sign) => noteInto(bump, change, node, sign),
    };
  }
}

/** How many resend intervals an earlier proposal is kept over a newer choice of the same kind. */
const STICKY_PROPOSAL_RESENDS = 3;

interface CureView {
  readonly cluster: ClusterView;
  /** Counts a proposal made (+1) or withdrawn (-1) during this pass. */
  readonly noteProposal: (change: ConfigChangeKind, node: NodeId, sign: 1 | -1) => void;
}

/** One query_replicas per node instead of one per partition, each within the message limit. */
function mergeQueries(actions: MetaAction[]): MetaAction[] {
  const gpidsByNode = new Map<NodeId, Gpid[]>();
  const others: MetaAction[] = [];
  for (const action of actions) {
    if (action.kind !== 'query_replicas') {
      others.push(action);
      continue;
    }
    const gpids = gpidsByNode.get(action.to) ?? [];
    gpids.push(...action.gpids);
    gpidsByNode.set(action.to, gpids);
  }
  for (const [to, gpids] of gpidsByNode) {
    for (let start = 0; start < gpids.length; start += META_REPLICA_REPORTS_PER_MESSAGE_MAX) {
      others.push({ kind: 'query_replicas', to, gpids: gpids.slice(start, start + META_REPLICA_REPORTS_PER_MESSAGE_MAX) });
    }
  }
  return others;
}

function currentProposal(state: PartitionState): OutstandingProposal | undefined {
  return state.proposal !== undefined && state.proposal.ballot === state.config.ballot ? state.proposal : undefined;
}

/** What a proposal will add to its node once carried out. */
function proposalWeight(change: ConfigChangeKind): { primaries: number; replicas: number } {
  if (change === 'assign_primary') return { primaries: 1, replicas: 1 };
  if (change === 'upgrade_to_primary') return { primaries: 1, replicas: 0 };
  if (change === 'add_secondary') return { primaries: 0, replicas: 1 };
  return { primaries: 0, replicas: 0 };
}

function noteInto(bump: (node: NodeId, primaries: number, replicas: number) => void, change: ConfigChangeKind, node: NodeId, sign: 1 | -1): void {
  const weight = proposalWeight(change);
  bump(node, sign * weight.primaries, sign * weight.replicas);
}

function newPartitionState(config: PartitionConfiguration, lastDropAtMs: number | undefined): PartitionState {
  return { config, pending: undefined, proposal: undefined, lastDropAtMs, plannedPrimary: undefined, queriedAtMs: new Map(), diagnosis: '' };
}
