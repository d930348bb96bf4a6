// The primary's write path and commit: queued client writes, batching into mutations, prepares,
// log appends, commit in decree order, applying and answering clients; reads and remote failures.
import { assert } from '../../common/assert.ts';
import type { NodeId } from './configuration.ts';
import type { ReplicationErrorCode } from './errors.ts';
import type { PrepareAckMessage } from './messages.ts';
import type { Ballot, Decree, Mutation, Outcome, RequestId } from './types.ts';
import { failure, OK, ReplicaCoreState, writeBytes, type PrepareSent, type QueuedWrite } from './core-state.ts';

export abstract class PrimaryWritePath extends ReplicaCoreState {
  // --- write path (primary) ---

  protected onClientWrite(write: QueuedWrite): void {
    const refusal = this.writeRefusal(writeBytes(write));
    if (refusal !== undefined) {
      this.replyWrite(write.requestId, failure(refusal));
      return;
    }
    this.writeQueue.push(write);
  }

  protected writeRefusal(sizeBytes: number): Exclude<ReplicationErrorCode, 'ERR_OK'> | undefined {
    if (this.roleNow !== 'primary' || this.config === undefined) return 'ERR_INVALID_STATE';
    if (sizeBytes > this.options.writeBodyBytesMax || sizeBytes < 0) return 'ERR_INVALID_DATA';
    if (1 + this.config.secondaries.length < this.options.minReplicaCount) return 'ERR_NOT_ENOUGH_MEMBER';
    if (this.writeQueue.length >= this.options.writeQueueRequestsMax) return 'ERR_CAPACITY_EXCEEDED';
    return undefined;
  }

  protected inFlightCount(): number {
    return Number(this.plist.maxDecree - this.plist.committedDecree);
  }

  /** Starts queued writes while two-phase commit has room, batching consecutive batchable ones. */
  protected startQueuedWrites(): void {
    while (this.roleNow === 'primary' && this.writeQueue.length > 0 && this.inFlightCount() < this.options.mutationsInFlightMax) {
      const batch = this.takeBatch();
      this.prepareNew(batch.map((w) => w.payload), batch.map((w) => w.requestId), batch);
    }
  }

  protected takeBatch(): QueuedWrite[] {
    const first = this.writeQueue.shift();
    assert(first !== undefined, 'a batch starts with a queued write');
    const batch = [first];
    if (!first.batchable) return batch;
    let bytes = writeBytes(first);
    for (let next = this.writeQueue[0]; next !== undefined && next.batchable; next = this.writeQueue[0]) {
      if (bytes + writeBytes(next) > this.options.mutationBatchBytesMax || batch.length >= this.options.mutationBatchRequestsMax) break;
      bytes += writeBytes(next);
      batch.push(next);
      this.writeQueue.shift();
    }
    return batch;
  }

  protected nextTimestampUs(proposed: bigint): bigint {
    this.lastTimestampUs = proposed > this.lastTimestampUs ? proposed : this.lastTimestampUs + 1n;
    return this.lastTimestampUs;
  }

  protected prepareNew(requests: Uint8Array[], requestIds: RequestId[], batch: readonly QueuedWrite[] = []): void {
    const decree = this.plist.maxDecree + 1n;
    this.prepare({
      ballot: this.ballot,
      decree,
      lastCommittedDecree: this.plist.committedDecree,
      timestampUs: this.nextTimestampUs(batch[0]?.timestampUs ?? 0n),
      requests,
      sizeBytes: batch.reduce((sum, w) => sum + w.sizeBytes, 0),
    });
    if (requestIds.length > 0) this.writesByDecree.set(decree, requestIds);
  }

  /** Primary: put into the prepare list, append locally, and send to every member and learner. */
  protected prepare(mutation: Mutation): void {
    assert(mutation.ballot === this.ballot, 'a primary prepares under its own ballot');
    assert(this.plist.hasRoomFor(mutation.decree), 'the in-flight bound keeps the prepare list from overflowing');
    this.plist.put({ mutation, logged: false, appendSeq: 0, ackTo: undefined });
    this.appendToLog(mutation);
    const sent = new Map<NodeId, PrepareSent>();
    for (const node of this.prepareTargets(mutation.decree)) {
      sent.set(node, { firstTick: this.tickNow, lastTick: this.tickNow });
      this.sendPrepare(node, mutation);
    }
    this.pendingAcks.set(mutation.decree, sent);
    this.lastPrepareTick = this.tickNow;
  }

  protected prepareTargets(decree: Decree): NodeId[] {
    const config = this.config;
    assert(config !== undefined, 'a primary has a configuration');
    const targets = [...config.secondaries];
    for (const [node, learner] of this.learners) {
      if (learner.prepareStartDecree !== 0n && learner.prepareStartDecree <= decree) targets.push(node);
    }
    return targets;
  }

  protected sendPrepare(node: NodeId, mutation: Mutation): void {
    const config = this.config;
    assert(config !== undefined, 'a primary has a configuration');
    const committedDecree = this.plist.committedDecree;
    if (committedDecree > this.committedSent) this.committedSent = committedDecree;
    this.send(node, {
      kind: 'prepare', gpid: this.gpid, config, learnerSignature: this.learners.get(node)?.signature ?? 0,
      mutation, committedDecree,
    });
  }

  protected appendToLog(mutation: Mutation): void {
    const entry = this.plist.get(mutation.decree);
    assert(entry !== undefined && entry.mutation === mutation, 'appended mutations are in the prepare list');
    entry.appendSeq = this.nextAppendSeq++;
    entry.logged = false;
    this.pendingAppends.push({ seq: entry.appendSeq, ballot: mutation.ballot, decree: mutation.decree });
    this.out.appendToLog.push(mutation);
  }

  protected onLogAppended(ballot: Ballot, decree: Decree): void {
    const index = this.pendingAppends.findIndex((a) => a.ballot === ballot && a.decree === decree);
    if (index < 0) return; // an append from before a reset
    for (const done of this.pendingAppends.splice(0, index + 1)) {
      const entry = this.plist.get(done.decree);
      if (entry === undefined || entry.appendSeq !== done.seq) continue;
      entry.logged = true;
      if (entry.ackTo !== undefined) {
        this.sendPrepareAck(entry.ackTo, entry.mutation, 'ERR_OK');
        entry.ackTo = undefined;
      }
    }
    this.afterProgress();
  }

  protected onPrepareAck(from: NodeId, ack: PrepareAckMessage): void {
    if (ack.receiverBallot > this.ballot) {
      this.onDeposed();
      return;
    }
    if (this.roleNow !== 'primary' || ack.ballot !== this.ballot) return;
    const sent = this.pendingAcks.get(ack.decree);
    if (sent === undefined || !sent.has(from)) return;
    if (ack.error === 'ERR_OK') {
      sent.delete(from);
      this.commitAsPrimary();
    } else if (ack.error !== 'ERR_TRY_AGAIN' && ack.error !== 'ERR_INACTIVE_STATE' && ack.error !== 'ERR_CAPACITY_EXCEEDED') {
      // ERR_TRY_AGAIN / ERR_INACTIVE_STATE / ERR_CAPACITY_EXCEEDED are transient (a learner whose
      // list is full of the tail it just learned, not yet logged): resent until the prepare timeout.
      this.onRemoteFailure(from);
    }
  }

  /** Commits, in decree order, every mutation logged here and acknowledged by every target. */
  protected commitAsPrimary(): void {
    if (this.roleNow !== 'primary') return;
    for (;;) {
      const next = this.plist.committedDecree + 1n;
      if ((this.pendingAcks.get(next)?.size ?? 0) > 0) return;
      const mutation = this.plist.commitNext();
      if (mutation === undefined) return;
      this.pendingAcks.delete(next);
      this.handToApply(mutation);
    }
  }

  /** Secondaries and learners commit up to what the primary said is committed. */
  protected commitToTarget(): void {
    // Learned mutations may carry other ballot stamps for the same contents (a primary re-stamps
    // what it had not seen committed), so the ballot order is asserted on primaries only.
    while (this.plist.committedDecree < this.commitTarget) {
      const mutation = this.plist.commitNext(false);
      if (mutation === undefined) return;
      this.handToApply(mutation);
    }
  }

  protected handToApply(mutation: Mutation): void {
    assert(mutation.decree === this.applyHandedDecree + 1n, 'committed decrees are applied contiguously');
    this.applyHandedDecree = mutation.decree;
    this.out.apply.push(mutation);
  }

  protected onApplied(decree: Decree): void {
    assert(decree <= this.applyHandedDecree, 'only handed mutations are applied');
    if (decree <= this.appliedDecree) return;
    this.appliedDecree = decree;
    for (const [d, requestIds] of this.writesByDecree) {
      if (d > decree) continue;
      for (const requestId of requestIds) this.replyWrite(requestId, OK);
      this.writesByDecree.delete(d);
    }
    this.collectLogGarbage();
    this.afterProgress();
  }

  protected replyWrite(requestId: RequestId, outcome: Outcome): void {
    this.out.replyWrites.push({ requestId, outcome });
  }

  /** After a log append or an apply: commit and move learning along. */
  protected afterProgress(): void {
    if (this.roleNow === 'primary') this.commitAsPrimary();
    else if (this.roleNow === 'secondary' || this.roleNow === 'potential_secondary') this.commitToTarget();
    if (this.roleNow === 'potential_secondary') this.checkLearningProgress();
  }

  // --- reads ---

  protected onClientRead(requestId: RequestId): void {
    const reconciled = this.plist.committedDecree >= this.reconcileDecree && this.appliedDecree >= this.reconcileDecree;
    const outcome = this.roleNow === 'primary' && reconciled ? OK : failure('ERR_INVALID_STATE');
    this.out.replyReads.push({ requestId, outcome });
  }

  // --- failures ---

  protected onRemoteFailure(node: NodeId): void {
    if (this.roleNow !== 'primary') return;
    if (this.learners.has(node)) {
      this.dropLearner(node);
      return;
    }
    if (this.config?.secondaries.includes(node) === true) this.removeSecondary(node, 'downgrade_to_inactive');
  }

  /** A replica answered with a higher ballot: another configuration has replaced ours. */
  protected onDeposed(): void {
    if (this.roleNow === 'primary') this.toInactive({ transient: false, failWrites: true });
  }
}
