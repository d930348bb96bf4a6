// One leadership term of a meta server: the MetaCore rebuilt from the store, its tick timer, the
// writes it asked for and the DDL requests waiting for their answer. The rules of
// cluster/meta/README.md are kept here: each write is retried until it lands, writes of one key in
// order, and `persisted` is stepped only after the store said so. stop() ends the term at once:
// the core is dropped, timers cleared, writes still being retried abandoned (their `persisted`
// never reaches the core), waiting requests answered ERR_FORWARD_TO_OTHERS. A new term starts
// from the store, so nothing unpersisted survives a change of leader.
import { assert, assertNever } from '../../../common/assert.ts';
import type { Clock } from '../../../common/clock.ts';
import { META_DDL_REQUESTS_IN_FLIGHT_MAX, META_DDL_WAIT_MS, META_PERSIST_ATTEMPTS_MAX, META_PERSIST_RETRY_MS } from '../../../common/limits.ts';
import type { AppSummary, ClusterOutbound, MetaToReplicaMessage, ReplicaToMetaMessage } from '../../rpc/cluster-messages.ts';
import { MetaCore } from '../core/meta-core.ts';
import type { MetaOptions } from '../core/options.ts';
import type { Gpid, MetaAction, MetaErrorCode, MetaInput, MetaLevel, NodeId, PersistAction, TableInfo } from '../core/types.ts';
import { KeyedQueue } from '../store/keyed-queue.ts';
import type { MetaStore } from '../store/meta-store.ts';
import type { MetaMetrics } from './metrics.ts';

/** The answer to a DDL request, or why the term could not give one. */
export interface DdlAnswer {
  readonly error: MetaErrorCode | 'ERR_FORWARD_TO_OTHERS' | 'ERR_SERVICE_NOT_ACTIVE' | 'ERR_TIMEOUT' | 'ERR_BUSY';
  readonly reason: string;
  readonly appId: number;
  readonly name: string;
}

export type DdlRequest =
  | { readonly kind: 'create_table'; readonly name: string; readonly partitionCount: number; readonly maxReplicaCount: number }
  | { readonly kind: 'drop_table'; readonly name: string; readonly reserveMs: number }
  | { readonly kind: 'recall_table'; readonly appId: number; readonly newName?: string };

export interface MetaTermOptions {
  readonly self: NodeId;
  readonly store: MetaStore;
  readonly outbound: ClusterOutbound;
  readonly core: MetaOptions;
  readonly clock: Clock;
  readonly metrics: MetaMetrics;
  readonly log: (line: string) => void;
  /** The term cannot go on (the store refuses writes for good): end it and start over. */
  readonly onFatal: (reason: string) => void;
  /** Pause between attempts of a failed write; default META_PERSIST_RETRY_MS. */
  readonly persistRetryMs?: number;
}

interface Waiting {
  readonly resolve: (answer: DdlAnswer) => void;
  readonly timer: NodeJS.Timeout;
}

export class MetaTerm {
  private core: MetaCore | undefined;
  private stopped = false;
  private ticker: NodeJS.Timeout | undefined;
  private readonly writes: KeyedQueue;
  private readonly waiting = new Map<number, Waiting>();
  private readonly sleepers = new Set<() => void>();
  private nextRequestId = 1;

  constructor(private readonly options: MetaTermOptions) {
    this.writes = new KeyedQueue(`meta term of ${options.self}`);
  }

  /** Reads the store and starts serving; resolves false if the term was stopped meanwhile. */
  async begin(): Promise<boolean> {
    // Only the tables' keys: other areas (backup policies) keep their own keys in the same store.
    const entries = await this.options.store.entries('apps');
    if (this.stopped) return false;
    const { core, actions } = MetaCore.recover(this.options.core, this.options.clock.monotonicMs(), entries);
    this.core = core;
    this.options.log(`leading: recovered ${core.tables().length} tables and ${core.configurations().length} partitions from the store`);
    this.perform(actions);
    this.ticker = setInterval(() => this.step({ kind: 'tick', nowMs: this.options.clock.monotonicMs(), wallMs: this.options.clock.nowMs() }), this.options.core.failureDetector.checkIntervalMs);
    return true;
  }

  /** The core once recovered; undefined while reading the store or after stop. */
  get ready(): MetaCore | undefined {
    return this.stopped ? undefined : this.core;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.core = undefined;
    clearInterval(this.ticker);
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    for (const [requestId, waiting] of this.waiting) {
      clearTimeout(waiting.timer);
      waiting.resolve({ error: 'ERR_FORWARD_TO_OTHERS', reason: 'this meta server stopped leading', appId: 0, name: '' });
      this.waiting.delete(requestId);
    }
  }

  /** A message from a replica server, handed to the core. */
  receive(message: ReplicaToMetaMessage): void {
    const nowMs = this.options.clock.monotonicMs();
    switch (message.kind) {
      case 'beacon':
        this.step({ kind: 'beacon', nowMs, from: message.from, sentMs: message.sentMs });
        return;
      case 'config_update': {
        const { request } = message;
        this.step({ kind: 'config_update', nowMs, from: message.from, change: request.kind, node: request.node, config: request.config });
        return;
      }
      case 'replica_reports':
        this.step({ kind: 'replica_reports', nowMs, from: message.from, replicas: message.replicas, absent: message.absent, configSync: message.configSync });
        return;
      default:
        assertNever(message, 'replica message');
    }
  }

  /** Runs a DDL request through the core; resolves once it is answered (after its writes landed). */
  ddl(request: DdlRequest): Promise<DdlAnswer> {
    if (this.ready === undefined) return Promise.resolve({ error: 'ERR_FORWARD_TO_OTHERS', reason: 'not leading', appId: 0, name: '' });
    if (this.waiting.size >= META_DDL_REQUESTS_IN_FLIGHT_MAX) {
      return Promise.resolve({ error: 'ERR_BUSY', reason: `${this.waiting.size} table requests in flight`, appId: 0, name: '' });
    }
    const requestId = this.nextRequestId++;
    const answered = new Promise<DdlAnswer>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        resolve({ error: 'ERR_TIMEOUT', reason: `not answered within ${META_DDL_WAIT_MS} ms (the meta store is slow or down); the outcome is unknown`, appId: 0, name: '' });
      }, META_DDL_WAIT_MS);
      this.waiting.set(requestId, { resolve, timer });
    });
    const nowMs = this.options.clock.monotonicMs();
    const wallMs = this.options.clock.nowMs();
    switch (request.kind) {
      case 'create_table':
        this.step({ ...request, nowMs, requestId });
        break;
      case 'drop_table':
        this.step({ ...request, nowMs, requestId, wallMs });
        break;
      case 'recall_table':
        this.step({ ...request, nowMs, requestId, wallMs });
        break;
      default:
        assertNever(request, 'table request');
    }
    return answered;
  }

  /** Admin: changes the level; returns the one set before. */
  setLevel(level: MetaLevel): MetaLevel {
    const core = this.ready;
    assert(core !== undefined, 'setLevel needs a recovered term');
    const previous = core.configuredLevel();
    this.step({ kind: 'set_level', nowMs: this.options.clock.monotonicMs(), level });
    return previous;
  }

  /** The tables a message is about, as replica servers need them (status, partition count). */
  appsFor(message: MetaToReplicaMessage): AppSummary[] {
    const core = this.core;
    if (core === undefined) return [];
    const gpids: Gpid[] = [];
    switch (message.kind) {
      case 'beacon_ack':
      case 'forward':
        break;
      case 'config_update_reply':
        gpids.push(message.gpid);
        break;
      case 'notify_config':
      case 'proposal':
        gpids.push(message.config.gpid);
        break;
      case 'query_replicas':
        gpids.push(...message.gpids);
        break;
      case 'config_sync_reply':
        gpids.push(...message.configs.map((config) => config.gpid), ...message.garbage);
        break;
      default:
        assertNever(message, 'message to a replica server');
    }
    const apps = new Map<number, AppSummary>();
    for (const { appId } of gpids) {
      if (apps.has(appId)) continue;
      const table = core.tableById(appId);
      if (table !== undefined) apps.set(appId, appSummary(table));
    }
    return [...apps.values()];
  }

  private step(input: MetaInput): void {
    const core = this.ready;
    if (core === undefined) return;
    this.perform(core.step(input));
  }

  private perform(actions: readonly MetaAction[]): void {
    for (const action of actions) {
      if (this.stopped) return;
      switch (action.kind) {
        case 'persist':
          this.persist(action);
          break;
        case 'beacon_ack':
        case 'config_update_reply':
        case 'notify_config':
        case 'proposal':
        case 'query_replicas':
        case 'config_sync_reply':
          this.options.outbound.sendToReplica(action.to, { from: this.options.self, apps: this.appsFor(action), message: action });
          break;
        case 'create_table_reply':
          this.answer(action.requestId, { error: action.error, reason: action.reason, appId: action.appId, name: '' });
          break;
        case 'drop_table_reply':
          this.answer(action.requestId, { error: action.error, reason: action.reason, appId: action.appId, name: '' });
          break;
        case 'recall_table_reply':
          this.answer(action.requestId, { error: action.error, reason: action.reason, appId: action.appId, name: action.name });
          break;
        case 'node_state':
          this.options.log(`replica server ${action.node} is ${action.alive ? 'alive' : 'dead'}`);
          break;
        default:
          assertNever(action, 'meta action');
      }
    }
  }

  private answer(requestId: number, answer: DdlAnswer): void {
    const waiting = this.waiting.get(requestId);
    if (waiting === undefined) return;
    this.waiting.delete(requestId);
    clearTimeout(waiting.timer);
    waiting.resolve(answer);
  }

  /** Writes one value, retrying until it lands, then steps `persisted` (if still this term). */
  private persist(action: PersistAction): void {
    const write = async (): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        if (this.stopped) return;
        const startedMs = this.options.clock.monotonicMs();
        try {
          await this.options.store.put(action.key, action.value);
        } catch (error) {
          const code = (error as { code?: string }).code ?? 'unknown';
          const retriable = (error as { retriable?: boolean }).retriable === true;
          this.options.log(`write of ${action.key} failed (attempt ${attempt}): ${(error as Error).message}`);
          if (!retriable || attempt >= META_PERSIST_ATTEMPTS_MAX) {
            this.options.onFatal(`the meta store refused ${action.key}: ${code}`);
            return;
          }
          await this.sleep(this.options.persistRetryMs ?? META_PERSIST_RETRY_MS);
          continue;
        }
        this.options.metrics.persisted(action.key, (this.options.clock.monotonicMs() - startedMs) / 1000);
        this.step({ kind: 'persisted', nowMs: this.options.clock.monotonicMs(), key: action.key, version: action.version });
        return;
      }
    };
    this.writes.run(action.key, write).catch((error: unknown) => {
      // Only the queue's own bound refuses here: too many writes outstanding for this term.
      this.options.onFatal(`meta store writes backed up: ${(error as Error).message}`);
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

export function appSummary(table: TableInfo): AppSummary {
  const served = table.status === 'available' || table.status === 'dropping' || table.status === 'creating';
  return { appId: table.appId, name: table.name, partitionCount: table.partitionCount, status: served ? 'available' : 'dropped' };
}
