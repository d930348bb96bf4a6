// Learning, the learner's side: asking for rounds, ingesting what they bring (importing a
// checkpoint for LT_APP) and reporting completion once everything learned is logged.
import { assert } from '../../common/assert.ts';
import type { NodeId } from './configuration.ts';
import type { LearnResponseMessage } from './messages.ts';
import type { Decree } from './types.ts';
import { minDecree } from './core-state.ts';
import { LearningTeacher } from './learning-teacher.ts';

export abstract class LearningLearner extends LearningTeacher {
  // --- learning, learner side ---

  protected sendLearnRequest(): void {
    const learning = this.learning;
    assert(learning !== undefined, 'a learner has a learning state');
    learning.requestTick = this.tickNow;
    this.send(learning.primary, {
      kind: 'learn_request', gpid: this.gpid, signature: learning.signature,
      appliedDecree: this.appliedDecree, committedDecree: this.plist.committedDecree,
    });
  }

  protected learnerTick(): void {
    const learning = this.learning;
    if (learning === undefined) return;
    const retry = this.options.learnRetryTicks;
    if (learning.requestTick !== undefined && this.tickNow - learning.requestTick >= retry) this.sendLearnRequest();
    if (learning.completionTick !== undefined && this.tickNow - learning.completionTick >= retry) this.sendCompletion();
  }

  protected onLearnResponse(from: NodeId, response: LearnResponseMessage): void {
    const learning = this.learning;
    if (this.roleNow !== 'potential_secondary' || learning === undefined) return;
    if (response.signature !== learning.signature || from !== learning.primary || learning.requestTick === undefined) return;
    if (response.config.ballot > this.ballot) this.adoptConfig(response.config);
    if (this.roleNow !== 'potential_secondary') return;
    if (response.error === 'ERR_WRONG_CHECKSUM') {
      // The primary no longer teaches this round: wait for a new invitation.
      this.toInactive({ transient: false, failWrites: false });
      return;
    }
    if (response.error !== 'ERR_OK') return; // asked again on the retry timer
    learning.requestTick = undefined;
    if (response.discardLearnerState) {
      this.discardLocalState();
      this.sendLearnRequest();
      return;
    }
    if (response.learnType === 'LT_APP' && response.checkpointDecree !== undefined && response.checkpointDecree > this.plist.committedDecree) {
      learning.importing = response;
      this.out.importCheckpoint = { from, decree: response.checkpointDecree };
      return;
    }
    this.ingestLearned(response);
  }

  protected discardLocalState(): void {
    this.out.discardState = true;
    this.plist.reset(0n);
    this.appliedDecree = 0n;
    this.applyHandedDecree = 0n;
    this.commitTarget = 0n;
    this.checkpointDecree = 0n;
    this.logTruncatedDecree = 0n;
  }

  protected onCheckpointImported(decree: Decree): void {
    const learning = this.learning;
    const response = learning?.importing;
    if (learning === undefined || response === undefined || response.checkpointDecree !== decree) return;
    learning.importing = undefined;
    this.plist.reset(decree);
    this.appliedDecree = decree;
    this.applyHandedDecree = decree;
    this.commitTarget = decree;
    this.logTruncatedDecree = decree;
    this.ingestLearned(response);
  }

  protected ingestLearned(response: LearnResponseMessage): void {
    const learning = this.learning;
    assert(learning !== undefined, 'a learner has a learning state');
    let expected = this.plist.committedDecree + 1n;
    for (const mutation of response.mutations) {
      if (mutation.decree < expected) continue;
      if (mutation.decree !== expected || !this.plist.hasRoomFor(mutation.decree)) break;
      const existing = this.plist.get(mutation.decree);
      if (existing === undefined || existing.mutation.ballot !== mutation.ballot) {
        this.plist.put({ mutation, logged: false, appendSeq: 0, ackTo: undefined });
        this.appendToLog(mutation);
      }
      expected += 1n;
    }
    learning.roundTargetDecree = expected - 1n;
    if (response.committedDecree > this.commitTarget) this.commitTarget = response.committedDecree;
    if (response.prepareStartDecree !== 0n && expected === response.prepareStartDecree) {
      learning.status = 'learning_with_prepare';
      learning.prepareStartDecree = response.prepareStartDecree;
    }
    this.commitToTarget();
    this.checkLearningProgress();
  }

  /** Learner: ask for the next round, or report completion once everything learned is logged. */
  protected checkLearningProgress(): void {
    const learning = this.learning;
    if (learning === undefined || learning.importing !== undefined || learning.requestTick !== undefined) return;
    if (learning.status === 'learning_with_prepare') {
      if (this.loggedThrough(learning.prepareStartDecree - 1n)) {
        learning.status = 'learning_succeeded';
        this.sendCompletion();
      }
    } else if (learning.status === 'learning_without_prepare') {
      const target = minDecree(learning.roundTargetDecree, this.commitTarget);
      if (this.plist.committedDecree >= target) this.sendLearnRequest();
    }
  }

  protected loggedThrough(decree: Decree): boolean {
    for (let d = this.plist.committedDecree + 1n; d <= decree; d += 1n) {
      if (this.plist.get(d)?.logged !== true) return false;
    }
    return true;
  }

  protected sendCompletion(): void {
    const learning = this.learning;
    assert(learning !== undefined, 'a learner has a learning state');
    learning.completionTick = this.tickNow;
    this.send(learning.primary, {
      kind: 'learn_completion_notify', gpid: this.gpid, signature: learning.signature,
      appliedDecree: this.appliedDecree, prepareStartDecree: learning.prepareStartDecree,
    });
  }
}
