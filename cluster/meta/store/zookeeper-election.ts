// Leader election among meta servers on ZooKeeper, as Pegasus does it: each candidate creates an
// ephemeral-sequential node LOCKNODE<seq> under the election path holding its address; the lowest
// sequence leads; every other candidate watches only its predecessor and looks again when that
// node goes. Leadership is given up as soon as the connection drops (a partitioned leader cannot
// know whether its session still lives, and ZooKeeper will let another lead once it expires),
// taken back if the session survives the reconnection, and lost for good when it expires.
import { randomBytes } from 'node:crypto';
import zookeeper from 'node-zookeeper-client';
import { META_ELECTION_CANDIDATES_MAX } from '../../../common/limits.ts';
import type { LeaderElection, LeadershipChange } from './meta-store.ts';
import { closedError, MetaStoreError } from './meta-store.ts';
import { checkRoot } from './zookeeper-meta-store.ts';
import type { SessionState, ZooKeeperSession } from './zookeeper-session.ts';
import { zookeeperCode } from './zookeeper-session.ts';

export interface ZooKeeperElectionOptions {
  readonly session: ZooKeeperSession;
  /** Absolute path of the lock nodes, e.g. "/pegasus-ts/<cluster>/lock/dsn.meta.server.leader". */
  readonly electionPath: string;
  /** This meta server's address ("host:port"), for the others to forward clients to. */
  readonly address: string;
  /** Pause before looking again after a retriable failure; Pegasus retries every second. */
  readonly retryDelayMs?: number;
}

const PREFIX = 'LOCKNODE';
const { Exception, CreateMode } = zookeeper;

interface Candidate {
  readonly address: string;
  readonly token: string;
}

export class ZooKeeperLeaderElection implements LeaderElection {
  private readonly listeners = new Set<(change: LeadershipChange) => void>();
  private readonly token = randomBytes(8).toString('hex');
  private readonly retryDelayMs: number;
  private readonly unsubscribe: () => void;
  /** Name (not path) of this candidate's lock node, once created. */
  private node: string | undefined;
  private leading = false;
  private phase: 'idle' | 'running' | 'over' = 'idle';
  private checking = false;
  private checkAgain = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ZooKeeperElectionOptions) {
    checkRoot(options.electionPath);
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.unsubscribe = options.session.onStateChange((state) => this.onSessionState(state));
  }

  async start(): Promise<void> {
    if (this.phase === 'over') throw closedError(`election ${this.options.electionPath}`);
    if (this.phase === 'running') return;
    this.phase = 'running';
    try {
      await this.options.session.mkdirp(this.options.electionPath);
      await this.createNode();
    } catch (error) {
      if (this.phase === 'running') this.phase = 'idle';
      throw error;
    }
    await this.check();
  }

  isLeader(): boolean {
    return this.leading;
  }

  /**
   * The path of this candidate's lock node while it leads: a write checked against it in one
   * ZooKeeper transaction applies only while this candidate still leads (see ZooKeeperMetaStore).
   */
  lockNodePath(): string | undefined {
    return this.leading && this.node !== undefined ? `${this.options.electionPath}/${this.node}` : undefined;
  }

  async leaderAddress(): Promise<string | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [lowest] = await this.candidates();
      if (lowest === undefined) return undefined;
      try {
        return parseCandidate(await this.options.session.getData(`${this.options.electionPath}/${lowest}`)).address;
      } catch (error) {
        if (zookeeperCode(error) !== Exception.NO_NODE) throw error;
      }
    }
    return undefined;
  }

  onLeadershipChange(listener: (change: LeadershipChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.phase === 'over') return;
    this.phase = 'over';
    clearTimeout(this.retryTimer);
    this.unsubscribe();
    this.setLeader(false, 'closed');
    const node = this.node;
    this.node = undefined;
    const state = this.options.session.state();
    if (node !== undefined && (state === 'connected' || state === 'disconnected')) {
      await this.options.session.remove(`${this.options.electionPath}/${node}`).catch(() => undefined);
    }
  }

  private async createNode(): Promise<void> {
    const data = Buffer.from(JSON.stringify({ address: this.options.address, token: this.token } satisfies Candidate));
    try {
      const created = await this.options.session.create(`${this.options.electionPath}/${PREFIX}`, data, CreateMode.EPHEMERAL_SEQUENTIAL);
      this.node = created.slice(created.lastIndexOf('/') + 1);
    } catch (error) {
      if (!(error instanceof MetaStoreError) || error.code !== 'ERR_TIMEOUT') throw error;
      // The create may have happened before the connection dropped: find it by our token.
      this.node = await this.findOwnNode();
      if (this.node === undefined) throw error;
    }
  }

  private async findOwnNode(): Promise<string | undefined> {
    for (const name of await this.candidates()) {
      try {
        const candidate = parseCandidate(await this.options.session.getData(`${this.options.electionPath}/${name}`));
        if (candidate.token === this.token) return name;
      } catch (error) {
        if (zookeeperCode(error) !== Exception.NO_NODE) throw error;
      }
    }
    return undefined;
  }

  /** The lock nodes, lowest sequence first. */
  private async candidates(): Promise<string[]> {
    const children = (await this.options.session.getChildren(this.options.electionPath)).filter((name) => name.startsWith(PREFIX));
    if (children.length > META_ELECTION_CANDIDATES_MAX) {
      throw new MetaStoreError('ERR_CORRUPTION', `election ${this.options.electionPath}: ${children.length} candidates, more than ${META_ELECTION_CANDIDATES_MAX}`, false);
    }
    return children.sort();
  }

  /** Looks at the candidates and leads or watches the predecessor; one look at a time. */
  private async check(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return;
    }
    this.checking = true;
    try {
      do {
        this.checkAgain = false;
        await this.look();
      } while (this.checkAgain && this.phase === 'running');
    } catch (error) {
      if (this.phase === 'running' && error instanceof MetaStoreError && error.retriable) this.retryLater();
      else if (this.phase === 'running' && !(error instanceof MetaStoreError && error.code === 'ERR_SESSION_EXPIRED')) throw error;
    } finally {
      this.checking = false;
    }
  }

  private async look(): Promise<void> {
    for (let round = 0; round < META_ELECTION_CANDIDATES_MAX && this.phase === 'running'; round++) {
      if (this.options.session.state() !== 'connected') return;
      const names = await this.candidates();
      const index = this.node === undefined ? -1 : names.indexOf(this.node);
      if (index < 0) {
        // Our node is gone (removed by someone else): stand again.
        this.setLeader(false, 'lock_node_gone');
        await this.createNode();
        continue;
      }
      if (index === 0) {
        // Watch our own node too: if it is removed from under us, leadership is gone.
        const own = `${this.options.electionPath}/${names[0]}`;
        if (!(await this.options.session.exists(own, () => void this.check().catch(() => this.retryLater())))) continue;
        this.setLeader(true, 'elected');
        return;
      }
      this.setLeader(false, 'not_lowest');
      const predecessor = `${this.options.electionPath}/${names[index - 1]}`;
      const present = await this.options.session.exists(predecessor, () => void this.check().catch(() => this.retryLater()));
      if (present) return;
    }
  }

  private retryLater(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.check().catch(() => this.retryLater()), this.retryDelayMs);
  }

  private onSessionState(state: SessionState): void {
    switch (state) {
      case 'connected':
        if (this.phase === 'running') void this.check().catch(() => this.retryLater());
        return;
      case 'disconnected':
        this.setLeader(false, 'disconnected');
        return;
      case 'expired':
      case 'closed':
        this.phase = 'over';
        clearTimeout(this.retryTimer);
        // Final: reported even when not leading, so the owner knows this candidate is out.
        this.setLeader(false, state === 'expired' ? 'session_expired' : 'session_closed', true);
        return;
    }
  }

  private setLeader(leader: boolean, reason: string, always = false): void {
    if (this.leading === leader && !always) return;
    this.leading = leader;
    for (const listener of [...this.listeners]) listener({ leader, reason });
  }
}

function parseCandidate(data: Buffer): Candidate {
  const json = JSON.parse(data.toString('utf8')) as Partial<Candidate>;
  if (typeof json.address !== 'string' || typeof json.token !== 'string') {
    throw new MetaStoreError('ERR_CORRUPTION', 'election lock node holds no address', false);
  }
  return { address: json.address, token: json.token };
}
