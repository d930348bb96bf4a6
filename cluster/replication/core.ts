// ReplicaCore: one partition replica's PacificA state machine (reference/pegasus-server.md
// section 2), pure and synchronous in the manner of etcd raft's RawNode.
//
//   const core = new ReplicaCore({ gpid, self, recovered });
//   core.step(input);                 // tick, peer/meta message, client request, IO completion
//   if (core.hasReady()) {
//     const ready = core.ready();     // the work to do, see api.ts Ready
//     ...perform it...
//     core.advance(ready);            // the work was taken; the next ready() starts empty
//   }
//
// Caller's rules (what must be durable before what is sent):
//  1. ready.ballotToPersist is durable before any message of the same batch is sent.
//  2. discardState, then truncateLogAfter, then appendToLog, in that order. Appends are done in
//     the order given, across batches; acknowledge with log_appended(ballot, decree) of the last
//     append done (durable per the fsync policy). Never acknowledge an append that is not done.
//  3. Messages in `send` may go out at once, before this batch's appends are done: the core
//     sends a prepare_ack only after the acknowledged append.
//  4. `apply` is in decree order and only holds committed mutations; apply them in order and
//     acknowledge with applied(decree). A write reply is emitted only after its applied ack.
//  5. A read reply with ok means "serve it now from storage"; apply this batch's `apply` first.
//  6. Inputs of one replica are stepped one at a time; the core never calls back.
//
// ReplicaCore is assembled from parts, each a class extending the one before (see core-state.ts):
// this file holds the input dispatch, the lease and the ticks.
import { assertNever } from '../../common/assert.ts';
import type { NodeId } from './configuration.ts';
import type { ReplicaInput } from './api.ts';
import { failure } from './core-state.ts';
import { RoleChanges } from './role-changes.ts';

export class ReplicaCore extends RoleChanges {
  // --- input ---

  step(input: ReplicaInput): void {
    if (this.roleNow === 'error') {
      this.stepInError(input);
      return;
    }
    switch (input.kind) {
      case 'tick':
        this.onTick();
        break;
      case 'peer':
        this.onPeerMessage(input.from, input.message);
        break;
      case 'meta':
        this.onMetaMessage(input.message);
        break;
      case 'client_write':
        this.onClientWrite(input);
        if (this.inFlightCount() > 0) return; // batched with the next writes at the next event
        break;
      case 'client_read':
        this.onClientRead(input.requestId);
        break;
      case 'log_appended':
        this.onLogAppended(input.ballot, input.decree);
        break;
      case 'applied':
        this.onApplied(input.decree);
        break;
      case 'checkpoint_taken':
        if (input.decree > this.checkpointDecree) this.checkpointDecree = input.decree;
        this.collectLogGarbage();
        break;
      case 'log_read':
        this.onLogRead(input.readId, input.mutations);
        break;
      case 'checkpoint_imported':
        this.onCheckpointImported(input.decree);
        break;
      case 'gc_bound':
        this.gcExternalBound = input.decree;
        this.collectLogGarbage();
        break;
      case 'lease_expired':
        this.onLeaseExpired();
        break;
      case 'local_failure':
        this.toError();
        break;
      default:
        assertNever(input, 'replica input');
    }
    this.startQueuedWrites();
  }

  /** Without the meta server's lease a replica stops serving: meta may already have replaced it. */
  protected onLeaseExpired(): void {
    // Transient: nothing was lost, so a configuration naming this replica may resume it (a learner
    // whose round succeeded and whose upgrade meta accepted meanwhile becomes a secondary with what
    // it learned). A learner still in its round has nothing a configuration could resume it with.
    if (this.roleNow === 'potential_secondary' && !this.learnedRound()) {
      this.toInactive({ transient: false, failWrites: true });
      return;
    }
    const serving = this.roleNow === 'primary' || this.roleNow === 'secondary' || this.roleNow === 'potential_secondary';
    if (serving || (this.roleNow === 'inactive' && this.inactiveTransient)) this.toInactive({ transient: true, failWrites: true });
  }

  /**
   * A learner holds everything its primary counts on only once its current round succeeded: it
   * logged the learned state up to the round's prepare start and accepts prepares from there. Before
   * that (a round started again after a restart or a late invitation drops the uncommitted tail) it
   * may miss decrees it acknowledged or reported learned earlier, so no configuration may make it a
   * member on the strength of an earlier completion.
   */
  protected learnedRound(): boolean {
    return this.roleNow === 'potential_secondary' && this.learning?.status === 'learning_succeeded';
  }

  protected stepInError(input: ReplicaInput): void {
    if (input.kind === 'client_write') this.replyWrite(input.requestId, failure('ERR_INVALID_STATE'));
    if (input.kind === 'client_read') this.out.replyReads.push({ requestId: input.requestId, outcome: failure('ERR_INVALID_STATE') });
  }

  // --- ticks ---

  protected onTick(): void {
    this.tickNow += 1;
    const pending = this.pendingMeta;
    if (pending !== undefined && this.tickNow - pending.sentTick >= this.options.metaRetryTicks) {
      pending.sentTick = this.tickNow;
      this.out.requestsToMeta.push(pending.request);
    }
    if (this.roleNow === 'primary') {
      this.checkPrepareTimeouts();
      if (this.roleNow !== 'primary') return;
      if (this.tickNow - this.lastGroupCheckTick >= this.options.groupCheckIntervalTicks) this.sendGroupCheck();
      this.maybeEmptyWrite();
      this.dropIdleLearners();
    } else if (this.roleNow === 'potential_secondary') {
      this.learnerTick();
    } else if (this.roleNow === 'inactive' && !this.inactiveTransient && this.pendingMeta === undefined) {
      this.retryRemovalOfRestarted();
    }
  }

  /** A restarted replica still listed where nobody else will remove it asks again. */
  protected retryRemovalOfRestarted(): void {
    const config = this.config;
    if (config === undefined || !this.isMemberOf(config)) return;
    if (config.primary === this.self || config.primary === '') this.askToBeRemoved();
  }

  protected checkPrepareTimeouts(): void {
    const failed = new Set<NodeId>();
    for (const [decree, sent] of this.pendingAcks) {
      const entry = this.plist.get(decree);
      if (entry === undefined) continue;
      for (const [node, at] of sent) {
        const learner = this.learners.get(node);
        const timeout = learner === undefined ? this.options.prepareTimeoutTicks : this.options.learnerPrepareTimeoutTicks;
        if (this.tickNow - at.firstTick >= timeout) failed.add(node);
        else if (this.tickNow - at.lastTick >= this.options.prepareRetryTicks) {
          at.lastTick = this.tickNow;
          this.sendPrepare(node, entry.mutation);
        }
      }
    }
    for (const node of failed) this.onRemoteFailure(node);
  }

  protected maybeEmptyWrite(): void {
    const idle = this.tickNow - this.lastPrepareTick >= this.options.emptyWriteIdleTicks;
    if (!idle || this.committedSent >= this.plist.committedDecree || this.inFlightCount() > 0) return;
    // The tail that needs telling is only a previous empty write: nothing to propagate.
    const tail = this.plist.get(this.plist.committedDecree)?.mutation;
    if (tail !== undefined && tail.requests.length === 0 && this.committedSent + 1n >= this.plist.committedDecree) return;
    this.prepareNew([], []);
  }
}

export { failure } from './core-state.ts';
