// Role and configuration changes: one function per target role, adopting configurations, and
// the configuration change requests and proposals exchanged with the meta server.
import { assert, assertNever } from '../../common/assert.ts';
import type { ConfigChangeKind, ConfigChangeRequest, NodeId, PartitionConfiguration } from './configuration.ts';
import type { ReplicationErrorCode } from './errors.ts';
import type { ConfigProposalMessage, MetaToReplica } from './messages.ts';
import { assertLegalTransition } from './roles.ts';
import type { Ballot, ReplicaRole } from './types.ts';
import { isRemoval, failure } from './core-state.ts';
import { LearningLearner } from './learning-learner.ts';

export abstract class RoleChanges extends LearningLearner {
  // --- roles: one function per target role ---

  protected changeRole(to: ReplicaRole): void {
    assertLegalTransition(this.roleNow, to);
    if (this.roleNow !== to) this.out.roleChanged = to;
    this.roleNow = to;
  }

  protected toPrimary(): void {
    const config = this.config;
    assert(config !== undefined && config.primary === this.self, 'a primary is named primary by its configuration');
    this.changeRole('primary');
    this.inactiveTransient = false;
    this.learning = undefined;
    this.pendingAcks.clear();
    for (const [node] of this.learners) if (this.isMember(node)) this.learners.delete(node);
    // Reconciliation: re-prepare everything after the committed decree under the new ballot,
    // filling gaps with empty writes. Reads wait until this tail is committed and applied.
    const committed = this.plist.committedDecree;
    const max = this.plist.maxDecree;
    this.reconcileDecree = max;
    for (let decree = committed + 1n; decree <= max; decree += 1n) {
      const old = this.plist.get(decree)?.mutation;
      if (old !== undefined && old.timestampUs > this.lastTimestampUs) this.lastTimestampUs = old.timestampUs;
      this.prepare({
        ballot: this.ballot,
        decree,
        lastCommittedDecree: committed,
        timestampUs: old?.timestampUs ?? this.nextTimestampUs(0n),
        requests: old?.requests ?? [],
        sizeBytes: old?.sizeBytes ?? 0,
      });
    }
    this.sendGroupCheck();
    this.commitAsPrimary();
  }

  protected toSecondary(): void {
    this.changeRole('secondary');
    this.leavePrimary();
    this.inactiveTransient = false;
    this.learning = undefined;
  }

  protected toLearner(signature: number, primary: NodeId, how: { keepTail: boolean }): void {
    this.changeRole('potential_secondary');
    this.leavePrimary();
    this.inactiveTransient = false;
    // Uncommitted mutations may be stale: the primary's copy replaces them.
    const committed = this.plist.committedDecree;
    if (!how.keepTail && this.plist.maxDecree > committed) {
      this.plist.truncateAfter(committed);
      this.out.truncateLogAfter = committed;
    }
    this.lastInvitation = { primary, signature };
    this.learning = {
      signature, primary, status: 'learning_without_prepare', requestTick: undefined,
      roundTargetDecree: committed, prepareStartDecree: 0n, importing: undefined, completionTick: undefined,
    };
    this.sendLearnRequest();
  }

  protected toInactive(how: { transient: boolean; failWrites: boolean }): void {
    this.changeRole('inactive');
    this.inactiveTransient = how.transient;
    this.learning = undefined;
    if (how.failWrites) this.leavePrimary();
  }

  protected toError(): void {
    this.changeRole('error');
    this.leavePrimary();
    this.learning = undefined;
    this.pendingMeta = undefined;
  }

  /** Forgets the primary's duties; clients of unfinished writes are answered. */
  protected leavePrimary(): void {
    for (const write of this.writeQueue.splice(0)) this.replyWrite(write.requestId, failure('ERR_INVALID_STATE'));
    for (const [decree, requestIds] of this.writesByDecree) {
      // A prepared write may still commit under another primary: its outcome is unknown.
      const outcome = decree <= this.plist.committedDecree && decree <= this.applyHandedDecree ? undefined : failure('ERR_TIMEOUT');
      if (outcome !== undefined) for (const requestId of requestIds) this.replyWrite(requestId, outcome);
    }
    for (const [decree] of this.writesByDecree) if (decree > this.plist.committedDecree) this.writesByDecree.delete(decree);
    this.pendingAcks.clear();
    this.learners.clear();
    this.logReads.clear();
    this.reconcileDecree = 0n;
  }

  // --- configuration ---

  protected isMember(node: NodeId): boolean {
    const config = this.config;
    return config !== undefined && (config.primary === node || config.secondaries.includes(node));
  }

  /**
   * The newest ballot this replica knows of: its own, or that of a newer configuration it heard of
   * without being a member. Messages from an older configuration are refused against it.
   */
  protected knownBallot(): Ballot {
    const configBallot = this.config?.ballot ?? 0n;
    return configBallot > this.ballot ? configBallot : this.ballot;
  }

  protected setBallot(ballot: Ballot): void {
    assert(ballot >= this.ballot, `a ballot never decreases (${this.ballot} -> ${ballot})`);
    if (ballot > this.ballot) {
      this.ballot = ballot;
      this.out.ballotToPersist = ballot;
    }
  }

  /** Adopts a configuration at least as new as ours and takes the role it gives us. */
  protected adoptConfig(config: PartitionConfiguration): void {
    assert(config.ballot >= this.ballot, 'only a configuration at least as new is adopted');
    assert(!config.secondaries.includes(config.primary), 'a primary is never its own secondary');
    if (this.config !== undefined && config.ballot < this.config.ballot) return; // older than one we know
    const newer = config.ballot > this.ballot;
    // A learner whose round has not succeeded must not become a member, even if meta upgraded it on
    // an earlier completion: it stops, and its primary removes it and teaches it again.
    const unfinishedLearner = this.roleNow === 'potential_secondary' && !this.learnedRound() && this.isMemberOf(config);
    // A replica takes the ballot of configurations it is a member of. A learner or a dropped replica
    // keeps the ballot of its last membership: when every replica was lost, meta compares ballots,
    // and a learner must not look as current as the members it was learning from.
    if (this.isMemberOf(config) && !unfinishedLearner) this.setBallot(config.ballot);
    this.config = config;
    if (this.pendingMeta !== undefined && config.ballot >= this.pendingMeta.request.config.ballot) this.pendingMeta = undefined;
    if (this.roleNow === 'error') return;
    if (unfinishedLearner) this.toInactive({ transient: false, failWrites: true });
    if (this.pendingMeta !== undefined && !newer) return; // our change is pending: wait for meta's answer
    const resumable = this.roleNow !== 'inactive' || this.inactiveTransient;
    if (config.primary === this.self) {
      if (resumable && (newer || this.roleNow !== 'primary')) {
        // A learner whose round succeeded holds everything the configurations that upgraded it
        // counted on; when the one naming it secondary was lost it passes through secondary.
        if (this.learnedRound()) this.toSecondary();
        this.toPrimary();
      } else if (!resumable) this.askToBeRemoved();
    } else if (config.secondaries.includes(this.self)) {
      if (!resumable) {
        if (config.primary === '') this.askToBeRemoved();
      } else if (this.roleNow !== 'secondary' || newer) {
        this.toSecondary();
      }
    } else if (this.roleNow === 'potential_secondary' && this.learning?.primary === config.primary) {
      // still learning from the same primary
    } else if (this.roleNow === 'primary' || this.roleNow === 'secondary' || this.roleNow === 'potential_secondary') {
      this.toInactive({ transient: false, failWrites: true });
    } else if (newer && this.roleNow === 'inactive') {
      this.inactiveTransient = false;
    }
  }

  /** A restarted replica never serves on its own say: it asks meta to drop it (Pegasus on_config_sync). */
  protected askToBeRemoved(): void {
    const config = this.config;
    assert(config !== undefined, 'removal is asked against a configuration');
    if (this.pendingMeta !== undefined) return;
    // After a refusal, ask again only on the retry timer (never in a tight loop with meta).
    if (this.lastMetaRequestTick !== undefined && this.tickNow - this.lastMetaRequestTick < this.options.metaRetryTicks) return;
    this.requestMeta('downgrade_to_inactive', this.self, {
      ...config,
      primary: config.primary === this.self ? '' : config.primary,
      secondaries: config.secondaries.filter((node) => node !== this.self),
    });
  }

  protected requestMeta(kind: ConfigChangeKind, node: NodeId, proposed: Omit<PartitionConfiguration, 'ballot' | 'lastCommittedDecree'>): void {
    assert(this.pendingMeta === undefined, 'one configuration change at a time');
    const current = this.config;
    assert(current !== undefined && current.ballot >= this.ballot, 'a change is proposed against the newest configuration known');
    const config: PartitionConfiguration = {
      ...proposed,
      ballot: current.ballot + 1n,
      lastCommittedDecree: this.plist.committedDecree,
    };
    assert(!config.secondaries.includes(config.primary), 'a primary is never its own secondary');
    const request: ConfigChangeRequest = { kind, node, config };
    this.pendingMeta = { request, sentTick: this.tickNow };
    this.lastMetaRequestTick = this.tickNow;
    this.out.requestsToMeta.push(request);
    // 2PC stops until meta answers (Pegasus: PS_INACTIVE with _inactive_is_transient).
    if (this.roleNow === 'primary' || this.roleNow === 'secondary') this.toInactive({ transient: true, failWrites: false });
  }

  protected onMetaMessage(message: MetaToReplica): void {
    switch (message.kind) {
      case 'config_sync':
        if (message.config.ballot >= this.ballot) this.adoptConfig(message.config);
        break;
      case 'config_change_reply':
        this.onConfigChangeReply(message.error, message.config);
        break;
      case 'config_proposal':
        this.onConfigProposal(message);
        break;
      default:
        assertNever(message, 'meta message');
    }
  }

  protected onConfigChangeReply(error: ReplicationErrorCode, config: PartitionConfiguration): void {
    const pending = this.pendingMeta;
    if (config.ballot > this.ballot) {
      this.adoptConfig(config);
      if (error === 'ERR_OK' && pending !== undefined && isRemoval(pending.request.kind)) this.notifyRemoved(pending.request.node, config);
      return;
    }
    if (pending === undefined || config.ballot < this.ballot || error === 'ERR_OK') return;
    if (error === 'ERR_BUSY' || error === 'ERR_TIMEOUT' || error === 'ERR_STATE_FREEZED') return; // resent on the next meta retry
    // Refused (ERR_INVALID_VERSION, ERR_STATE_FREEZED...): resume under the configuration meta holds.
    this.pendingMeta = undefined;
    this.adoptConfig(config);
  }

  protected notifyRemoved(node: NodeId, config: PartitionConfiguration): void {
    if (node === this.self || node === '') return;
    this.send(node, { kind: 'remove_replica', gpid: this.gpid, config });
  }

  protected onConfigProposal(proposal: ConfigProposalMessage): void {
    if (proposal.config.ballot < this.ballot) return; // stale
    // A proposal carries meta's current configuration: it also serves as a config sync.
    this.adoptConfig(proposal.config);
    if (this.pendingMeta !== undefined || this.roleNow === 'error') return;
    const config = this.config;
    if (config === undefined) return;
    switch (proposal.type) {
      case 'assign_primary':
        if (proposal.node === this.self && this.roleNow === 'inactive') {
          this.inactiveTransient = true;
          this.requestMeta('assign_primary', this.self, { ...config, primary: this.self, secondaries: [] });
        }
        break;
      case 'upgrade_to_primary':
        if (proposal.node === this.self && this.roleNow === 'secondary' && config.primary === '') {
          this.requestMeta('upgrade_to_primary', this.self, {
            ...config, primary: this.self, secondaries: config.secondaries.filter((node) => node !== this.self),
          });
        }
        break;
      case 'add_secondary':
        if (this.roleNow === 'primary') this.addLearner(proposal.node);
        break;
      case 'remove':
      case 'downgrade_to_inactive':
        if (this.roleNow !== 'primary' || proposal.node === this.self) break;
        if (config.secondaries.includes(proposal.node)) this.removeSecondary(proposal.node, proposal.type);
        else this.dropLearner(proposal.node);
        break;
      case 'downgrade_to_secondary':
        if (this.roleNow === 'primary' && proposal.node === this.self) {
          this.requestMeta('downgrade_to_secondary', this.self, { ...config, primary: '', secondaries: [...config.secondaries, this.self] });
        }
        break;
      case 'upgrade_to_secondary':
        break; // asked by a primary itself, never proposed
      default:
        assertNever(proposal.type, 'proposal type');
    }
  }

  protected removeSecondary(node: NodeId, kind: ConfigChangeKind): void {
    const config = this.config;
    assert(config !== undefined && this.roleNow === 'primary', 'a primary removes secondaries');
    if (this.pendingMeta !== undefined) return;
    this.requestMeta(kind, node, { ...config, secondaries: config.secondaries.filter((s) => s !== node) });
  }
}
