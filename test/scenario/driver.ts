// A tiny deterministic driver for scripted replication scenarios: a few ReplicaCores, a scripted
// meta server, a network whose messages are delivered, dropped or duplicated only when the script
// says so, logs that model fsync, and a key-value "storage" per node. Every notable event becomes
// one readable trace line.
import type { ConfigChangeKind, ConfigChangeRequest, NodeId, PartitionConfiguration } from '../../cluster/replication/configuration.ts';
import type { ReplicaCoreOptions, RecoveredState } from '../../cluster/replication/api.ts';
import { ReplicaCore } from '../../cluster/replication/core.ts';
import type { MetaToReplica, PeerMessage } from '../../cluster/replication/messages.ts';
import type { Ballot, Decree, Mutation, Outcome } from '../../cluster/replication/types.ts';
import { emptyConfiguration } from '../../cluster/replication/configuration.ts';

export const GPID = { appId: 1, partitionIndex: 0 };
export type FsyncPolicy = 'always' | 'never';

interface LogEntry {
  readonly mutation: Mutation;
  synced: boolean;
}

interface Storage {
  data: Map<string, string>;
  appliedDecree: Decree;
  /** What survives a crash: RocksDB runs without WAL, so only flushed state does. */
  flushed: { data: Map<string, string>; decree: Decree };
  checkpoints: Map<Decree, Map<string, string>>;
}

interface Node {
  readonly id: NodeId;
  core: ReplicaCore | undefined;
  log: LogEntry[];
  logTruncatedDecree: Decree;
  persistedBallot: Ballot;
  storage: Storage;
  /** Appends written but not yet acknowledged to the core (when the script holds log IO). */
  unacked: Mutation[];
}

export interface InFlight {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly message: PeerMessage;
}

/** A meta server other than the scripted one (the real meta core, in real-meta.ts). */
export interface MetaPort {
  /** A replica's configuration change request reached the meta server. */
  request(from: NodeId, request: ConfigChangeRequest): void;
}

export interface DriverOptions {
  readonly nodes: readonly NodeId[];
  readonly fsync?: FsyncPolicy;
  readonly core?: Partial<ReplicaCoreOptions>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeWrite(key: string, value: string): Uint8Array {
  return encoder.encode(`${key}=${value}`);
}

export class Driver {
  readonly trace: string[] = [];
  readonly network: InFlight[] = [];
  readonly metaInbox: { from: NodeId; kind: ConfigChangeKind; node: NodeId; config: PartitionConfiguration }[] = [];
  readonly outcomes = new Map<number, Outcome>();
  readonly readValues = new Map<number, string | undefined>();
  metaConfig: PartitionConfiguration;
  /** Meta answers change requests as soon as they arrive unless held. */
  metaHeld = false;
  /** When set, replicas talk to this meta server instead of the scripted one. */
  metaPort: MetaPort | undefined = undefined;
  /** Log appends complete at once unless held for a node. */
  readonly logHeld = new Set<NodeId>();
  /** Pairs (from>to) whose messages are dropped. */
  readonly cut = new Set<string>();
  /** Nodes cut off from the meta server. */
  readonly metaCut = new Set<NodeId>();
  private readonly nodes = new Map<NodeId, Node>();
  private readonly appliedContent = new Map<Decree, string>();
  private readonly options: DriverOptions;
  private nextRequestId = 1;
  private readonly pendingReads = new Map<number, { node: NodeId; key: string }>();

  constructor(options: DriverOptions) {
    this.options = options;
    this.metaConfig = emptyConfiguration(GPID, 3);
    for (const id of options.nodes) {
      const node: Node = {
        id, core: undefined, log: [], logTruncatedDecree: 0n, persistedBallot: 0n, unacked: [],
        storage: { data: new Map(), appliedDecree: 0n, flushed: { data: new Map(), decree: 0n }, checkpoints: new Map() },
      };
      this.nodes.set(id, node);
      this.start(node);
    }
  }

  // --- observation ---

  core(id: NodeId): ReplicaCore {
    const core = this.node(id).core;
    if (core === undefined) throw new Error(`${id} is down`);
    return core;
  }

  value(id: NodeId, key: string): string | undefined {
    return this.node(id).storage.data.get(key);
  }

  /** Compact state of every live replica: "n1 primary b2 c5 a5". */
  states(): string[] {
    return [...this.nodes.values()].filter((n) => n.core !== undefined).map((n) => {
      const info = this.core(n.id).info();
      return `${n.id} ${info.role} b${info.ballot} c${info.committedDecree} a${info.appliedDecree}`;
    });
  }

  /** Forgets the trace so far: scenarios assert what follows their setup. */
  clearTrace(): void {
    this.trace.length = 0;
  }

  note(line: string): void {
    this.trace.push(`-- ${line}`);
  }

  // --- clients ---

  write(id: NodeId, key: string, value: string): number {
    const requestId = this.nextRequestId++;
    const payload = encodeWrite(key, value);
    this.stepNode(id, { kind: 'client_write', requestId, payload, sizeBytes: payload.length, batchable: true, timestampUs: 0n });
    return requestId;
  }

  read(id: NodeId, key: string): number {
    const requestId = this.nextRequestId++;
    this.pendingReads.set(requestId, { node: id, key });
    this.stepNode(id, { kind: 'client_read', requestId });
    return requestId;
  }

  /** Any other input, as a shell would step it. */
  input(id: NodeId, input: Parameters<ReplicaCore['step']>[0]): void {
    this.stepNode(id, input);
  }

  // --- time, network, meta ---

  tick(count = 1): void {
    for (let i = 0; i < count; i += 1) {
      for (const node of this.nodes.values()) if (node.core !== undefined) this.stepNode(node.id, { kind: 'tick' });
    }
  }

  /** Delivers messages (optionally only matching ones) in send order until none is left. */
  deliverAll(filter: (m: InFlight) => boolean = () => true): void {
    for (let guard = 0; guard < 10_000; guard += 1) {
      const index = this.network.findIndex(filter);
      if (index < 0) return;
      const [message] = this.network.splice(index, 1);
      if (message !== undefined) this.deliver(message);
    }
    throw new Error('deliverAll did not settle');
  }

  deliverOne(filter: (m: InFlight) => boolean): InFlight {
    const index = this.network.findIndex(filter);
    if (index < 0) throw new Error('no such message in flight');
    const [message] = this.network.splice(index, 1);
    if (message === undefined) throw new Error('unreachable');
    this.deliver(message);
    return message;
  }

  drop(filter: (m: InFlight) => boolean): void {
    for (let i = this.network.length - 1; i >= 0; i -= 1) {
      const m = this.network[i];
      if (m !== undefined && filter(m)) {
        this.network.splice(i, 1);
        this.trace.push(`${m.from}->${m.to} ${describe(m.message)} (dropped)`);
      }
    }
  }

  /** Runs delivery, log IO and meta until nothing moves, then `ticks` ticks with the same. */
  settle(ticks = 0): void {
    this.deliverAll();
    for (let i = 0; i < ticks; i += 1) {
      this.tick();
      this.deliverAll();
    }
  }

  /** Cuts `id` off from every other node and from the meta server. */
  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) if (other !== id) this.partition(id, other);
    this.metaCut.add(id);
  }

  /** The node's failure detector lease with meta ran out. */
  leaseExpires(id: NodeId): void {
    this.trace.push(`${id} lease with meta expires`);
    this.stepNode(id, { kind: 'lease_expired' });
  }

  /** Forms a group: `primary` assigned, then each secondary added by learning and upgraded. */
  formGroup(primary: NodeId, secondaries: readonly NodeId[]): void {
    this.propose(primary, 'assign_primary', primary);
    this.settle();
    for (const node of secondaries) {
      this.propose(primary, 'add_secondary', node);
      this.settle();
    }
  }

  partition(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  heal(): void {
    this.cut.clear();
    this.metaCut.clear();
  }

  /** The meta server sends a proposal (RPC_CONFIG_PROPOSAL) to `to`. */
  propose(to: NodeId, type: ConfigChangeKind, node: NodeId): void {
    this.trace.push(`meta->${to} proposal ${type} ${node} (b${this.metaConfig.ballot})`);
    this.toReplica(to, { kind: 'config_proposal', type, node, config: this.metaConfig });
  }

  /** The meta server's config sync to a node. */
  sync(to: NodeId): void {
    this.toReplica(to, { kind: 'config_sync', config: this.metaConfig });
  }

  /** Config sync to every live node. */
  syncAll(): void {
    for (const node of this.nodes.values()) if (node.core !== undefined) this.sync(node.id);
  }

  /**
   * Every member was dropped ("DDD"): meta waits for the last two dropped replicas, then picks
   * the one with the larger (ballot, committed decree, prepared decree) from their reports and proposes
   * it as primary. Undefined while one of them is down.
   */
  metaAssignPrimaryFromReports(): NodeId | undefined {
    const drops = this.metaConfig.lastDrops.slice(-2);
    if (drops.some((id) => this.nodes.get(id)?.core === undefined)) return undefined;
    const reports = drops.map((id) => this.core(id).info());
    let best = reports[0];
    for (const r of reports) {
      if (best === undefined) best = r;
      const ahead = r.ballot !== best.ballot ? r.ballot > best.ballot : r.committedDecree !== best.committedDecree
        ? r.committedDecree > best.committedDecree : r.preparedDecree > best.preparedDecree;
      if (ahead) best = r;
    }
    if (best === undefined) return undefined;
    this.trace.push(`meta reports: ${reports.map((r) => `${r.node}(b${r.ballot} c${r.committedDecree} p${r.preparedDecree})`).join(' ')}`);
    this.propose(best.node, 'assign_primary', best.node);
    return best.node;
  }

  /** The meta server declares the primary dead and writes the configuration without it. */
  metaDropPrimary(): void {
    const old = this.metaConfig;
    this.metaConfig = { ...old, ballot: old.ballot + 1n, primary: '', lastDrops: withDrops(old.lastDrops, [old.primary]) };
    this.trace.push(`meta config b${this.metaConfig.ballot} ${describeConfig(this.metaConfig)} (primary ${old.primary} dead)`);
  }

  /** Answers held change requests (or the first `count`). */
  metaAnswer(count = Infinity): void {
    let answered = 0;
    while (this.metaInbox.length > 0 && answered < count) {
      const request = this.metaInbox.shift();
      if (request === undefined) return;
      answered += 1;
      if (!this.nodes.get(request.from)?.core) continue;
      const current = this.metaConfig;
      if (request.config.ballot !== current.ballot + 1n) {
        this.trace.push(`meta refuses ${request.kind} ${request.node} from ${request.from}: ERR_INVALID_VERSION`);
        this.toReplica(request.from, { kind: 'config_change_reply', error: 'ERR_INVALID_VERSION', config: current });
        continue;
      }
      const dropped = [current.primary, ...current.secondaries].filter(
        (n) => n !== '' && n !== request.config.primary && !request.config.secondaries.includes(n),
      );
      this.metaConfig = { ...request.config, lastDrops: withDrops(current.lastDrops, dropped) };
      this.trace.push(`meta config b${this.metaConfig.ballot} ${describeConfig(this.metaConfig)} (${request.kind} ${request.node})`);
      this.toReplica(request.from, { kind: 'config_change_reply', error: 'ERR_OK', config: this.metaConfig });
    }
  }

  // --- log IO, crashes ---

  private forwardToMeta(port: MetaPort): void {
    for (let request = this.metaInbox.shift(); request !== undefined; request = this.metaInbox.shift()) {
      port.request(request.from, { kind: request.kind, node: request.node, config: request.config });
    }
  }

  /** Completes held log appends of a node. */
  completeLog(id: NodeId): void {
    const node = this.node(id);
    const last = node.unacked.at(-1);
    node.unacked = [];
    if (last !== undefined && node.core !== undefined) this.stepNode(id, { kind: 'log_appended', ballot: last.ballot, decree: last.decree });
  }

  /** The OS writes back its page cache (fsync `never` makes appends durable only then). */
  osFlush(id: NodeId): void {
    for (const entry of this.node(id).log) entry.synced = true;
  }

  /** Storage flushes its memtable: applied state up to now survives a crash. */
  flushStorage(id: NodeId): void {
    const storage = this.node(id).storage;
    storage.flushed = { data: new Map(storage.data), decree: storage.appliedDecree };
  }

  checkpoint(id: NodeId): void {
    const node = this.node(id);
    this.flushStorage(id);
    node.storage.checkpoints.set(node.storage.appliedDecree, new Map(node.storage.data));
    this.trace.push(`${id} checkpoint d${node.storage.appliedDecree}`);
    this.stepNode(id, { kind: 'checkpoint_taken', decree: node.storage.appliedDecree });
  }

  crash(id: NodeId): void {
    const node = this.node(id);
    node.core = undefined;
    node.unacked = [];
    node.log = node.log.filter((e) => e.synced);
    node.storage.data = new Map(node.storage.flushed.data);
    node.storage.appliedDecree = node.storage.flushed.decree;
    this.network.splice(0, this.network.length, ...this.network.filter((m) => m.to !== id && m.from !== id));
    this.trace.push(`${id} crashes (log keeps ${node.log.length} entries, storage at d${node.storage.appliedDecree})`);
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    this.start(node);
    const info = this.core(id).info();
    this.trace.push(`${id} restarts: b${info.ballot} committed d${info.committedDecree} prepared d${info.preparedDecree}`);
    this.drain(node);
  }

  // --- internals ---

  private node(id: NodeId): Node {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`unknown node ${id}`);
    return node;
  }

  private start(node: Node): void {
    const recovered: RecoveredState = {
      ballot: node.persistedBallot,
      appliedDecree: node.storage.appliedDecree,
      checkpointDecree: [...node.storage.checkpoints.keys()].reduce((a, b) => (a > b ? a : b), 0n),
      logTruncatedDecree: node.logTruncatedDecree,
      log: node.log.map((e) => e.mutation).filter((m) => m.decree > node.storage.appliedDecree),
    };
    node.core = new ReplicaCore({ gpid: GPID, self: node.id, recovered, ...(this.options.core ? { options: this.options.core } : {}) });
  }

  /** Delivers a meta server message to a replica (dropped if it is down or cut off from meta). */
  fromMeta(to: NodeId, message: MetaToReplica): void {
    this.toReplica(to, message);
  }

  /** Live replicas' reports, as a config sync or query answer carries them. */
  reports(id: NodeId): ReturnType<ReplicaCore['info']>[] {
    const core = this.node(id).core;
    return core === undefined ? [] : [core.info()];
  }

  isUp(id: NodeId): boolean {
    return this.node(id).core !== undefined;
  }

  private toReplica(to: NodeId, message: MetaToReplica): void {
    if (this.node(to).core === undefined) return;
    if (this.metaCut.has(to)) {
      this.trace.push(`meta->${to} ${message.kind} (lost: partitioned)`);
      return;
    }
    this.stepNode(to, { kind: 'meta', message });
  }

  private deliver(m: InFlight): void {
    if (this.cut.has(`${m.from}>${m.to}`)) {
      this.trace.push(`${m.from}->${m.to} ${describe(m.message)} (lost: partitioned)`);
      return;
    }
    if (this.node(m.to).core === undefined) return;
    this.trace.push(`${m.from}->${m.to} ${describe(m.message)}`);
    this.stepNode(m.to, { kind: 'peer', from: m.from, message: m.message });
  }

  private stepNode(id: NodeId, input: Parameters<ReplicaCore['step']>[0]): void {
    const node = this.node(id);
    const core = node.core;
    if (core === undefined) return;
    core.step(input);
    this.drain(node);
  }

  /** Performs ready batches in the order the core's README prescribes. */
  private drain(node: Node): void {
    for (let guard = 0; guard < 1000; guard += 1) {
      const core = node.core;
      if (core === undefined || !core.hasReady()) return;
      const ready = core.ready();
      if (ready.ballotToPersist !== undefined) node.persistedBallot = ready.ballotToPersist;
      if (ready.discardState) {
        node.log = [];
        node.logTruncatedDecree = 0n;
        node.storage = { data: new Map(), appliedDecree: 0n, flushed: { data: new Map(), decree: 0n }, checkpoints: new Map() };
        this.trace.push(`${node.id} discards its state`);
      }
      if (ready.truncateLogAfter !== undefined) {
        const after = ready.truncateLogAfter;
        node.log = node.log.filter((e) => e.mutation.decree <= after);
        this.trace.push(`${node.id} drops its log after d${after}`);
      }
      const imported = ready.importCheckpoint;
      if (imported !== undefined) this.importCheckpoint(node, imported.from, imported.decree);
      for (const mutation of ready.appendToLog) {
        node.log.push({ mutation, synced: this.options.fsync !== 'never' });
        node.unacked.push(mutation);
      }
      for (const envelope of ready.send) this.network.push({ from: node.id, to: envelope.to, message: envelope.message });
      let appliedTo: Decree | undefined;
      for (const mutation of ready.apply) {
        this.applyToStorage(node, mutation);
        appliedTo = mutation.decree;
      }
      for (const reply of ready.replyWrites) {
        this.outcomes.set(reply.requestId, reply.outcome);
        this.trace.push(`${node.id} answers write #${reply.requestId}: ${describeOutcome(reply.outcome)}`);
      }
      for (const reply of ready.replyReads) {
        this.outcomes.set(reply.requestId, reply.outcome);
        const read = this.pendingReads.get(reply.requestId);
        const value = reply.outcome.ok && read !== undefined ? node.storage.data.get(read.key) : undefined;
        if (reply.outcome.ok) this.readValues.set(reply.requestId, value);
        this.trace.push(`${node.id} answers read #${reply.requestId}: ${describeOutcome(reply.outcome)}${reply.outcome.ok ? ` ${read?.key}=${value ?? '(none)'}` : ''}`);
      }
      for (const request of ready.requestsToMeta) {
        const lost = this.metaCut.has(node.id) ? ' (lost: partitioned)' : '';
        this.trace.push(`${node.id}->meta ${request.kind} ${request.node} b${request.config.ballot} ${describeConfig(request.config)}${lost}`);
        if (lost === '') this.metaInbox.push({ from: node.id, ...request });
      }
      const readLog = ready.readLog;
      const takeCheckpoint = ready.takeCheckpoint;
      if (ready.gcLogThrough !== undefined) {
        const through = ready.gcLogThrough;
        node.log = node.log.filter((e) => e.mutation.decree > through);
        node.logTruncatedDecree = through;
        this.trace.push(`${node.id} log GC through d${through}`);
      }
      if (ready.roleChanged !== undefined) this.trace.push(`${node.id} becomes ${ready.roleChanged} (b${core.info().ballot})`);
      core.advance(ready);
      // IO completions come back as new inputs.
      const lastAppend = node.unacked.at(-1);
      if (!this.logHeld.has(node.id) && lastAppend !== undefined) {
        node.unacked = [];
        core.step({ kind: 'log_appended', ballot: lastAppend.ballot, decree: lastAppend.decree });
      }
      if (imported !== undefined) core.step({ kind: 'checkpoint_imported', decree: imported.decree });
      if (appliedTo !== undefined) core.step({ kind: 'applied', decree: appliedTo });
      for (const read of readLog) core.step({ kind: 'log_read', readId: read.readId, mutations: this.readLog(node, read.fromDecree, read.toDecree) });
      if (takeCheckpoint) this.checkpoint(node.id);
      if (this.metaPort !== undefined) this.forwardToMeta(this.metaPort);
      else if (!this.metaHeld) this.metaAnswer();
    }
    throw new Error('ready batches did not settle');
  }

  private applyToStorage(node: Node, mutation: Mutation): void {
    const storage = node.storage;
    if (mutation.decree !== storage.appliedDecree + 1n) throw new Error(`${node.id} applies d${mutation.decree} after d${storage.appliedDecree}`);
    // Committed prefixes agree: every replica applies the same content at a decree (checked
    // when logs are durable; with fsync `never` a lost tail may be legitimately rewritten).
    const content = mutation.requests.map((r) => decoder.decode(r)).join(';');
    const seen = this.appliedContent.get(mutation.decree);
    if (seen !== undefined && seen !== content && this.options.fsync !== 'never') {
      throw new Error(`${node.id} applies d${mutation.decree} "${content}" but another replica applied "${seen}"`);
    }
    this.appliedContent.set(mutation.decree, content);
    for (const request of mutation.requests) {
      const [key, value] = decoder.decode(request).split('=');
      if (key !== undefined && value !== undefined) storage.data.set(key, value);
    }
    storage.appliedDecree = mutation.decree;
  }

  private readLog(node: Node, from: Decree, to: Decree): Mutation[] {
    const byDecree = new Map<Decree, Mutation>();
    for (const entry of node.log) if (entry.mutation.decree >= from && entry.mutation.decree <= to) byDecree.set(entry.mutation.decree, entry.mutation);
    const out: Mutation[] = [];
    for (let d = from; d <= to; d += 1n) {
      const m = byDecree.get(d);
      if (m === undefined) break;
      out.push(m);
    }
    return out;
  }

  private importCheckpoint(node: Node, from: NodeId, decree: Decree): void {
    const source = this.node(from).storage.checkpoints.get(decree);
    if (source === undefined) throw new Error(`${from} has no checkpoint at d${decree}`);
    node.storage.data = new Map(source);
    node.storage.appliedDecree = decree;
    node.storage.flushed = { data: new Map(source), decree };
    node.storage.checkpoints.set(decree, new Map(source));
    node.log = [];
    node.logTruncatedDecree = decree;
    this.trace.push(`${node.id} imports checkpoint d${decree} from ${from}`);
  }
}

/** Pegasus maintain_drops: a dropped node moves to the end of last_drops, listed once. */
function withDrops(lastDrops: readonly NodeId[], dropped: readonly NodeId[]): NodeId[] {
  return [...lastDrops.filter((node) => !dropped.includes(node)), ...dropped];
}

export function describe(message: PeerMessage): string {
  switch (message.kind) {
    case 'prepare': {
      const m = message.mutation;
      return `prepare b${m.ballot} d${m.decree}${m.requests.length === 0 ? ' (empty)' : ''} committed=${message.committedDecree}`;
    }
    case 'prepare_ack':
      return `prepare_ack b${message.ballot} d${message.decree} ${message.error}`;
    case 'group_check':
      return `group_check b${message.config.ballot} committed=${message.committedDecree}${message.learnerSignature !== 0 ? ' (learner invite)' : ''}`;
    case 'group_check_ack':
      return `group_check_ack ${message.error}`;
    case 'learn_request':
      return `learn_request committed=${message.committedDecree}`;
    case 'learn_response': {
      if (message.error !== 'ERR_OK') return `learn_response ${message.error}`;
      if (message.discardLearnerState) return 'learn_response discard-your-state';
      const ds = message.mutations.map((m) => m.decree);
      const range = ds.length === 0 ? 'none' : `d${ds[0]}..d${ds.at(-1)}`;
      const checkpoint = message.checkpointDecree !== undefined ? ` checkpoint=d${message.checkpointDecree}` : '';
      const start = message.prepareStartDecree !== 0n ? ` prepare_start=d${message.prepareStartDecree}` : '';
      return `learn_response ${message.learnType}${checkpoint} mutations=${range}${start}`;
    }
    case 'learn_completion_notify':
      return 'learn_completion_notify';
    case 'remove_replica':
      return `remove_replica b${message.config.ballot}`;
  }
}

export function describeConfig(config: PartitionConfiguration): string {
  return `[primary=${config.primary || '-'} secondaries=${config.secondaries.join(',') || '-'}]`;
}

function describeOutcome(outcome: Outcome): string {
  return outcome.ok ? 'ok' : outcome.code;
}

/** SCENARIO_PRINT=1 prints a scenario's actual trace as a TypeScript array, for writing expectations. */
export function printTraceIfAsked(title: string, trace: readonly string[]): void {
  if (process.env['SCENARIO_PRINT'] === undefined) return;
  console.log(`// ${title}\n[\n${trace.map((line) => `  ${JSON.stringify(line).replaceAll('\'', '\\\'').replace(/^"|"$/g, '\'')},`).join('\n')}\n]`);
}
