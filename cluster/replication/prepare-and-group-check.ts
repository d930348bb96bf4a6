// Messages between members: the peer message dispatch, prepares as a secondary or learner sees
// them, and the group check the primary sends to every member and learner.
import { assert, assertNever } from '../../common/assert.ts';
import type { NodeId, PartitionConfiguration } from './configuration.ts';
import type { ReplicationErrorCode } from './errors.ts';
import type { GroupCheckAckMessage, GroupCheckMessage, PeerMessage, PrepareMessage } from './messages.ts';
import type { Mutation } from './types.ts';
import { PrimaryWritePath } from './write-path.ts';

export abstract class PrepareAndGroupCheck extends PrimaryWritePath {
  // --- messages from peers ---

  protected onPeerMessage(from: NodeId, message: PeerMessage): void {
    switch (message.kind) {
      case 'prepare':
        this.onPrepare(from, message);
        break;
      case 'prepare_ack':
        this.onPrepareAck(from, message);
        break;
      case 'group_check':
        this.onGroupCheck(from, message);
        break;
      case 'group_check_ack':
        this.onGroupCheckAck(from, message);
        break;
      case 'learn_request':
        this.onLearnRequest(from, message);
        break;
      case 'learn_response':
        this.onLearnResponse(from, message);
        break;
      case 'learn_completion_notify':
        this.onLearnCompletion(from, message);
        break;
      case 'remove_replica':
        if (message.config.ballot >= this.ballot && !this.isMemberOf(message.config)) this.adoptConfig(message.config);
        break;
      default:
        assertNever(message, 'peer message');
    }
  }

  protected isMemberOf(config: PartitionConfiguration): boolean {
    return config.primary === this.self || config.secondaries.includes(this.self);
  }

  protected send(to: NodeId, message: PeerMessage): void {
    assert(to !== this.self, 'a replica never sends to itself');
    this.out.send.push({ to, message });
  }

  protected sendPrepareAck(to: NodeId, mutation: Pick<Mutation, 'ballot' | 'decree'>, error: ReplicationErrorCode): void {
    this.send(to, {
      kind: 'prepare_ack', gpid: this.gpid, error, ballot: mutation.ballot, decree: mutation.decree,
      receiverBallot: this.knownBallot(), committedDecree: this.plist.committedDecree,
    });
  }

  protected onPrepare(from: NodeId, message: PrepareMessage): void {
    const mutation = message.mutation;
    assert(mutation.ballot === message.config.ballot, 'a primary prepares under its configuration ballot');
    if (message.config.ballot < this.knownBallot()) {
      this.sendPrepareAck(from, mutation, 'ERR_VERSION_OUTDATED');
      return;
    }
    if (message.config.ballot > this.ballot) this.adoptConfig(message.config);
    const refusal = this.prepareRefusal(from, message);
    if (refusal !== undefined) {
      this.sendPrepareAck(from, mutation, refusal);
      return;
    }
    // The prepare's commit point first: committing what it names frees room in the prepare list, so
    // a learner whose list is full of the uncommitted tail it learned can take the next prepare (as
    // Pegasus commits up to a prepare's last_committed_decree before inserting it).
    if (message.committedDecree > this.commitTarget) this.commitTarget = message.committedDecree;
    this.commitToTarget();
    this.acceptPrepare(from, mutation);
    this.afterProgress();
  }

  protected prepareRefusal(from: NodeId, message: PrepareMessage): ReplicationErrorCode | undefined {
    switch (this.roleNow) {
      case 'secondary':
        return this.config?.primary === from ? undefined : 'ERR_INVALID_STATE';
      case 'potential_secondary': {
        const learning = this.learning;
        const withPrepare = learning?.signature === message.learnerSignature &&
          (learning.status === 'learning_with_prepare' || learning.status === 'learning_succeeded');
        return withPrepare ? undefined : 'ERR_TRY_AGAIN';
      }
      case 'inactive':
        return 'ERR_INACTIVE_STATE';
      case 'primary':
      case 'error':
        return 'ERR_INVALID_STATE';
      default:
        return assertNever(this.roleNow, 'role');
    }
  }

  /** Secondary or learner: log the mutation and acknowledge once logged. */
  protected acceptPrepare(from: NodeId, mutation: Mutation): void {
    if (mutation.decree <= this.plist.committedDecree) {
      this.sendPrepareAck(from, mutation, 'ERR_OK');
      return;
    }
    const existing = this.plist.get(mutation.decree);
    if (existing !== undefined && existing.mutation.ballot === mutation.ballot) {
      if (existing.logged) this.sendPrepareAck(from, mutation, 'ERR_OK');
      else existing.ackTo = from;
      return;
    }
    if (existing !== undefined && existing.mutation.ballot > mutation.ballot) {
      this.sendPrepareAck(from, mutation, 'ERR_VERSION_OUTDATED');
      return;
    }
    if (!this.plist.hasRoomFor(mutation.decree)) {
      this.sendPrepareAck(from, mutation, 'ERR_CAPACITY_EXCEEDED');
      return;
    }
    this.plist.put({ mutation, logged: false, appendSeq: 0, ackTo: from });
    this.appendToLog(mutation);
  }

  // --- group check ---

  protected sendGroupCheck(): void {
    const config = this.config;
    assert(config !== undefined && this.roleNow === 'primary', 'a primary sends group checks');
    this.lastGroupCheckTick = this.tickNow;
    const committedDecree = this.plist.committedDecree;
    if (committedDecree > this.committedSent) this.committedSent = committedDecree;
    for (const node of config.secondaries) {
      this.send(node, { kind: 'group_check', gpid: this.gpid, config, learnerSignature: 0, committedDecree });
    }
    for (const [node, learner] of this.learners) {
      this.send(node, { kind: 'group_check', gpid: this.gpid, config, learnerSignature: learner.signature, committedDecree });
    }
  }

  protected onGroupCheck(from: NodeId, message: GroupCheckMessage): void {
    const ack = (error: ReplicationErrorCode): void =>
      this.send(from, { kind: 'group_check_ack', gpid: this.gpid, error, receiverBallot: this.knownBallot(), committedDecree: this.plist.committedDecree });
    if (message.config.ballot < this.knownBallot()) {
      ack('ERR_VERSION_OUTDATED');
      return;
    }
    if (message.config.ballot > this.ballot) this.adoptConfig(message.config);
    if (message.config.primary !== from) {
      ack('ERR_INVALID_STATE');
      return;
    }
    if (message.learnerSignature !== 0 && !this.isMemberOf(message.config)) {
      // Signatures grow: an invitation older than our current round is a late duplicate.
      // Signatures grow per primary: an invitation to a round we already had is a late duplicate,
      // and starting it again would throw away a tail the primary may count on.
      const last = this.lastInvitation;
      const newerRound = last === undefined || last.primary !== from || message.learnerSignature > last.signature;
      if (newerRound && (this.roleNow === 'inactive' || this.roleNow === 'potential_secondary')) {
        this.toLearner(message.learnerSignature, from, { keepTail: false });
      } else if (!newerRound && last?.signature === message.learnerSignature && this.roleNow === 'inactive') {
        // The same round again after an interruption: what we learned in it is still good.
        this.toLearner(message.learnerSignature, from, { keepTail: true });
      }
    } else if (this.roleNow === 'secondary') {
      if (message.committedDecree > this.commitTarget) this.commitTarget = message.committedDecree;
      this.commitToTarget();
    }
    const serving = this.roleNow === 'secondary' || this.roleNow === 'potential_secondary';
    ack(serving ? 'ERR_OK' : 'ERR_INACTIVE_STATE');
  }

  protected onGroupCheckAck(from: NodeId, message: GroupCheckAckMessage): void {
    if (message.receiverBallot > this.ballot) {
      this.onDeposed();
      return;
    }
    if (this.roleNow !== 'primary' || message.error === 'ERR_OK') return;
    if (this.config?.secondaries.includes(from) === true) this.onRemoteFailure(from);
  }
}
