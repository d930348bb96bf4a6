// Learning, the primary's side: inviting and dropping learners, answering learn requests with
// LT_CACHE, LT_LOG or LT_APP within the count and byte bounds, and asking meta to upgrade a learner.
import { assert } from '../../common/assert.ts';
import type { NodeId } from './configuration.ts';
import type { ReplicationErrorCode } from './errors.ts';
import type { LearnCompletionNotifyMessage, LearnRequestMessage, LearnResponseMessage } from './messages.ts';
import { countWithinBytes } from './mutation-bytes.ts';
import type { Decree, LearnType, Mutation } from './types.ts';
import { minDecree } from './core-state.ts';
import { PrepareAndGroupCheck } from './prepare-and-group-check.ts';

export abstract class LearningTeacher extends PrepareAndGroupCheck {
  // --- learning, primary side ---

  /** Invites a learner; a repeated proposal re-sends the invitation of the running round. */
  protected addLearner(node: NodeId): void {
    if (this.isMember(node) || node === this.self) return;
    const existing = this.learners.get(node);
    if (existing === undefined && this.learners.size >= this.options.learnersMax) return;
    const signature = existing?.signature ?? Number(this.ballot) * 1_000_000 + this.nextSignatureSeq++;
    if (existing === undefined) this.learners.set(node, { signature, prepareStartDecree: 0n, lastContactTick: this.tickNow });
    const config = this.config;
    assert(config !== undefined, 'a primary has a configuration');
    this.send(node, { kind: 'group_check', gpid: this.gpid, config, learnerSignature: signature, committedDecree: this.plist.committedDecree });
  }

  /** A learner that went away must not hold a learner slot for ever. */
  protected dropIdleLearners(): void {
    for (const [node, learner] of this.learners) {
      const idle = this.tickNow - learner.lastContactTick >= this.options.learnerIdleTicks;
      if (idle && learner.prepareStartDecree === 0n) this.dropLearner(node);
    }
  }

  protected dropLearner(node: NodeId): void {
    if (!this.learners.delete(node)) return;
    for (const sent of this.pendingAcks.values()) sent.delete(node);
    for (const [readId, read] of this.logReads) if (read.learner === node) this.logReads.delete(readId);
    this.commitAsPrimary();
  }

  protected respondLearn(to: NodeId, fields: Partial<LearnResponseMessage> & { signature: number; error: ReplicationErrorCode }): void {
    const config = this.config;
    assert(config !== undefined, 'a primary has a configuration');
    this.send(to, {
      kind: 'learn_response', gpid: this.gpid, config, learnType: 'LT_CACHE', discardLearnerState: false,
      checkpointDecree: undefined, mutations: [], committedDecree: this.plist.committedDecree, prepareStartDecree: 0n,
      ...fields,
    });
  }

  protected onLearnRequest(from: NodeId, request: LearnRequestMessage): void {
    const learner = this.learners.get(from);
    if (this.roleNow !== 'primary') {
      if (this.config !== undefined) this.respondLearn(from, { signature: request.signature, error: 'ERR_INVALID_STATE' });
      return;
    }
    if (learner === undefined || learner.signature !== request.signature) {
      this.respondLearn(from, { signature: request.signature, error: 'ERR_WRONG_CHECKSUM' });
      return;
    }
    learner.lastContactTick = this.tickNow;
    if (request.committedDecree > this.plist.maxDecree) {
      this.respondLearn(from, { signature: request.signature, error: 'ERR_OK', discardLearnerState: true });
      return;
    }
    const learnStart = minDecree(request.committedDecree, this.plist.committedDecree) + 1n;
    const cached = this.learnFromCache(learnStart);
    if (cached !== undefined) {
      // Cut by bytes inside the uncommitted tail, the rest goes out as prepares (as Pegasus replays
      // its prepare list after LT_CACHE): asking again could only bring the same uncommitted head.
      const last = learnStart + BigInt(cached.mutations.length) - 1n;
      const replay = !cached.reachesTail && cached.cutByBytes && last >= this.plist.committedDecree;
      if (cached.reachesTail) learner.prepareStartDecree = this.plist.maxDecree + 1n;
      else if (replay) learner.prepareStartDecree = last + 1n;
      this.respondLearn(from, {
        signature: learner.signature, error: 'ERR_OK', learnType: 'LT_CACHE', mutations: cached.mutations,
        prepareStartDecree: cached.reachesTail || replay ? learner.prepareStartDecree : 0n,
      });
      if (replay) this.replayToLearner(from, learner.prepareStartDecree);
      return;
    }
    if (learnStart > this.logTruncatedDecree) {
      this.requestLogRead(from, learner.signature, 'LT_LOG', undefined, learnStart);
      return;
    }
    const checkpoint = this.checkpointDecree;
    if (checkpoint === 0n || checkpoint < this.logTruncatedDecree) {
      this.out.takeCheckpoint = true;
      this.respondLearn(from, { signature: learner.signature, error: 'ERR_TRY_AGAIN' });
      return;
    }
    this.requestLogRead(from, learner.signature, 'LT_APP', checkpoint, checkpoint + 1n);
  }

  /** LT_CACHE if the prepare list holds everything from learnStart; bounded by count and bytes. */
  protected learnFromCache(learnStart: Decree): { mutations: Mutation[]; reachesTail: boolean; cutByBytes: boolean } | undefined {
    if (learnStart < this.plist.minDecree) return undefined;
    const max = this.plist.maxDecree;
    const limit = BigInt(this.options.learnResponseMutationsMax);
    const to = max - learnStart + 1n > limit ? learnStart + limit - 1n : max;
    const mutations = this.plist.range(learnStart, to);
    if (mutations === undefined) return undefined;
    const fit = countWithinBytes(mutations, this.options.learnResponseBytesMax);
    if (fit < mutations.length) return { mutations: mutations.slice(0, fit), reachesTail: false, cutByBytes: true };
    return { mutations, reachesTail: to === max, cutByBytes: false };
  }

  /** Sends the prepared tail from `fromDecree` to a learner, which must acknowledge it like a secondary. */
  protected replayToLearner(node: NodeId, fromDecree: Decree): void {
    for (let decree = fromDecree; decree <= this.plist.maxDecree; decree += 1n) {
      const entry = this.plist.get(decree);
      const sent = this.pendingAcks.get(decree);
      assert(entry !== undefined && sent !== undefined, 'an uncommitted decree is prepared and awaits acknowledgements');
      sent.set(node, { firstTick: this.tickNow, lastTick: this.tickNow });
      this.sendPrepare(node, entry.mutation);
    }
  }

  protected requestLogRead(learner: NodeId, signature: number, learnType: LearnType, checkpointDecree: Decree | undefined, fromDecree: Decree): void {
    // The log serves committed decrees below what the prepare list holds; the next round uses the cache.
    const cacheStart = this.plist.minDecree;
    const limit = BigInt(this.options.learnResponseMutationsMax);
    const last = minDecree(cacheStart - 1n, fromDecree + limit - 1n);
    if (last < fromDecree) {
      this.respondLearn(learner, { signature, error: 'ERR_OK', learnType, checkpointDecree, mutations: [] });
      return;
    }
    if (this.logReads.size >= this.options.logReadsInFlightMax) {
      this.respondLearn(learner, { signature, error: 'ERR_TRY_AGAIN' });
      return;
    }
    const readId = this.nextReadId++;
    this.logReads.set(readId, { learner, signature, learnType, checkpointDecree, fromDecree, toDecree: last });
    this.out.readLog.push({ readId, fromDecree, toDecree: last });
  }

  protected onLogRead(readId: number, mutations: readonly Mutation[]): void {
    const read = this.logReads.get(readId);
    if (read === undefined) return;
    this.logReads.delete(readId);
    const learner = this.learners.get(read.learner);
    if (this.roleNow !== 'primary' || learner?.signature !== read.signature) return;
    // The range's first decrees, contiguous: the shell may stop early, and the rest comes next round.
    let contiguous = 0;
    while (contiguous < mutations.length && contiguous < Number(read.toDecree - read.fromDecree + 1n) &&
      mutations[contiguous]?.decree === read.fromDecree + BigInt(contiguous)) contiguous += 1;
    if (contiguous === 0) {
      this.respondLearn(read.learner, { signature: read.signature, error: 'ERR_TRY_AGAIN' });
      return;
    }
    const fit = countWithinBytes(mutations.slice(0, contiguous), this.options.learnResponseBytesMax);
    this.respondLearn(read.learner, {
      signature: read.signature, error: 'ERR_OK', learnType: read.learnType, checkpointDecree: read.checkpointDecree,
      mutations: mutations.slice(0, fit),
    });
  }

  protected onLearnCompletion(from: NodeId, message: LearnCompletionNotifyMessage): void {
    const learner = this.learners.get(from);
    const config = this.config;
    if (this.roleNow !== 'primary' || config === undefined || learner?.signature !== message.signature) return;
    if (learner.prepareStartDecree === 0n || this.pendingMeta !== undefined) return;
    if (message.prepareStartDecree !== learner.prepareStartDecree) {
      // The learner caught up to an older round than the one we record: teach it afresh.
      this.dropLearner(from);
      this.addLearner(from);
      return;
    }
    this.requestMeta('upgrade_to_secondary', from, { ...config, secondaries: [...config.secondaries, from] });
  }
}
