// The simulated meta server: a SimMetaCore (the minimal one here, or cluster/meta/core once it is
// complete) driven by ticks, beacons, replica requests and store completions, with its
// configuration persisted in a SimMetaStore. A crash loses everything but the store; a restart
// rebuilds the core from it. Clients ask it for partition configurations to route requests.
import { DEFAULT_META_OPTIONS } from '../../cluster/meta/core/options.ts';
import type { MetaOptions } from '../../cluster/meta/core/options.ts';
import type { MetaAction, MetaInput } from '../../cluster/meta/core/types.ts';
import { gpidKey } from '../../cluster/meta/core/types.ts';
import type { Gpid, PartitionConfiguration } from '../../cluster/replication/index.ts';
import { assert } from '../../common/assert.ts';
import type { SimContext } from './context.ts';
import { META_ADDRESS } from './context.ts';
import type { SimMessage } from './messages.ts';
import type { SimMetaStore } from './meta-store.ts';
import type { SimMetaCore, SimMetaCoreFactory } from './minimal-meta.ts';

export class SimMetaServer {
  readonly address = META_ADDRESS;
  private core: SimMetaCore | undefined;
  private incarnation = 0;
  readonly options: MetaOptions;

  constructor(
    private readonly ctx: SimContext,
    private readonly store: SimMetaStore,
    private readonly factory: SimMetaCoreFactory,
  ) {
    this.options = {
      ...DEFAULT_META_OPTIONS,
      failureDetector: ctx.swarm.failureDetector,
      assignDelayMsForDropouts: ctx.swarm.assignDelayMsForDropouts,
      cureIntervalMs: 1_000,
      proposalResendMs: 1_000,
      minLiveNodesForUnfreeze: 1,
      liveNodePercentForUnfreeze: 0,
      // With synced logs the newest drop alone holds every acknowledged write (Pegasus asks for
      // the two newest because without fsync a machine may lose what it acknowledged).
      lostReplicaCandidates: ctx.swarm.fsyncPolicy === 'always' ? 1 : 2,
    };
  }

  get isUp(): boolean {
    return this.core !== undefined;
  }

  configurations(): readonly PartitionConfiguration[] {
    return this.core?.configurations() ?? [];
  }

  diagnose(gpid: Gpid): string {
    return this.core?.diagnose?.(gpid) ?? '';
  }

  start(): void {
    assert(this.core === undefined, 'meta server started twice');
    const { core, actions } = this.factory.recover({ options: this.options, stored: this.store.snapshot(), nowMs: this.ctx.queue.nowMs });
    this.core = core;
    for (const action of actions) this.perform(action);
    this.observeBallots();
    const incarnation = this.incarnation;
    const loop = (): void => {
      if (incarnation !== this.incarnation) return;
      this.step({ kind: 'tick', nowMs: this.ctx.queue.nowMs });
      this.ctx.queue.after(this.ctx.swarm.failureDetector.checkIntervalMs, 'meta tick', loop);
    };
    this.ctx.queue.after(0, 'meta tick', loop);
    this.ctx.trace.log('meta', `started with ${this.configurations().length} partitions`);
  }

  crash(): void {
    if (this.core === undefined) return;
    this.core = undefined;
    this.incarnation++;
    this.store.writerCrashed();
    this.ctx.trace.log('meta', 'crash');
  }

  receive(from: string, message: SimMessage): void {
    if (this.core === undefined) return;
    const nowMs = this.ctx.queue.nowMs;
    switch (message.kind) {
      case 'beacon':
        this.step({ kind: 'beacon', nowMs, from, sentMs: message.sentMs });
        return;
      case 'config_update':
        this.step({ kind: 'config_update', nowMs, from, change: message.request.kind, node: message.request.node, config: message.request.config });
        return;
      case 'replica_reports':
        this.step({
          kind: 'replica_reports',
          nowMs,
          from,
          configSync: message.configSync,
          absent: message.absent,
          replicas: message.replicas.map((info) => ({ gpid: info.gpid, ballot: info.ballot, lastCommittedDecree: info.committedDecree, lastPreparedDecree: info.preparedDecree })),
        });
        return;
      case 'query_config': {
        const config = this.configurations().find((c) => gpidKey(c.gpid) === gpidKey(message.gpid));
        this.ctx.network.send(this.address, from, { kind: 'query_config_reply', requestId: message.requestId, config });
        return;
      }
      case 'peer':
      case 'from_meta':
      case 'client_put':
      case 'client_get':
      case 'client_reply':
      case 'query_config_reply':
        return;
    }
  }

  private step(input: MetaInput): void {
    const core = this.core;
    if (core === undefined) return;
    for (const action of core.step(input)) this.perform(action);
    this.observeBallots();
  }

  private perform(action: MetaAction): void {
    switch (action.kind) {
      case 'persist': {
        const incarnation = this.incarnation;
        this.store.write(action.key, action.value, () => {
          if (incarnation !== this.incarnation) return;
          this.step({ kind: 'persisted', nowMs: this.ctx.queue.nowMs, key: action.key, version: action.version });
        });
        return;
      }
      case 'node_state':
        this.ctx.trace.log('meta', `${action.node} ${action.alive ? 'alive' : 'dead'}`);
        return;
      case 'create_table_reply':
      case 'drop_table_reply':
      case 'recall_table_reply':
        return;
      case 'proposal':
        this.ctx.trace.log('meta', `propose ${action.change} ${action.node} to ${action.to} for ${gpidKey(action.config.gpid)}@${action.config.ballot}`);
        this.ctx.network.send(this.address, action.to, { kind: 'from_meta', action });
        return;
      case 'beacon_ack':
      case 'config_update_reply':
      case 'notify_config':
      case 'query_replicas':
      case 'config_sync_reply':
        this.ctx.network.send(this.address, action.to, { kind: 'from_meta', action });
        return;
    }
  }

  private observeBallots(): void {
    for (const config of this.configurations()) {
      this.ctx.invariants.record({ kind: 'meta-ballot', atMs: this.ctx.queue.nowMs, gpid: gpidKey(config.gpid), ballot: config.ballot });
    }
  }
}
