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
import { assert } from '../../common/assert.ts';
import type { ConfigChangeRequest, NodeId } from './configuration.ts';
import type { Envelope, LogReadRequest, Ready, ReplicaCoreInit, ReplicaCoreOptions, ReplicaInput, Reply } from './api.ts';
import { defaultReplicaCoreOptions, EMPTY_RECOVERED_STATE } from './api.ts';
import { isRetriable, type ReplicationErrorCode } from './errors.ts';
import type { Ballot, Decree, Gpid, Mutation, Outcome, ReplicaInfo, ReplicaRole } from './types.ts';

export class ReplicaCore {
  readonly gpid: Gpid;
  readonly self: NodeId;
  readonly options: ReplicaCoreOptions;
  private roleNow: ReplicaRole = 'inactive';
  private ballotNow: Ballot;
  private appliedDecree: Decree;
  private out: MutableReady = emptyReady();

  constructor(init: ReplicaCoreInit) {
    const recovered = init.recovered ?? EMPTY_RECOVERED_STATE;
    this.gpid = init.gpid;
    this.self = init.self;
    this.options = { ...defaultReplicaCoreOptions, ...init.options };
    this.ballotNow = recovered.ballot;
    this.appliedDecree = recovered.appliedDecree;
  }

  get role(): ReplicaRole {
    return this.roleNow;
  }

  info(): ReplicaInfo {
    return {
      gpid: this.gpid,
      node: this.self,
      role: this.roleNow,
      ballot: this.ballotNow,
      committedDecree: this.appliedDecree,
      appliedDecree: this.appliedDecree,
      preparedDecree: this.appliedDecree,
      config: undefined,
    };
  }

  step(input: ReplicaInput): void {
    switch (input.kind) {
      case 'client_write':
        this.out.replyWrites.push({ requestId: input.requestId, outcome: failure('ERR_INVALID_STATE') });
        return;
      case 'client_read':
        this.out.replyReads.push({ requestId: input.requestId, outcome: failure('ERR_INVALID_STATE') });
        return;
      case 'tick':
      case 'peer':
      case 'meta':
      case 'log_appended':
      case 'applied':
      case 'checkpoint_taken':
      case 'log_read':
      case 'checkpoint_imported':
      case 'gc_bound':
      case 'lease_expired':
      case 'local_failure':
        return;
    }
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
