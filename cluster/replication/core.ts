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
import { assert, assertNever } from '../../common/assert.ts';
import type { ConfigChangeKind, ConfigChangeRequest, NodeId, PartitionConfiguration } from './configuration.ts';
import type {
  Envelope, LogReadRequest, Ready, RecoveredState, ReplicaCoreInit, ReplicaCoreOptions, ReplicaInput, Reply,
} from './api.ts';
import { defaultReplicaCoreOptions, EMPTY_RECOVERED_STATE } from './api.ts';
import { isRetriable, type ReplicationErrorCode } from './errors.ts';
import type {
  ConfigProposalMessage, GroupCheckAckMessage, GroupCheckMessage, LearnCompletionNotifyMessage, LearnRequestMessage,
  LearnResponseMessage, MetaToReplica, PeerMessage, PrepareAckMessage, PrepareMessage,
} from './messages.ts';
import { PrepareList } from './prepare-list.ts';
import { assertLegalTransition } from './roles.ts';
import type { Ballot, Decree, Gpid, LearnerStatus, LearnType, Mutation, Outcome, ReplicaInfo, ReplicaRole, RequestId } from './types.ts';
import { RECOVERED_LOG_MUTATIONS_MAX } from '../../common/limits.ts';

const OK: Outcome = { ok: true };

interface QueuedWrite {
  readonly requestId: RequestId;
  readonly payload: Uint8Array;
  readonly sizeBytes: number;
  readonly batchable: boolean;
  readonly timestampUs: bigint;
}

/** When a prepare went to a member, for resends and the prepare timeout. */
interface PrepareSent {
  readonly firstTick: number;
  lastTick: number;
}

/** A learner as its primary tracks it. */
interface LearnerOnPrimary {
  readonly signature: number;
  /** Last tick the learner asked for something (or was invited). */
  lastContactTick: number;
  /** 0 until the learner receives prepares; then every prepare from this decree goes to it. */
  prepareStartDecree: Decree;
}

/** A learn round waiting for the shell to read the log. */
interface PendingLogRead {
  readonly learner: NodeId;
  readonly signature: number;
  readonly learnType: LearnType;
  readonly checkpointDecree: Decree | undefined;
  readonly fromDecree: Decree;
  readonly toDecree: Decree;
}

/** This replica's own learning, while it is a potential secondary. */
interface LearningState {
  readonly signature: number;
  readonly primary: NodeId;
  status: LearnerStatus;
  /** A learn request is outstanding since this tick. */
  requestTick: number | undefined;
  /** The decree the last response brought us to; the next round starts once committed there. */
  roundTargetDecree: Decree;
  prepareStartDecree: Decree;
  /** LT_APP: the response waiting for the checkpoint import. */
  importing: LearnResponseMessage | undefined;
  completionTick: number | undefined;
}

interface PendingMetaRequest {
  readonly request: ConfigChangeRequest;
  sentTick: number;
}

export class ReplicaCore {
  readonly gpid: Gpid;
  readonly self: NodeId;
  readonly options: ReplicaCoreOptions;

  private roleNow: ReplicaRole = 'inactive';
  /** Inactive only while waiting for meta or for the lease: may resume without a ballot change. */
  private inactiveTransient = false;
  private ballot: Ballot;
  private config: PartitionConfiguration | undefined = undefined;
  private readonly plist: PrepareList;
  private appliedDecree: Decree;
  private applyHandedDecree: Decree;
  private tickNow = 0;
  private out: MutableReady = emptyReady();

  // the log
  private readonly pendingAppends: { seq: number; ballot: Ballot; decree: Decree }[] = [];
  private nextAppendSeq = 1;
  private checkpointDecree: Decree;
  private logTruncatedDecree: Decree;
  private gcExternalBound: Decree | undefined = undefined;

  // primary
  private readonly writeQueue: QueuedWrite[] = [];
  private readonly writesByDecree = new Map<Decree, RequestId[]>();
  private readonly pendingAcks = new Map<Decree, Map<NodeId, PrepareSent>>();
  private lastTimestampUs = 0n;
  private lastPrepareTick = 0;
  private lastGroupCheckTick = 0;
  private reconcileDecree: Decree = 0n;
  private committedSent: Decree = 0n;
  private readonly learners = new Map<NodeId, LearnerOnPrimary>();
  private nextSignatureSeq = 1;
  private readonly logReads = new Map<number, PendingLogRead>();
  private nextReadId = 1;
  private pendingMeta: PendingMetaRequest | undefined = undefined;
  private lastMetaRequestTick: number | undefined = undefined;

  // secondary and learner
  private commitTarget: Decree;
  private learning: LearningState | undefined = undefined;
  /** The newest learning round this replica was invited to, kept across role changes. */
  private lastInvitation: { readonly primary: NodeId; readonly signature: number } | undefined = undefined;

  constructor(init: ReplicaCoreInit) {
    const recovered = init.recovered ?? EMPTY_RECOVERED_STATE;
    this.gpid = init.gpid;
    this.self = init.self;
    this.options = { ...defaultReplicaCoreOptions, ...init.options };
    assert(this.options.mutationsInFlightMax < this.options.prepareListCapacity, 'in-flight mutations fit the prepare list');
    this.ballot = recovered.ballot;
    this.appliedDecree = recovered.appliedDecree;
    this.applyHandedDecree = recovered.appliedDecree;
    this.checkpointDecree = recovered.checkpointDecree;
    this.logTruncatedDecree = recovered.logTruncatedDecree;
    this.plist = new PrepareList(this.options.prepareListCapacity, recovered.appliedDecree);
    this.commitTarget = recovered.appliedDecree;
    this.replayRecoveredLog(recovered);
  }

  // --- observation ---

  get role(): ReplicaRole {
    return this.roleNow;
  }

  info(): ReplicaInfo {
    return {
      gpid: this.gpid,
      node: this.self,
      role: this.roleNow,
      ballot: this.ballot,
      committedDecree: this.plist.committedDecree,
      appliedDecree: this.appliedDecree,
      preparedDecree: this.plist.maxDecree,
      config: this.config,
    };
  }

  hasReady(): boolean {
    const o = this.out;
    return o.ballotToPersist !== undefined || o.discardState || o.truncateLogAfter !== undefined ||
      o.importCheckpoint !== undefined || o.appendToLog.length > 0 || o.send.length > 0 ||
      o.apply.length > 0 || o.replyWrites.length > 0 || o.replyReads.length > 0 ||
      o.requestsToMeta.length > 0 || o.readLog.length > 0 || o.takeCheckpoint ||
      o.gcLogThrough !== undefined || o.roleChanged !== undefined;
  }

  ready(): Ready {
    return this.out;
  }

  advance(ready: Ready): void {
    assert(ready === this.out, 'advance takes the batch the last ready() returned');
    this.out = emptyReady();
  }

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
  private onLeaseExpired(): void {
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
  private learnedRound(): boolean {
    return this.roleNow === 'potential_secondary' && this.learning?.status === 'learning_succeeded';
  }

  private stepInError(input: ReplicaInput): void {
    if (input.kind === 'client_write') this.replyWrite(input.requestId, failure('ERR_INVALID_STATE'));
    if (input.kind === 'client_read') this.out.replyReads.push({ requestId: input.requestId, outcome: failure('ERR_INVALID_STATE') });
  }

  // --- recovery ---

  private replayRecoveredLog(recovered: RecoveredState): void {
    assert(recovered.log.length <= RECOVERED_LOG_MUTATIONS_MAX, 'recovered log within bound');
    const byDecree = new Map<Decree, Mutation>();
    let headerCommitted = recovered.appliedDecree;
    for (const mutation of recovered.log) {
      if (mutation.decree <= recovered.appliedDecree) continue;
      const existing = byDecree.get(mutation.decree);
      if (existing === undefined || existing.ballot <= mutation.ballot) byDecree.set(mutation.decree, mutation);
      if (mutation.lastCommittedDecree > headerCommitted) headerCommitted = mutation.lastCommittedDecree;
      if (mutation.ballot > this.ballot) this.ballot = mutation.ballot;
    }
    // Committed mutations come out again for applying; the rest become the prepared tail.
    let committed = recovered.appliedDecree;
    for (let next = byDecree.get(committed + 1n); next !== undefined && next.decree <= headerCommitted; next = byDecree.get(committed + 1n)) {
      this.out.apply.push(next);
      committed = next.decree;
    }
    this.applyHandedDecree = committed;
    this.plist.reset(committed);
    this.commitTarget = committed;
    const tail = [...byDecree.values()].filter((m) => m.decree > committed).sort((a, b) => (a.decree < b.decree ? -1 : 1));
    for (const mutation of tail) {
      if (!this.plist.hasRoomFor(mutation.decree)) break;
      this.plist.put({ mutation, logged: true, appendSeq: 0, ackTo: undefined });
    }
  }

  // --- roles: one function per target role ---

  private changeRole(to: ReplicaRole): void {
    assertLegalTransition(this.roleNow, to);
    if (this.roleNow !== to) this.out.roleChanged = to;
    this.roleNow = to;
  }

  private toPrimary(): void {
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

  private toSecondary(): void {
    this.changeRole('secondary');
    this.leavePrimary();
    this.inactiveTransient = false;
    this.learning = undefined;
  }

  private toLearner(signature: number, primary: NodeId, how: { keepTail: boolean }): void {
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

  private toInactive(how: { transient: boolean; failWrites: boolean }): void {
    this.changeRole('inactive');
    this.inactiveTransient = how.transient;
    this.learning = undefined;
    if (how.failWrites) this.leavePrimary();
  }

  private toError(): void {
    this.changeRole('error');
    this.leavePrimary();
    this.learning = undefined;
    this.pendingMeta = undefined;
  }

  /** Forgets the primary's duties; clients of unfinished writes are answered. */
  private leavePrimary(): void {
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

  private isMember(node: NodeId): boolean {
    const config = this.config;
    return config !== undefined && (config.primary === node || config.secondaries.includes(node));
  }

  /**
   * The newest ballot this replica knows of: its own, or that of a newer configuration it heard of
   * without being a member. Messages from an older configuration are refused against it.
   */
  private knownBallot(): Ballot {
    const configBallot = this.config?.ballot ?? 0n;
    return configBallot > this.ballot ? configBallot : this.ballot;
  }

  private setBallot(ballot: Ballot): void {
    assert(ballot >= this.ballot, `a ballot never decreases (${this.ballot} -> ${ballot})`);
    if (ballot > this.ballot) {
      this.ballot = ballot;
      this.out.ballotToPersist = ballot;
    }
  }

  /** Adopts a configuration at least as new as ours and takes the role it gives us. */
  private adoptConfig(config: PartitionConfiguration): void {
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
  private askToBeRemoved(): void {
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

  private requestMeta(kind: ConfigChangeKind, node: NodeId, proposed: Omit<PartitionConfiguration, 'ballot' | 'lastCommittedDecree'>): void {
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

  private onMetaMessage(message: MetaToReplica): void {
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

  private onConfigChangeReply(error: ReplicationErrorCode, config: PartitionConfiguration): void {
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

  private notifyRemoved(node: NodeId, config: PartitionConfiguration): void {
    if (node === this.self || node === '') return;
    this.send(node, { kind: 'remove_replica', gpid: this.gpid, config });
  }

  private onConfigProposal(proposal: ConfigProposalMessage): void {
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

  private removeSecondary(node: NodeId, kind: ConfigChangeKind): void {
    const config = this.config;
    assert(config !== undefined && this.roleNow === 'primary', 'a primary removes secondaries');
    if (this.pendingMeta !== undefined) return;
    this.requestMeta(kind, node, { ...config, secondaries: config.secondaries.filter((s) => s !== node) });
  }

  // --- ticks ---

  private onTick(): void {
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
  private retryRemovalOfRestarted(): void {
    const config = this.config;
    if (config === undefined || !this.isMemberOf(config)) return;
    if (config.primary === this.self || config.primary === '') this.askToBeRemoved();
  }

  private checkPrepareTimeouts(): void {
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

  private maybeEmptyWrite(): void {
    const idle = this.tickNow - this.lastPrepareTick >= this.options.emptyWriteIdleTicks;
    if (!idle || this.committedSent >= this.plist.committedDecree || this.inFlightCount() > 0) return;
    // The tail that needs telling is only a previous empty write: nothing to propagate.
    const tail = this.plist.get(this.plist.committedDecree)?.mutation;
    if (tail !== undefined && tail.requests.length === 0 && this.committedSent + 1n >= this.plist.committedDecree) return;
    this.prepareNew([], []);
  }

  // --- write path (primary) ---

  private onClientWrite(write: QueuedWrite): void {
    const refusal = this.writeRefusal(write.sizeBytes);
    if (refusal !== undefined) {
      this.replyWrite(write.requestId, failure(refusal));
      return;
    }
    this.writeQueue.push(write);
  }

  private writeRefusal(sizeBytes: number): Exclude<ReplicationErrorCode, 'ERR_OK'> | undefined {
    if (this.roleNow !== 'primary' || this.config === undefined) return 'ERR_INVALID_STATE';
    if (sizeBytes > this.options.writeBodyBytesMax || sizeBytes < 0) return 'ERR_INVALID_DATA';
    if (1 + this.config.secondaries.length < this.options.minReplicaCount) return 'ERR_NOT_ENOUGH_MEMBER';
    if (this.writeQueue.length >= this.options.writeQueueRequestsMax) return 'ERR_CAPACITY_EXCEEDED';
    return undefined;
  }

  private inFlightCount(): number {
    return Number(this.plist.maxDecree - this.plist.committedDecree);
  }

  /** Starts queued writes while two-phase commit has room, batching consecutive batchable ones. */
  private startQueuedWrites(): void {
    while (this.roleNow === 'primary' && this.writeQueue.length > 0 && this.inFlightCount() < this.options.mutationsInFlightMax) {
      const batch = this.takeBatch();
      this.prepareNew(batch.map((w) => w.payload), batch.map((w) => w.requestId), batch);
    }
  }

  private takeBatch(): QueuedWrite[] {
    const first = this.writeQueue.shift();
    assert(first !== undefined, 'a batch starts with a queued write');
    const batch = [first];
    if (!first.batchable) return batch;
    let bytes = first.sizeBytes;
    for (let next = this.writeQueue[0]; next !== undefined && next.batchable; next = this.writeQueue[0]) {
      if (bytes + next.sizeBytes > this.options.mutationBatchBytesMax || batch.length >= this.options.mutationBatchRequestsMax) break;
      bytes += next.sizeBytes;
      batch.push(next);
      this.writeQueue.shift();
    }
    return batch;
  }

  private nextTimestampUs(proposed: bigint): bigint {
    this.lastTimestampUs = proposed > this.lastTimestampUs ? proposed : this.lastTimestampUs + 1n;
    return this.lastTimestampUs;
  }

  private prepareNew(requests: Uint8Array[], requestIds: RequestId[], batch: readonly QueuedWrite[] = []): void {
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
  private prepare(mutation: Mutation): void {
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

  private prepareTargets(decree: Decree): NodeId[] {
    const config = this.config;
    assert(config !== undefined, 'a primary has a configuration');
    const targets = [...config.secondaries];
    for (const [node, learner] of this.learners) {
      if (learner.prepareStartDecree !== 0n && learner.prepareStartDecree <= decree) targets.push(node);
    }
    return targets;
  }

  private sendPrepare(node: NodeId, mutation: Mutation): void {
    const config = this.config;
    assert(config !== undefined, 'a primary has a configuration');
    const committedDecree = this.plist.committedDecree;
    if (committedDecree > this.committedSent) this.committedSent = committedDecree;
    this.send(node, {
      kind: 'prepare', gpid: this.gpid, config, learnerSignature: this.learners.get(node)?.signature ?? 0,
      mutation, committedDecree,
    });
  }

  private appendToLog(mutation: Mutation): void {
    const entry = this.plist.get(mutation.decree);
    assert(entry !== undefined && entry.mutation === mutation, 'appended mutations are in the prepare list');
    entry.appendSeq = this.nextAppendSeq++;
    entry.logged = false;
    this.pendingAppends.push({ seq: entry.appendSeq, ballot: mutation.ballot, decree: mutation.decree });
    this.out.appendToLog.push(mutation);
  }

  private onLogAppended(ballot: Ballot, decree: Decree): void {
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

  private onPrepareAck(from: NodeId, ack: PrepareAckMessage): void {
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
  private commitAsPrimary(): void {
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
  private commitToTarget(): void {
    // Learned mutations may carry other ballot stamps for the same contents (a primary re-stamps
    // what it had not seen committed), so the ballot order is asserted on primaries only.
    while (this.plist.committedDecree < this.commitTarget) {
      const mutation = this.plist.commitNext(false);
      if (mutation === undefined) return;
      this.handToApply(mutation);
    }
  }

  private handToApply(mutation: Mutation): void {
    assert(mutation.decree === this.applyHandedDecree + 1n, 'committed decrees are applied contiguously');
    this.applyHandedDecree = mutation.decree;
    this.out.apply.push(mutation);
  }

  private onApplied(decree: Decree): void {
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

  private replyWrite(requestId: RequestId, outcome: Outcome): void {
    this.out.replyWrites.push({ requestId, outcome });
  }

  /** After a log append or an apply: commit and move learning along. */
  private afterProgress(): void {
    if (this.roleNow === 'primary') this.commitAsPrimary();
    else if (this.roleNow === 'secondary' || this.roleNow === 'potential_secondary') this.commitToTarget();
    if (this.roleNow === 'potential_secondary') this.checkLearningProgress();
  }

  // --- reads ---

  private onClientRead(requestId: RequestId): void {
    const reconciled = this.plist.committedDecree >= this.reconcileDecree && this.appliedDecree >= this.reconcileDecree;
    const outcome = this.roleNow === 'primary' && reconciled ? OK : failure('ERR_INVALID_STATE');
    this.out.replyReads.push({ requestId, outcome });
  }

  // --- failures ---

  private onRemoteFailure(node: NodeId): void {
    if (this.roleNow !== 'primary') return;
    if (this.learners.has(node)) {
      this.dropLearner(node);
      return;
    }
    if (this.config?.secondaries.includes(node) === true) this.removeSecondary(node, 'downgrade_to_inactive');
  }

  /** A replica answered with a higher ballot: another configuration has replaced ours. */
  private onDeposed(): void {
    if (this.roleNow === 'primary') this.toInactive({ transient: false, failWrites: true });
  }

  // --- messages from peers ---

  private onPeerMessage(from: NodeId, message: PeerMessage): void {
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

  private isMemberOf(config: PartitionConfiguration): boolean {
    return config.primary === this.self || config.secondaries.includes(this.self);
  }

  private send(to: NodeId, message: PeerMessage): void {
    assert(to !== this.self, 'a replica never sends to itself');
    this.out.send.push({ to, message });
  }

  private sendPrepareAck(to: NodeId, mutation: Pick<Mutation, 'ballot' | 'decree'>, error: ReplicationErrorCode): void {
    this.send(to, {
      kind: 'prepare_ack', gpid: this.gpid, error, ballot: mutation.ballot, decree: mutation.decree,
      receiverBallot: this.knownBallot(), committedDecree: this.plist.committedDecree,
    });
  }

  private onPrepare(from: NodeId, message: PrepareMessage): void {
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

  private prepareRefusal(from: NodeId, message: PrepareMessage): ReplicationErrorCode | undefined {
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
  private acceptPrepare(from: NodeId, mutation: Mutation): void {
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

  private sendGroupCheck(): void {
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

  private onGroupCheck(from: NodeId, message: GroupCheckMessage): void {
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

  private onGroupCheckAck(from: NodeId, message: GroupCheckAckMessage): void {
    if (message.receiverBallot > this.ballot) {
      this.onDeposed();
      return;
    }
    if (this.roleNow !== 'primary' || message.error === 'ERR_OK') return;
    if (this.config?.secondaries.includes(from) === true) this.onRemoteFailure(from);
  }

  // --- learning, primary side ---

  /** Invites a learner; a repeated proposal re-sends the invitation of the running round. */
  private addLearner(node: NodeId): void {
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
  private dropIdleLearners(): void {
    for (const [node, learner] of this.learners) {
      const idle = this.tickNow - learner.lastContactTick >= this.options.learnerIdleTicks;
      if (idle && learner.prepareStartDecree === 0n) this.dropLearner(node);
    }
  }

  private dropLearner(node: NodeId): void {
    if (!this.learners.delete(node)) return;
    for (const sent of this.pendingAcks.values()) sent.delete(node);
    for (const [readId, read] of this.logReads) if (read.learner === node) this.logReads.delete(readId);
    this.commitAsPrimary();
  }

  private respondLearn(to: NodeId, fields: Partial<LearnResponseMessage> & { signature: number; error: ReplicationErrorCode }): void {
    const config = this.config;
    assert(config !== undefined, 'a primary has a configuration');
    this.send(to, {
      kind: 'learn_response', gpid: this.gpid, config, learnType: 'LT_CACHE', discardLearnerState: false,
      checkpointDecree: undefined, mutations: [], committedDecree: this.plist.committedDecree, prepareStartDecree: 0n,
      ...fields,
    });
  }

  private onLearnRequest(from: NodeId, request: LearnRequestMessage): void {
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
      if (cached.reachesTail) learner.prepareStartDecree = this.plist.maxDecree + 1n;
      this.respondLearn(from, {
        signature: learner.signature, error: 'ERR_OK', learnType: 'LT_CACHE', mutations: cached.mutations,
        prepareStartDecree: cached.reachesTail ? learner.prepareStartDecree : 0n,
      });
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

  /** LT_CACHE if the prepare list holds everything from learnStart. */
  private learnFromCache(learnStart: Decree): { mutations: Mutation[]; reachesTail: boolean } | undefined {
    if (learnStart < this.plist.minDecree) return undefined;
    const max = this.plist.maxDecree;
    const limit = BigInt(this.options.learnResponseMutationsMax);
    const to = max - learnStart + 1n > limit ? learnStart + limit - 1n : max;
    const mutations = this.plist.range(learnStart, to);
    if (mutations === undefined) return undefined;
    return { mutations, reachesTail: to === max };
  }

  private requestLogRead(learner: NodeId, signature: number, learnType: LearnType, checkpointDecree: Decree | undefined, fromDecree: Decree): void {
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

  private onLogRead(readId: number, mutations: readonly Mutation[]): void {
    const read = this.logReads.get(readId);
    if (read === undefined) return;
    this.logReads.delete(readId);
    const learner = this.learners.get(read.learner);
    if (this.roleNow !== 'primary' || learner?.signature !== read.signature) return;
    const complete = mutations.length === Number(read.toDecree - read.fromDecree + 1n) &&
      mutations.every((m, i) => m.decree === read.fromDecree + BigInt(i));
    if (!complete) {
      this.respondLearn(read.learner, { signature: read.signature, error: 'ERR_TRY_AGAIN' });
      return;
    }
    this.respondLearn(read.learner, {
      signature: read.signature, error: 'ERR_OK', learnType: read.learnType, checkpointDecree: read.checkpointDecree, mutations,
    });
  }

  private onLearnCompletion(from: NodeId, message: LearnCompletionNotifyMessage): void {
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

  // --- learning, learner side ---

  private sendLearnRequest(): void {
    const learning = this.learning;
    assert(learning !== undefined, 'a learner has a learning state');
    learning.requestTick = this.tickNow;
    this.send(learning.primary, {
      kind: 'learn_request', gpid: this.gpid, signature: learning.signature,
      appliedDecree: this.appliedDecree, committedDecree: this.plist.committedDecree,
    });
  }

  private learnerTick(): void {
    const learning = this.learning;
    if (learning === undefined) return;
    const retry = this.options.learnRetryTicks;
    if (learning.requestTick !== undefined && this.tickNow - learning.requestTick >= retry) this.sendLearnRequest();
    if (learning.completionTick !== undefined && this.tickNow - learning.completionTick >= retry) this.sendCompletion();
  }

  private onLearnResponse(from: NodeId, response: LearnResponseMessage): void {
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

  private discardLocalState(): void {
    this.out.discardState = true;
    this.plist.reset(0n);
    this.appliedDecree = 0n;
    this.applyHandedDecree = 0n;
    this.commitTarget = 0n;
    this.checkpointDecree = 0n;
    this.logTruncatedDecree = 0n;
  }

  private onCheckpointImported(decree: Decree): void {
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

  private ingestLearned(response: LearnResponseMessage): void {
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
  private checkLearningProgress(): void {
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

  private loggedThrough(decree: Decree): boolean {
    for (let d = this.plist.committedDecree + 1n; d <= decree; d += 1n) {
      if (this.plist.get(d)?.logged !== true) return false;
    }
    return true;
  }

  private sendCompletion(): void {
    const learning = this.learning;
    assert(learning !== undefined, 'a learner has a learning state');
    learning.completionTick = this.tickNow;
    this.send(learning.primary, {
      kind: 'learn_completion_notify', gpid: this.gpid, signature: learning.signature,
      appliedDecree: this.appliedDecree, prepareStartDecree: learning.prepareStartDecree,
    });
  }

  // --- log GC ---

  private collectLogGarbage(): void {
    let bound = minDecree(this.checkpointDecree, this.appliedDecree);
    if (this.gcExternalBound !== undefined) bound = minDecree(bound, this.gcExternalBound);
    if (bound <= this.logTruncatedDecree) return;
    this.logTruncatedDecree = bound;
    this.out.gcLogThrough = bound;
  }
}

function isRemoval(kind: ConfigChangeKind): boolean {
  return kind === 'remove' || kind === 'downgrade_to_inactive';
}

function minDecree(a: Decree, b: Decree): Decree {
  return a < b ? a : b;
}

interface MutableReady {
  ballotToPersist: Ballot | undefined;
  discardState: boolean;
  truncateLogAfter: Decree | undefined;
  importCheckpoint: { readonly from: NodeId; readonly decree: Decree } | undefined;
  appendToLog: Mutation[];
  send: Envelope[];
  apply: Mutation[];
  replyWrites: Reply[];
  replyReads: Reply[];
  requestsToMeta: ConfigChangeRequest[];
  readLog: LogReadRequest[];
  takeCheckpoint: boolean;
  gcLogThrough: Decree | undefined;
  roleChanged: ReplicaRole | undefined;
}

function emptyReady(): MutableReady {
  return {
    ballotToPersist: undefined, discardState: false, truncateLogAfter: undefined, importCheckpoint: undefined,
    appendToLog: [], send: [], apply: [], replyWrites: [], replyReads: [], requestsToMeta: [], readLog: [],
    takeCheckpoint: false, gcLogThrough: undefined, roleChanged: undefined,
  };
}

export function failure(code: Exclude<ReplicationErrorCode, 'ERR_OK'>): Outcome {
  return { ok: false, code, retriable: isRetriable(code) };
}
