// A simulated replica server: the shell around one ReplicaCore per hosted partition. It performs
// each Ready in the order the core's README prescribes, with a simulated disk (appends complete
// after a latency, synced under fsync `always`), a register state machine, the worker side of the
// failure detector, and config sync with the meta server. It can crash (process or power loss),
// restart from its disk, and pause (events wait until it resumes).
import { WorkerLease } from '../../cluster/meta/core/worker-lease.ts';
import type { MetaAction } from '../../cluster/meta/core/types.ts';
import { gpidKey, replicationErrorOf } from '../../cluster/meta/core/types.ts';
import type { Decree, Gpid, Mutation, Ready, ReplicaCore, ReplicaInput, ReplicationErrorCode } from '../../cluster/replication/index.ts';
import { assert } from '../../common/assert.ts';
import { META_ADDRESS } from './context.ts';
import type { SimContext } from './context.ts';
import { SimDisk } from './disk.ts';
import type { ClientRequest, SimMessage } from './messages.ts';
import { decodeWrite, encodeWrite } from './register-payload.ts';
import { ReplicaStorage } from './replica-storage.ts';

const PENDING_CLIENT_REQUESTS_MAX = 10_000;

interface HostedReplica {
  readonly gpid: Gpid;
  readonly name: string;
  readonly core: ReplicaCore;
  readonly storage: ReplicaStorage;
  /** Bumped when the replica's state is discarded; the invariant checker keys applies by it. */
  incarnation: number;
  /** Bumped by discard and import: older append completions no longer apply. */
  appendEpoch: number;
  lastAppendDoneMs: number;
  lastPrimaryBallot: bigint | undefined;
}

interface PendingClient {
  readonly client: string;
  readonly clientRequestId: number;
  readonly key: string;
  readonly value: string | undefined;
  early: boolean;
}

export class SimReplicaServer {
  private readonly disk: SimDisk;
  private readonly replicas = new Map<string, HostedReplica>();
  private readonly pendingClients = new Map<number, PendingClient>();
  private lease: WorkerLease;
  private nextRequestId = 1;
  private up = false;
  private paused = false;
  private incarnation = 0;
  private pausedWork: (() => void)[] = [];
  private replicaIncarnations = new Map<string, number>();

  constructor(private readonly ctx: SimContext, readonly address: string) {
    this.disk = new SimDisk(ctx.swarm.fsyncPolicy);
    this.lease = this.newLease();
  }

  get isUp(): boolean {
    return this.up;
  }
  /** Log entries written but not yet synced (a power loss now may lose or tear them). */
  get unsyncedEntries(): number {
    return this.disk.unsyncedEntries();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  start(): void {
    assert(!this.up, `${this.address} started twice`);
    this.up = true;
    this.paused = false;
    this.lease = this.newLease();
    for (const name of this.disk.logNames().map((log) => log.replace(/^plog\//, ''))) this.open(parseGpid(name), true);
    this.every(this.ctx.swarm.tickIntervalMs, 'tick', () => this.tick());
    this.every(this.ctx.swarm.failureDetector.checkIntervalMs, 'lease', () => this.checkLease());
    this.every(this.ctx.swarm.configSyncIntervalMs, 'config sync', () => this.configSync());
    this.ctx.trace.log(this.address, `started with ${this.replicas.size} replicas`);
  }

  crash(powerLoss: boolean): void {
    if (!this.up) return;
    this.up = false;
    this.paused = false;
    this.pausedWork = [];
    this.incarnation++;
    this.replicas.clear();
    this.pendingClients.clear();
    if (powerLoss) {
      const report = this.disk.powerLoss(this.ctx.random, this.ctx.swarm.tearProbability);
      this.ctx.stats.powerLosses++;
      this.ctx.stats.unsyncedEntriesLost += report.lostEntries;
      this.ctx.trace.log(this.address, `power loss: ${report.lostEntries} unsynced log entries lost, ${report.tornLogs} torn tails`);
    } else {
      this.ctx.stats.crashes++;
      this.ctx.trace.log(this.address, 'process crash');
    }
  }

  pause(): void {
    if (!this.up || this.paused) return;
    this.paused = true;
    this.ctx.stats.pauses++;
    this.ctx.trace.log(this.address, 'paused');
  }

  resume(): void {
    if (!this.up || !this.paused) return;
    this.paused = false;
    this.ctx.trace.log(this.address, `resumed with ${this.pausedWork.length} waiting events`);
    const work = this.pausedWork;
    this.pausedWork = [];
    for (const item of work) if (this.up && !this.paused) item();
  }

  /** For the harness's health view: which replicas are here and in what role. */
  replicaInfos(): ReturnType<ReplicaCore['info']>[] {
    return [...this.replicas.values()].map((replica) => replica.core.info());
  }

  /** A checkpoint for a learner on another server. */
  checkpoint(name: string, decree: Decree): ReturnType<ReplicaStorage['checkpoint']> {
    return this.up && !this.paused ? this.replicas.get(name)?.storage.checkpoint(decree) : undefined;
  }

  receive(from: string, message: SimMessage): void {
    this.run(this.incarnation, () => this.handle(from, message));
  }

  // --- event plumbing ---

  private run(incarnation: number, work: () => void): void {
    if (!this.up || incarnation !== this.incarnation) return;
    if (this.paused) {
      this.pausedWork.push(work);
      return;
    }
    work();
  }

  private after(delayMs: number, label: string, work: () => void): void {
    const incarnation = this.incarnation;
    this.ctx.queue.after(delayMs, `${this.address} ${label}`, () => this.run(incarnation, work));
  }

  private every(intervalMs: number, label: string, work: () => void): void {
    const loop = (): void => {
      work();
      this.after(intervalMs, label, loop);
    };
    this.after(this.ctx.random.range(0, intervalMs), label, loop);
  }

  private newLease(): WorkerLease {
    return new WorkerLease({ metaServer: META_ADDRESS, options: this.ctx.swarm.failureDetector });
  }

  private send(to: string, message: SimMessage): void {
    this.ctx.network.send(this.address, to, message);
  }

  // --- replicas ---

  private open(gpid: Gpid, fromDisk: boolean): HostedReplica {
    const name = gpidKey(gpid);
    const storage = new ReplicaStorage(this.disk, name, this.ctx.swarm.flushEveryDecrees);
    const { state, tornTruncated } = fromDisk ? storage.recover() : { state: undefined, tornTruncated: false };
    const incarnation = (this.replicaIncarnations.get(name) ?? -1) + 1;
    this.replicaIncarnations.set(name, incarnation);
    const core = this.ctx.makeCore({ gpid, self: this.address, options: this.ctx.coreOptions, ...(state === undefined ? {} : { recovered: state }) });
    const replica: HostedReplica = { gpid, name, core, storage, incarnation, appendEpoch: 0, lastAppendDoneMs: 0, lastPrimaryBallot: undefined };
    this.replicas.set(name, replica);
    const now = this.ctx.queue.nowMs;
    this.ctx.invariants.record({ kind: 'reset', atMs: now, node: this.address, gpid: name, incarnation, decree: storage.appliedDecree });
    if (state !== undefined) {
      this.ctx.invariants.record({ kind: 'ballot', atMs: now, node: this.address, gpid: name, incarnation: 0, ballot: state.ballot });
      if (tornTruncated) this.ctx.stats.tornTailsCut++;
      this.ctx.trace.log(this.address, `${name} recovered ballot ${state.ballot} applied ${state.appliedDecree} log ${state.log.length}${tornTruncated ? ' (torn tail cut)' : ''}`);
    }
    this.drive(replica);
    return replica;
  }

  private step(replica: HostedReplica, input: ReplicaInput): void {
    if (this.replicas.get(replica.name) !== replica) return;
    replica.core.step(input);
    this.drive(replica);
  }

  private drive(replica: HostedReplica): void {
    while (replica.core.hasReady()) {
      const ready = replica.core.ready();
      const followUps = this.perform(replica, ready);
      replica.core.advance(ready);
      for (const input of followUps) replica.core.step(input);
    }
    const info = replica.core.info();
    if (info.role === 'primary' && replica.lastPrimaryBallot !== info.ballot) {
      replica.lastPrimaryBallot = info.ballot;
      this.ctx.invariants.record({ kind: 'primary', atMs: this.ctx.queue.nowMs, node: this.address, gpid: replica.name, ballot: info.ballot });
      this.ctx.trace.log(this.address, `${replica.name} primary at ballot ${info.ballot}`);
    }
  }

  /** Performs one Ready in field order; returns inputs to step after advance(). */
  private perform(replica: HostedReplica, ready: Ready): ReplicaInput[] {
    const followUps: ReplicaInput[] = [];
    const now = this.ctx.queue.nowMs;
    const { name } = replica;
    if (ready.ballotToPersist !== undefined) {
      replica.storage.persistBallot(ready.ballotToPersist);
      // Ballots are per replica for as long as its disk keeps them, across discards too.
      this.ctx.invariants.record({ kind: 'ballot', atMs: now, node: this.address, gpid: name, incarnation: 0, ballot: ready.ballotToPersist });
    }
    if (ready.discardState) {
      replica.storage.discard();
      replica.appendEpoch++;
      replica.incarnation = (this.replicaIncarnations.get(name) ?? 0) + 1;
      this.replicaIncarnations.set(name, replica.incarnation);
      this.ctx.invariants.record({ kind: 'reset', atMs: now, node: this.address, gpid: name, incarnation: replica.incarnation, decree: 0n });
      this.ctx.trace.log(this.address, `${name} discarded its state`);
    }
    if (ready.truncateLogAfter !== undefined) replica.storage.truncateLogAfter(ready.truncateLogAfter);
    if (ready.importCheckpoint !== undefined) this.importCheckpoint(replica, ready.importCheckpoint.from, ready.importCheckpoint.decree);
    if (ready.appendToLog.length > 0) this.append(replica, ready.appendToLog);
    for (const envelope of ready.send) this.send(envelope.to, { kind: 'peer', gpid: replica.gpid, message: envelope.message });
    if (ready.apply.length > 0) {
      for (const mutation of ready.apply) {
        const digest = replica.storage.apply(mutation);
        this.ctx.invariants.record({ kind: 'apply', atMs: now, node: this.address, gpid: name, incarnation: replica.incarnation, decree: mutation.decree, digest });
      }
      followUps.push({ kind: 'applied', decree: (ready.apply.at(-1) as Mutation).decree });
    }
    for (const reply of ready.replyWrites) {
      const error: ReplicationErrorCode = reply.outcome.ok ? 'ERR_OK' : reply.outcome.code;
      this.answerClient(reply.requestId, error, undefined);
    }
    for (const reply of ready.replyReads) {
      const pending = this.pendingClients.get(reply.requestId);
      if (!reply.outcome.ok) this.answerClient(reply.requestId, reply.outcome.code, undefined);
      else if (!this.lease.isValid(now) && this.ctx.bug !== 'ignore-lease') this.answerClient(reply.requestId, 'ERR_INACTIVE_STATE', undefined);
      else this.answerClient(reply.requestId, 'ERR_OK', pending === undefined ? null : replica.storage.read(pending.key));
    }
    for (const request of ready.requestsToMeta) this.send(META_ADDRESS, { kind: 'config_update', request });
    for (const read of ready.readLog) {
      followUps.push({ kind: 'log_read', readId: read.readId, mutations: replica.storage.readLog(read.fromDecree, read.toDecree) });
    }
    const every = BigInt(this.ctx.swarm.checkpointEveryDecrees);
    const due = every > 0n && ready.apply.some((mutation) => mutation.decree % every === 0n);
    if (ready.takeCheckpoint || due) followUps.push({ kind: 'checkpoint_taken', decree: replica.storage.takeCheckpoint() });
    if (ready.gcLogThrough !== undefined) {
      const durableDecree = replica.storage.durableDecree;
      this.ctx.invariants.record({ kind: 'log-gc', atMs: now, node: this.address, gpid: name, decree: ready.gcLogThrough, durableDecree });
      // Deleting log entries the app has not made durable would lose them on a crash: skip it.
      if (ready.gcLogThrough <= durableDecree) replica.storage.gcThrough(ready.gcLogThrough);
    }
    if (ready.roleChanged !== undefined) this.ctx.trace.log(this.address, `${name} role ${ready.roleChanged} ballot ${replica.core.info().ballot}`);
    return followUps;
  }

  private append(replica: HostedReplica, mutations: readonly Mutation[]): void {
    replica.storage.append(mutations);
    const last = mutations.at(-1) as Mutation;
    const epoch = replica.appendEpoch;
    const doneAt = Math.max(replica.lastAppendDoneMs, this.ctx.queue.nowMs + this.ctx.random.range(0, this.ctx.swarm.diskLatencyMsMax));
    replica.lastAppendDoneMs = doneAt;
    this.after(doneAt - this.ctx.queue.nowMs, `${replica.name} append ${last.decree}`, () => {
      if (this.replicas.get(replica.name) !== replica || replica.appendEpoch !== epoch) return;
      if (this.disk.fsyncPolicy === 'always') replica.storage.syncLog();
      if (this.ctx.bug === 'ack-before-replicated' && replica.core.role === 'primary') this.ackEarly(mutations);
      this.step(replica, { kind: 'log_appended', ballot: last.ballot, decree: last.decree });
    });
  }

  /** The injected bug: answer the client once the primary's own log has the write. */
  private ackEarly(mutations: readonly Mutation[]): void {
    const values = new Set(mutations.flatMap((mutation) => mutation.requests.map((request) => decodeWrite(request).value)));
    for (const pending of this.pendingClients.values()) {
      if (pending.value !== undefined && values.has(pending.value) && !pending.early) {
        pending.early = true;
        this.send(pending.client, { kind: 'client_reply', requestId: pending.clientRequestId, error: 'ERR_OK' });
      }
    }
  }

  private importCheckpoint(replica: HostedReplica, from: string, decree: Decree): void {
    const epoch = ++replica.appendEpoch;
    const attempt = (): void => {
      if (this.replicas.get(replica.name) !== replica || replica.appendEpoch !== epoch) return;
      const snapshot = this.ctx.fetchCheckpoint(from, this.address, replica.name, decree);
      if (snapshot === undefined) {
        this.after(200, `${replica.name} retry checkpoint copy`, attempt);
        return;
      }
      replica.storage.importCheckpoint(snapshot);
      this.ctx.invariants.record({ kind: 'reset', atMs: this.ctx.queue.nowMs, node: this.address, gpid: replica.name, incarnation: replica.incarnation, decree: snapshot.decree });
      this.ctx.trace.log(this.address, `${replica.name} imported checkpoint ${snapshot.decree} from ${from}`);
      this.step(replica, { kind: 'checkpoint_imported', decree: snapshot.decree });
    };
    this.after(this.ctx.random.range(1, 50), `${replica.name} copy checkpoint`, attempt);
  }

  // --- timers ---

  private tick(): void {
    for (const replica of [...this.replicas.values()]) this.step(replica, { kind: 'tick' });
  }

  private checkLease(): void {
    for (const output of this.lease.tick(this.ctx.queue.nowMs)) {
      switch (output.kind) {
        case 'send_beacon':
          this.send(META_ADDRESS, { kind: 'beacon', sentMs: output.sentMs });
          break;
        case 'lease_expired':
          if (this.ctx.bug === 'ignore-lease') break;
          this.ctx.trace.log(this.address, 'lease expired: every replica stops serving');
          for (const replica of [...this.replicas.values()]) this.step(replica, { kind: 'lease_expired' });
          break;
        case 'lease_renewed':
          break;
      }
    }
  }

  private configSync(): void {
    this.send(META_ADDRESS, { kind: 'replica_reports', replicas: this.replicaInfos(), absent: [], configSync: true });
  }

  // --- messages ---

  private handle(from: string, message: SimMessage): void {
    // A resumed server notices an expired lease before it serves anything.
    this.checkLease();
    switch (message.kind) {
      case 'peer': {
        let replica = this.replicas.get(gpidKey(message.gpid));
        if (replica === undefined && message.message.kind === 'group_check' && message.message.learnerSignature !== 0) {
          replica = this.open(message.gpid, false);
        }
        if (replica !== undefined) this.step(replica, { kind: 'peer', from, message: message.message });
        return;
      }
      case 'from_meta':
        this.onMeta(message.action);
        return;
      case 'client_put':
      case 'client_get':
      case 'query_config':
        this.onClient(from, message);
        return;
      case 'beacon':
      case 'config_update':
      case 'replica_reports':
      case 'client_reply':
      case 'query_config_reply':
        return;
    }
  }

  private onMeta(action: MetaAction): void {
    const now = this.ctx.queue.nowMs;
    switch (action.kind) {
      case 'beacon_ack':
        for (const output of this.lease.onBeaconAck(now, { sentMs: action.sentMs, allowed: action.allowed })) {
          if (output.kind === 'lease_renewed') {
            this.ctx.trace.log(this.address, 'lease renewed');
            this.configSync();
          }
        }
        return;
      case 'config_update_reply': {
        const replica = this.replicas.get(gpidKey(action.gpid));
        if (replica === undefined || action.config === undefined) return;
        this.step(replica, { kind: 'meta', message: { kind: 'config_change_reply', error: replicationErrorOf(action.error), config: action.config } });
        return;
      }
      case 'notify_config': {
        const replica = this.replicas.get(gpidKey(action.config.gpid));
        if (replica !== undefined) this.step(replica, { kind: 'meta', message: { kind: 'config_sync', config: action.config } });
        return;
      }
      case 'config_sync_reply':
        for (const config of action.configs) {
          const replica = this.replicas.get(gpidKey(config.gpid));
          if (replica !== undefined) this.step(replica, { kind: 'meta', message: { kind: 'config_sync', config } });
        }
        return;
      case 'proposal': {
        let replica = this.replicas.get(gpidKey(action.config.gpid));
        if (replica === undefined && action.change === 'assign_primary' && action.node === this.address) replica = this.open(action.config.gpid, false);
        if (replica !== undefined) this.step(replica, { kind: 'meta', message: { kind: 'config_proposal', type: action.change, node: action.node, config: action.config } });
        return;
      }
      case 'query_replicas': {
        const hosted = action.gpids.filter((gpid) => this.replicas.has(gpidKey(gpid)));
        const replicas = hosted.map((gpid) => (this.replicas.get(gpidKey(gpid)) as HostedReplica).core.info());
        const absent = action.gpids.filter((gpid) => !this.replicas.has(gpidKey(gpid)));
        this.send(META_ADDRESS, { kind: 'replica_reports', replicas, absent, configSync: false });
        return;
      }
      case 'persist':
      case 'create_table_reply':
      case 'drop_table_reply':
      case 'recall_table_reply':
      case 'node_state':
        return;
    }
  }

  private onClient(from: string, request: ClientRequest): void {
    if (request.kind === 'query_config') return;
    const reply = (error: ReplicationErrorCode, value?: string | null): void => {
      this.send(from, { kind: 'client_reply', requestId: request.requestId, error, ...(value === undefined ? {} : { value }) });
    };
    const replica = this.replicas.get(gpidKey(request.gpid));
    if (replica === undefined) return reply('ERR_OBJECT_NOT_FOUND');
    if (this.ctx.bug === 'stale-reads' && request.kind === 'client_get') return reply('ERR_OK', replica.storage.read(request.key));
    if (!this.lease.isValid(this.ctx.queue.nowMs) && this.ctx.bug !== 'ignore-lease') return reply('ERR_INACTIVE_STATE');
    if (this.pendingClients.size >= PENDING_CLIENT_REQUESTS_MAX) return reply('ERR_CAPACITY_EXCEEDED');
    const requestId = this.nextRequestId++;
    const value = request.kind === 'client_put' ? request.value : undefined;
    this.pendingClients.set(requestId, { client: from, clientRequestId: request.requestId, key: request.key, value, early: false });
    if (request.kind === 'client_get') {
      this.step(replica, { kind: 'client_read', requestId });
      return;
    }
    const payload = encodeWrite({ key: request.key, value: request.value });
    this.step(replica, { kind: 'client_write', requestId, payload, sizeBytes: payload.length, batchable: true, timestampUs: BigInt(this.ctx.queue.nowMs) * 1000n });
  }

  private answerClient(requestId: number, error: ReplicationErrorCode, value: string | null | undefined): void {
    const pending = this.pendingClients.get(requestId);
    if (pending === undefined) return;
    this.pendingClients.delete(requestId);
    if (pending.early) return;
    this.send(pending.client, { kind: 'client_reply', requestId: pending.clientRequestId, error, ...(value === undefined ? {} : { value }) });
  }
}

function parseGpid(name: string): Gpid {
  const [appId, partitionIndex] = name.split('.').map(Number);
  return { appId: appId as number, partitionIndex: partitionIndex as number };
}
