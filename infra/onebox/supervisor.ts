// Runs a onebox: refuses ports already taken, starts ZooKeeper when asked for, starts the meta
// servers and then the replica servers as child processes (each in its own process group, so a
// Ctrl-C reaches only the launcher, which stops them in order), waits for each ready line and
// /healthz, creates table `temp` and waits until every partition is healthy. A server that dies
// later is reported with the end of its log; stop() ends replicas first, then metas. For tests of
// crashes, kill() and killAll() SIGKILL servers on purpose and restart() starts one on its data.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ONEBOX_LOG_TAIL_LINES, ONEBOX_PROCESS_READY_TIMEOUT_MS, ONEBOX_STOP_TIMEOUT_MS, ONEBOX_TABLE_HEALTHY_TIMEOUT_MS, SERVICE_LOG_BYTES_MAX,
} from '../../common/limits.ts';
import { REPO_ROOT, endpoints } from '../endpoints.ts';
import { ServicesUpError, describe, up } from '../services/orchestrator.ts';
import { tail } from '../services/process.ts';
import { metaApi } from '../shell/meta-api.ts';
import { MetaApiError, MetaHttp, ShellError } from '../shell/meta-http.ts';
import { OneboxError } from './onebox-error.ts';
import { ONEBOX_HOST, type OneboxOptions } from './options.ts';
import { portFree } from './ports.ts';
import { planOnebox, type OneboxPlan, type RunningServer, type ServerPlan } from './plan.ts';
import { ONEBOX_MARKER_FILE, liveLauncher, liveServers, readState, stateFile, writeState, zkRootFile, type OneboxState } from './state.ts';


interface Child {
  readonly plan: ServerPlan;
  readonly process: ChildProcess;
  readonly pid: number;
  readonly exited: Promise<string>;
  exit: string | undefined;
  /** Killed on purpose (kill(), killAll()): its exit is not reported as unexpected. */
  killed: boolean;
}


/** ZooKeeper root of this onebox: kept in its directory, so `clean` followed by `start` begins afresh. */
function zkRoot(dir: string): string {
  const file = zkRootFile(dir);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const root = `/pegasus-ts/onebox-${randomBytes(4).toString('hex')}`;
  writeFileSync(file, `${root}\n`);
  return root;
}

/** A log past SERVICE_LOG_BYTES_MAX is moved to `<log>.1` before the next start appends to it. */
export function rotateLog(file: string): void {
  if (existsSync(file) && statSync(file).size > SERVICE_LOG_BYTES_MAX) renameSync(file, `${file}.1`);
}

function logTail(file: string): string {
  return tail(file, ONEBOX_LOG_TAIL_LINES).split('\n').map((line) => `    ${line}`).join('\n');
}

export interface SupervisorEvents {
  /** Progress and reports for the person watching. */
  readonly log: (line: string) => void;
}

export class Onebox {
  readonly #options: OneboxOptions;
  readonly #events: SupervisorEvents;
  readonly #foreground: boolean;
  readonly #children: Child[] = [];
  #plan: OneboxPlan | undefined;
  #stopping = false;
  #state: OneboxState | undefined;

  constructor(options: OneboxOptions, foreground: boolean, events: SupervisorEvents) {
    this.#options = options;
    this.#foreground = foreground;
    this.#events = events;
  }

  /**
   * Starts every server and the table; on failure (or a stop() meanwhile) stops what it started
   * and throws OneboxError.
   */
  async start(): Promise<void> {
    try {
      await this.#start();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  get plan(): OneboxPlan {
    if (this.#plan === undefined) throw new Error('onebox not started');
    return this.#plan;
  }

  get servers(): RunningServer[] {
    return this.#children.map((child) => ({ name: child.plan.name, role: child.plan.role, address: child.plan.address, pid: child.pid, logFile: child.plan.logFile }));
  }

  /** Resolves when every server has exited (after stop(), or because each died). */
  async allExited(): Promise<void> {
    await Promise.all(this.#children.map((child) => child.exited));
  }

  async #start(): Promise<void> {
    const { dir } = this.#options;
    const running = liveLauncher(dir);
    if (running !== undefined) throw new OneboxError(`a onebox already runs from ${dir} (launcher pid ${running}); \`npx pegasus onebox stop\` stops it`);
    const orphans = liveServers(dir);
    if (orphans.length > 0) {
      throw new OneboxError(`servers of an earlier onebox in ${dir} still run (${orphans.map((server) => `${server.name} pid ${server.pid}`).join(', ')}); \`npx pegasus onebox stop\` stops them`);
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ONEBOX_MARKER_FILE), 'a pegasus-ts onebox: `npx pegasus onebox clean` removes this directory\n');
    const zk = this.#options.zk ? await this.#zookeeper() : undefined;
    const plan = planOnebox(this.#options, zk);
    this.#plan = plan;
    const taken: string[] = [];
    for (const server of [...plan.metas, ...plan.replicas]) {
      if (!(await portFree(server.port))) taken.push(`${server.port} (${server.name})`);
    }
    if (taken.length > 0) {
      throw new OneboxError(`${taken.length === 1 ? 'port' : 'ports'} ${taken.join(', ')} already in use on ${ONEBOX_HOST}: another onebox or program listens there; stop it (\`npx pegasus onebox stop\` for a onebox of this checkout) or choose other ports with --base-port`);
    }
    this.#save('starting');
    this.#checkNotStopping();
    for (const server of plan.metas) this.#children.push(this.#spawn(server));
    this.#save('starting');
    await Promise.all(this.#children.map((child) => this.#waitReady(child)));
    const metaCount = this.#children.length;
    this.#checkNotStopping();
    for (const server of plan.replicas) this.#children.push(this.#spawn(server));
    this.#save('starting');
    await Promise.all(this.#children.slice(metaCount).map((child) => this.#waitReady(child)));
    await this.#ensureTable();
    this.#save('running');
  }

  async #zookeeper(): Promise<{ connect: string; root: string }> {
    try {
      for (const entry of await up(['zookeeper'])) this.#events.log(describe(entry));
    } catch (error) {
      const left = error instanceof ServicesUpError && error.started.length > 0 ? ' (`npm run services:down` stops what was started)' : '';
      throw new OneboxError(`ZooKeeper could not be started: ${error instanceof Error ? error.message : String(error)}${left}`);
    }
    return { connect: endpoints().zookeeper.connectString, root: zkRoot(this.#options.dir) };
  }

  #save(status: OneboxState['status']): void {
    this.#state = {
      launcherPid: process.pid,
      status,
      startedAtMs: this.#state?.startedAtMs ?? Date.now(),
      foreground: this.#foreground,
      metaAddresses: this.plan.metaAddresses,
      servers: this.servers,
    };
    writeState(this.#options.dir, this.#state);
  }

  #spawn(server: ServerPlan): Child {
    mkdirSync(server.dataDir, { recursive: true });
    rotateLog(server.logFile);
    const nodeArgs = server.role === 'replica' ? this.#options.replicaNodeArgs ?? [] : [];
    const args = [...nodeArgs, '--import', 'tsx', server.entry, ...server.args];
    appendFileSync(server.logFile, `\n=== ${new Date().toISOString()} ${process.execPath} ${args.join(' ')}\n`);
    const log = openSync(server.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    if (child.pid === undefined) throw new OneboxError(`could not start ${server.name} (${process.execPath} ${args.join(' ')})`);
    const entry: Child = {
      plan: server,
      process: child,
      pid: child.pid,
      exit: undefined,
      killed: false,
      exited: new Promise<string>((resolveExit) => {
        child.once('exit', (code, signal) => resolveExit(signal === null ? `exit code ${String(code)}` : `signal ${signal}`));
        child.once('error', (error) => resolveExit(`spawn error: ${error.message}`));
      }),
    };
    void entry.exited.then((how) => {
      entry.exit = how;
      if (!this.#stopping && !entry.killed && this.#state?.status === 'running') {
        this.#events.log(`${server.name} (${server.address}, pid ${entry.pid}) exited unexpectedly (${how}); last lines of ${server.logFile}:\n${logTail(server.logFile)}`);
      }
    });
    return entry;
  }

  /** Waits for the child's ready line in its log (written after `offset`) and then for GET /healthz. */
  async #waitReady(child: Child): Promise<void> {
    const { plan } = child;
    const offset = statSync(plan.logFile).size;
    const deadline = Date.now() + ONEBOX_PROCESS_READY_TIMEOUT_MS;
    let announced = false;
    for (;;) {
      this.#checkNotStopping();
      if (child.exit !== undefined) {
        throw new OneboxError(`${plan.name} (${plan.address}) exited (${child.exit}) before it was ready; last lines of ${plan.logFile}:\n${logTail(plan.logFile)}`);
      }
      if (!announced) announced = readyLine(plan.logFile, offset, plan.role);
      if (announced && (await healthz(plan.address))) {
        this.#events.log(`${plan.name} ready on ${plan.address} (pid ${child.pid})`);
        return;
      }
      if (Date.now() > deadline) {
        throw new OneboxError(`${plan.name} (${plan.address}, pid ${child.pid}) was not ready within ${ONEBOX_PROCESS_READY_TIMEOUT_MS / 1000} s${announced ? ' (it printed its ready line but /healthz did not answer)' : ''}; last lines of ${plan.logFile}:\n${logTail(plan.logFile)}`);
      }
      await sleep(100);
    }
  }

  #checkNotStopping(): void {
    if (this.#stopping) throw new OneboxError('stopped while starting');
  }

  #anyDead(): void {
    this.#checkNotStopping();
    const dead = this.#children.find((child) => child.exit !== undefined);
    if (dead !== undefined) {
      throw new OneboxError(`${dead.plan.name} (${dead.plan.address}) exited (${dead.exit ?? ''}) while the onebox was starting; last lines of ${dead.plan.logFile}:\n${logTail(dead.plan.logFile)}`);
    }
  }

  /** Creates table temp unless it exists, then waits until every partition has its full replica group. */
  async #ensureTable(): Promise<void> {
    const plan = this.plan;
    const http = new MetaHttp(plan.metaAddresses);
    const deadline = Date.now() + ONEBOX_TABLE_HEALTHY_TIMEOUT_MS;
    let created = false;
    let lastProblem = '';
    for (;;) {
      this.#anyDead();
      try {
        if (!created) {
          const tables = await metaApi.tables(http);
          const existing = tables.find((table) => table.name === plan.table.name && table.status !== 'dropped');
          if (existing === undefined) {
            try {
              const { appId } = await metaApi.createTable(http, plan.table.name, plan.table.partitionCount, plan.table.replicaCount);
              this.#events.log(`created table ${plan.table.name} (app_id ${appId}, ${plan.table.partitionCount} partitions, ${plan.table.replicaCount} replicas)`);
            } catch (error) {
              if (!(error instanceof MetaApiError && error.code === 'ERR_APP_EXIST')) throw error;
            }
          }
          created = true;
        }
        const config = await metaApi.tableConfig(http, plan.table.name);
        const healthy = config.partitions.filter((partition) => partition.healthy).length;
        if (config.partitions.length > 0 && healthy === config.partitions.length) {
          this.#events.log(`table ${plan.table.name}: ${healthy}/${config.partitions.length} partitions healthy`);
          return;
        }
        lastProblem = `${healthy}/${config.partitions.length} partitions healthy`;
      } catch (error) {
        if (!(error instanceof ShellError)) throw error;
        // The meta server may still be electing a leader or waiting for replica servers' beacons.
        lastProblem = error.message;
      }
      if (Date.now() > deadline) {
        throw new OneboxError(`table ${plan.table.name} was not healthy within ${ONEBOX_TABLE_HEALTHY_TIMEOUT_MS / 1000} s (last: ${lastProblem}); logs: ${this.#children.map((child) => child.plan.logFile).join(' ')}`);
      }
      await sleep(250);
    }
  }

  #child(name: string): Child {
    const child = this.#children.find((candidate) => candidate.plan.name === name);
    if (child === undefined) throw new OneboxError(`no server ${name} in this onebox (it has ${this.#children.map((candidate) => candidate.plan.name).join(', ')})`);
    return child;
  }

  /**
   * SIGKILLs server `name` (meta-1, replica-2, ...) and resolves once it is gone: a crash, nothing
   * closed or flushed. Its data directory stays for restart().
   */
  async kill(name: string): Promise<void> {
    const child = this.#child(name);
    if (child.exit !== undefined) return;
    child.killed = true;
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
    await child.exited;
  }

  /** SIGKILLs every server at once (a power cut of the whole onebox); start a new Onebox on the same dir to recover. */
  async killAll(): Promise<void> {
    await Promise.all(this.#children.map((child) => this.kill(child.plan.name)));
  }

  /** Starts server `name`, which must have exited, again with the same flags and data; resolves once it is ready. */
  async restart(name: string): Promise<void> {
    const old = this.#child(name);
    if (old.exit === undefined) throw new OneboxError(`${name} (pid ${old.pid}) still runs; kill it first`);
    this.#checkNotStopping();
    if (!(await portFree(old.plan.port))) throw new OneboxError(`port ${old.plan.port} of ${name} is taken by another program`);
    const child = this.#spawn(old.plan);
    this.#children[this.#children.indexOf(old)] = child;
    this.#save(this.#state?.status ?? 'running');
    await this.#waitReady(child);
  }

  /** Stops replica servers, then meta servers: SIGTERM, SIGKILL after ONEBOX_STOP_TIMEOUT_MS. Idempotent. */
  async stop(): Promise<void> {
    this.#stopping = true;
    const replicas = this.#children.filter((child) => child.plan.role === 'replica');
    const metas = this.#children.filter((child) => child.plan.role === 'meta');
    for (const group of [replicas, metas]) {
      await Promise.all(group.map(async (child) => {
        if (child.exit !== undefined) return;
        const outcome = await stopChild(child);
        this.#events.log(`${child.plan.name} (pid ${child.pid}) ${outcome}`);
      }));
    }
    // Everything stopped: a later `start` or `clean` finds nothing running.
    if (readState(this.#options.dir)?.launcherPid === process.pid) rmSync(stateFile(this.#options.dir), { force: true });
  }
}

async function stopChild(child: Child): Promise<string> {
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return 'already gone';
  }
  // The timer is cancelled once the child exits, so it does not hold the launcher open.
  const cancel = new AbortController();
  const timeout = sleep(ONEBOX_STOP_TIMEOUT_MS, 'timeout' as const, { signal: cancel.signal }).catch(() => 'cancelled' as const);
  const how = await Promise.race([child.exited, timeout]);
  cancel.abort();
  if (how !== 'timeout') return `stopped (${how})`;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // exited between the timeout and the kill
  }
  return `killed after ${ONEBOX_STOP_TIMEOUT_MS / 1000} s without exiting (${await child.exited})`;
}

function readyLine(logFile: string, offset: number, role: string): boolean {
  let text: string;
  try {
    text = readFileSync(logFile).subarray(offset).toString('utf8');
  } catch {
    return false;
  }
  for (const line of text.split('\n')) {
    if (!line.includes('"ready"')) continue;
    try {
      const event = JSON.parse(line) as { event?: unknown; role?: unknown };
      if (event.event === 'ready' && event.role === role) return true;
    } catch {
      // not the JSON ready line
    }
  }
  return false;
}

async function healthz(address: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${address}/healthz`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}
