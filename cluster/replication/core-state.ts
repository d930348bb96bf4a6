// The state every part of ReplicaCore shares: fields, construction and recovery, observation and
// log GC; the methods a part calls in a part above it are declared abstract here. The parts extend
// one another in this order: core-state.ts, write-path.ts, prepare-and-group-check.ts,
// learning-teacher.ts, learning-learner.ts, role-changes.ts, core.ts (ReplicaCore).
import { assert } from '../../common/assert.ts';
import type { ConfigChangeKind, ConfigChangeRequest, NodeId, PartitionConfiguration } from './configuration.ts';
import type { Envelope, LogReadRequest, Ready, RecoveredState, ReplicaCoreInit, ReplicaCoreOptions, Reply } from './api.ts';
import { defaultReplicaCoreOptions, EMPTY_RECOVERED_STATE } from './api.ts';
import { isRetriable } from './errors.ts';
import type { ReplicationErrorCode } from './errors.ts';
import type { LearnCompletionNotifyMessage, LearnRequestMessage, LearnResponseMessage, PeerMessage } from './messages.ts';
import { PrepareList } from './prepare-list.ts';
import type { Ballot, Decree, Gpid, LearnerStatus, LearnType, Mutation, Outcome, ReplicaInfo, ReplicaRole, RequestId } from './types.ts';
import { RECOVERED_LOG_MUTATIONS_MAX } from '../../common/limits.ts';

export const OK: Outcome = { ok: true };

export interface QueuedWrite {
  readonly requestId: RequestId;
  readonly payload: Uint8Array;
  readonly sizeBytes: number;
  readonly batchable: boolean;
  readonly timestampUs: bigint;
}

/** When a prepare went to a member, for resends and the prepare timeout. */
export interface PrepareSent {
  readonly firstTick: number;
  lastTick: number;
}

/** A learner as its primary tracks it. */
export interface LearnerOnPrimary {
  readonly signature: number;
  /** Last tick the learner asked for something (or was invited). */
  lastContactTick: number;
  /** 0 until the learner receives prepares; then every prepare from this decree goes to it. */
  prepareStartDecree: Decree;
}

/** A learn round waiting for the shell to read the log. */
export interface PendingLogRead {
  readonly learner: NodeId;
  readonly signature: number;
  readonly learnType: LearnType;
  readonly checkpointDecree: Decree | undefined;
  readonly fromDecree: Decree;
  readonly toDecree: Decree;
}

/** This replica's own learning, while it is a potential secondary. */
export interface LearningState {
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

export interface PendingMetaRequest {
  readonly request: ConfigChangeRequest;
  sentTick: number;
}

export abstract class ReplicaCoreState {
  readonly gpid: Gpid;
  readonly self: NodeId;
  readonly options: ReplicaCoreOptions;

  protected roleNow: ReplicaRole = 'inactive';
  /** Inactive only while waiting for meta or for the lease: may resume without a ballot change. */
  protected inactiveTransient = false;
  protected ballot: Ballot;
  protected config: PartitionConfiguration | undefined = undefined;
  protected readonly plist: PrepareList;
  protected appliedDecree: Decree;
  protected applyHandedDecree: Decree;
  protected tickNow = 0;
  protected out: MutableReady = emptyReady();

  // the log
  protected readonly pendingAppends: { seq: number; ballot: Ballot; decree: Decree }[] = [];
  protected nextAppendSeq = 1;
  protected checkpointDecree: Decree;
  protected logTruncatedDecree: Decree;
  protected gcExternalBound: Decree | undefined = undefined;

  // primary
  protected readonly writeQueue: QueuedWrite[] = [];
  protected readonly writesByDecree = new Map<Decree, RequestId[]>();
  protected readonly pendingAcks = new Map<Decree, Map<NodeId, PrepareSent>>();
  protected lastTimestampUs = 0n;
  protected lastPrepareTick = 0;
  protected lastGroupCheckTick = 0;
  protected reconcileDecree: Decree = 0n;
  protected committedSent: Decree = 0n;
  protected readonly learners = new Map<NodeId, LearnerOnPrimary>();
  protected nextSignatureSeq = 1;
  protected readonly logReads = new Map<number, PendingLogRead>();
  protected nextReadId = 1;
  protected pendingMeta: PendingMetaRequest | undefined = undefined;
  protected lastMetaRequestTick: number | undefined = undefined;

  // secondary and learner
  protected commitTarget: Decree;
  protected learning: LearningState | undefined = undefined;
  /** The newest learning round this replica was invited to, kept across role changes. */
  protected lastInvitation: { readonly primary: NodeId; readonly signature: number } | undefined = undefined;

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

  // --- recovery ---

  protected replayRecoveredLog(recovered: RecoveredState): void {
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

  // --- log GC ---

  protected collectLogGarbage(): void {
    let bound = minDecree(this.checkpointDecree, this.appliedDecree);
    if (this.gcExternalBound !== undefined) bound = minDecree(bound, this.gcExternalBound);
    if (bound <= this.logTruncatedDecree) return;
    this.logTruncatedDecree = bound;
    this.out.gcLogThrough = bound;
  }

  // Called here or in a lower part, implemented in a part above.
  protected abstract adoptConfig(config: PartitionConfiguration): void;
  protected abstract checkLearningProgress(): void;
  protected abstract dropLearner(node: NodeId): void;
  protected abstract isMember(node: NodeId): boolean;
  protected abstract knownBallot(): Ballot;
  protected abstract learnedRound(): boolean;
  protected abstract onLearnCompletion(from: NodeId, message: LearnCompletionNotifyMessage): void;
  protected abstract onLearnRequest(from: NodeId, request: LearnRequestMessage): void;
  protected abstract onLearnResponse(from: NodeId, response: LearnResponseMessage): void;
  protected abstract removeSecondary(node: NodeId, kind: ConfigChangeKind): void;
  protected abstract requestMeta(kind: ConfigChangeKind, node: NodeId, proposed: Omit<PartitionConfiguration, 'ballot' | 'lastCommittedDecree'>): void;
  protected abstract send(to: NodeId, message: PeerMessage): void;
  protected abstract sendPrepareAck(to: NodeId, mutation: Pick<Mutation, 'ballot' | 'decree'>, error: ReplicationErrorCode): void;
  protected abstract toInactive(how: { transient: boolean; failWrites: boolean }): void;
  protected abstract toLearner(signature: number, primary: NodeId, how: { keepTail: boolean }): void;
}

/** A write's bytes: as declared, and never less than its payload. */
export function writeBytes(write: QueuedWrite): number {
  return write.sizeBytes > write.payload.length ? write.sizeBytes : write.payload.length;
}

export function isRemoval(kind: ConfigChangeKind): boolean {
  return kind === 'remove' || kind === 'downgrade_to_inactive';
}

export function minDecree(a: Decree, b: Decree): Decree {
  return a < b ? a : b;
}

export interface MutableReady {
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

export function emptyReady(): MutableReady {
  return {
    ballotToPersist: undefined, discardState: false, truncateLogAfter: undefined, importCheckpoint: undefined,
    appendToLog: [], send: [], apply: [], replyWrites: [], replyReads: [], requestsToMeta: [], readLog: [],
    takeCheckpoint: false, gcLogThrough: undefined, roleChanged: undefined,
  };
}

export function failure(code: Exclude<ReplicationErrorCode, 'ERR_OK'>): Outcome {
  return { ok: false, code, retriable: isRetriable(code) };
}

