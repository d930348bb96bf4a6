// What a replica server does with each message from a meta server (FromMetaEnvelope): the
// failure detector's acks and redirects go to the MetaLink; configurations, proposals and replies
// go to the replica of their partition, opening a new one when the meta server assigns this server
// as a primary; query_replicas is answered with the reports asked for; config_sync_reply's garbage
// is deleted. Every table the envelope names as dropped has its replicas closed (files kept).
import { assertNever } from '../../../common/assert.ts';
import { REPLICA_SERVER_REPORTS_PER_MESSAGE_MAX } from '../../../common/limits.ts';
import { gpidKey, replicationErrorOf, type ReplicaReport } from '../../meta/core/types.ts';
import type { AppSummary, FromMetaEnvelope } from '../../rpc/cluster-messages.ts';
import type { Gpid, NodeId } from '../../replication/configuration.ts';
import type { MetaToReplica } from '../../replication/messages.ts';
import type { MetaLink } from './meta-link.ts';
import type { ReplicaRegistry } from './replica-registry.ts';

export interface FromMetaContext {
  readonly self: NodeId;
  readonly link: MetaLink;
  readonly replicas: ReplicaRegistry;
  nowMs(): number;
  /** Reports of the given replicas hosted or dormant here, and the gpids held by neither. */
  reportsOf(gpids: readonly Gpid[]): { readonly replicas: ReplicaReport[]; readonly absent: Gpid[] };
  log(line: string): void;
}

export function dispatchFromMeta(context: FromMetaContext, envelope: FromMetaEnvelope): void {
  const { link, replicas } = context;
  const message = envelope.message;
  const nowMs = context.nowMs();
  const appOf = (appId: number): AppSummary | undefined => envelope.apps.find((app) => app.appId === appId);
  for (const app of envelope.apps) {
    if (app.status === 'dropped') closeDroppedTable(context, app);
  }
  const toReplica = (gpid: Gpid, input: MetaToReplica, openIfNew: boolean): void => {
    const app = appOf(gpid.appId);
    // A dormant replica comes back when its table is available again (recall).
    const reopen = openIfNew || replicas.isDormant(gpid) ? app : undefined;
    replicas.with(gpid, (entry) => entry.replica.step({ kind: 'meta', message: input }), reopen);
  };
  switch (message.kind) {
    case 'beacon_ack':
      link.onBeaconAck(nowMs, envelope.from, message);
      return;
    case 'forward':
      link.onForward(nowMs, envelope.from, message);
      return;
    case 'config_update_reply':
      link.onHeard(nowMs, envelope.from);
      if (message.config === undefined) return;
      toReplica(message.gpid, { kind: 'config_change_reply', error: replicationErrorOf(message.error), config: message.config }, false);
      return;
    case 'notify_config':
      link.onHeard(nowMs, envelope.from);
      toReplica(message.config.gpid, { kind: 'config_sync', config: message.config }, false);
      return;
    case 'proposal': {
      link.onHeard(nowMs, envelope.from);
      const assignsSelf = message.change === 'assign_primary' && message.node === context.self;
      toReplica(message.config.gpid, { kind: 'config_proposal', type: message.change, node: message.node, config: message.config }, assignsSelf);
      return;
    }
    case 'config_sync_reply':
      link.onHeard(nowMs, envelope.from);
      for (const config of message.configs) toReplica(config.gpid, { kind: 'config_sync', config }, false);
      for (const gpid of message.garbage) {
        context.log(`${gpidKey(gpid)}: the meta server names it garbage: deleting it`);
        void replicas.destroy(gpid);
      }
      return;
    case 'query_replicas': {
      link.onHeard(nowMs, envelope.from);
      const { replicas: reports, absent } = context.reportsOf(message.gpids.slice(0, REPLICA_SERVER_REPORTS_PER_MESSAGE_MAX));
      link.send({ kind: 'replica_reports', from: context.self, replicas: reports, absent, configSync: false });
      return;
    }
    default:
      assertNever(message, 'message from the meta server');
  }
}

function closeDroppedTable(context: FromMetaContext, app: AppSummary): void {
  for (const entry of context.replicas.entries()) {
    if (entry.replica.gpid.appId !== app.appId) continue;
    context.log(`${gpidKey(entry.replica.gpid)}: table ${app.name} was dropped: closing the replica, keeping its files`);
    void context.replicas.makeDormant(entry.replica.gpid);
  }
}
