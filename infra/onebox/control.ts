// The onebox's three verbs: run it here in the foreground (npm start), start it in the
// background (a detached launcher whose readiness is read from the state file), stop it (from any
// shell, through the state file) and clean its directory (never while it runs).
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ONEBOX_PROCESS_READY_TIMEOUT_MS, ONEBOX_STOP_TIMEOUT_MS, ONEBOX_TABLE_HEALTHY_TIMEOUT_MS, SERVICE_PROBE_TIMEOUT_MS, SERVICE_START_TIMEOUT_MS,
} from '../../common/limits.ts';
import { ZooKeeperSession } from '../../cluster/meta/store/zookeeper-session.ts';
import { REPO_ROOT, endpoints } from '../endpoints.ts';
import { SERVICES } from '../services/orchestrator.ts';
import { removeTree } from '../services/zookeeper-tree.ts';
import { isAlive, latestRun } from '../services/process.ts';
import type { OneboxOptions } from './options.ts';
import { describeOnebox } from './plan.ts';
import { ONEBOX_MARKER_FILE, launcherLog, liveLauncher, liveServers, readState, stateFile, zkRootFile, type OneboxState } from './state.ts';
import { OneboxError } from './onebox-error.ts';
import { Onebox, rotateLog } from './supervisor.ts';

export const LAUNCHER_ENTRY = 'infra/onebox/main.ts';

/**
 * Runs the onebox in this process until SIGINT or SIGTERM, printing progress to `log`. Resolves
 * with the exit status: 0 after a clean stop, 1 if it could not start or every server died.
 */
export async function runOnebox(options: OneboxOptions, foreground: boolean, log: (line: string) => void): Promise<number> {
  const onebox = new Onebox(options, foreground, { log });
  let stopped: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopped !== undefined) {
      log(`${signal}: still stopping the onebox`);
      return;
    }
    log(`${signal}: stopping the onebox`);
    stopped = onebox.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    try {
      await onebox.start();
    } catch (error) {
      if (stopped !== undefined) {
        await stopped;
        return 0;
      }
      log(error instanceof Error ? error.message : String(error));
      return 1;
    }
    log(describeOnebox(options.dir, onebox.servers, onebox.plan.metaAddresses, foreground));
    await onebox.allExited();
    if (stopped === undefined) {
      log('every server of the onebox has exited; stopping');
      await onebox.stop();
      return 1;
    }
    await stopped;
    log('onebox stopped');
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** How long a background start may take before we give up waiting (ZooKeeper, servers, table). */
function backgroundStartBudgetMs(options: OneboxOptions): number {
  return (options.zk ? SERVICE_START_TIMEOUT_MS : 0) + 2 * ONEBOX_PROCESS_READY_TIMEOUT_MS + ONEBOX_TABLE_HEALTHY_TIMEOUT_MS;
}

function launcherArgs(options: OneboxOptions): string[] {
  return [
    '--import', 'tsx', LAUNCHER_ENTRY, '--background',
    '--dir', options.dir, '--base-port', String(options.basePort), '--metas', String(options.metas), '--fsync', options.fsync,
    ...(options.zk ? ['--zk'] : []),
    ...(options.redis === undefined ? [] : ['--redis', options.redis]),
  ];
}

/**
 * Starts a detached launcher and returns the same summary `npm start` prints once every partition
 * is healthy; throws OneboxError with the launcher's log when it fails or exits first.
 */
export async function startBackground(options: OneboxOptions): Promise<{ readonly summary: string; readonly state: OneboxState }> {
  const running = liveLauncher(options.dir);
  if (running !== undefined) throw new OneboxError(`a onebox already runs from ${options.dir} (launcher pid ${running}); \`npx pegasus onebox stop\` stops it`);
  const orphans = liveServers(options.dir);
  if (orphans.length > 0) {
    throw new OneboxError(`servers of an earlier onebox in ${options.dir} still run (${orphans.map((server) => `${server.name} pid ${server.pid}`).join(', ')}); \`npx pegasus onebox stop\` stops them`);
  }
  mkdirSync(options.dir, { recursive: true });
  const logFile = launcherLog(options.dir);
  rotateLog(logFile);
  appendFileSync(logFile, `\n=== ${new Date().toISOString()} onebox start (background)\n`);
  const out = openSync(logFile, 'a');
  let pid: number | undefined;
  let exit: string | undefined;
  try {
    const child = spawn(process.execPath, launcherArgs(options), { cwd: REPO_ROOT, detached: true, stdio: ['ignore', out, out] });
    child.once('exit', (code, signal) => { exit = signal === null ? `exit code ${String(code)}` : `signal ${signal}`; });
    child.once('error', (error) => { exit = `spawn error: ${error.message}`; });
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(out);
  }
  if (pid === undefined) throw new OneboxError(`could not start the onebox launcher; see ${logFile}`);
  const deadline = Date.now() + backgroundStartBudgetMs(options);
  for (;;) {
    const state = readState(options.dir);
    if (state?.launcherPid === pid && state.status === 'running') {
      return { summary: describeOnebox(options.dir, state.servers, state.metaAddresses, false), state };
    }
    if (exit !== undefined || !isAlive(pid)) {
      const lines = latestRun(logFile).trimEnd().split('\n').slice(1).slice(-30).join('\n');
      throw new OneboxError(`the onebox did not start (launcher ${exit ?? 'exited'}); from ${logFile}:\n${lines}`);
    }
    if (Date.now() > deadline) {
      throw new OneboxError(`the onebox was not ready within ${backgroundStartBudgetMs(options) / 1000} s; it may still be starting (launcher pid ${pid}); see ${logFile}`);
    }
    await sleep(200);
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

/** Stops the onebox of `dir` (its launcher, then any server the launcher left behind). */
export async function stopOnebox(dir: string): Promise<string> {
  const state = readState(dir);
  const launcher = liveLauncher(dir, state);
  const lines: string[] = [];
  if (launcher !== undefined) {
    process.kill(launcher, 'SIGTERM');
    // The launcher stops each server with its own SIGKILL bound; give it that and a margin.
    if (!(await waitGone(launcher, 2 * ONEBOX_STOP_TIMEOUT_MS + 5_000))) {
      process.kill(launcher, 'SIGKILL');
      await waitGone(launcher, ONEBOX_STOP_TIMEOUT_MS);
      lines.push(`launcher pid ${launcher} did not exit after SIGTERM; killed`);
    } else {
      lines.push(`stopped the onebox launcher (pid ${launcher})`);
    }
  }
  for (const server of liveServers(dir, state)) {
    process.kill(server.pid, 'SIGTERM');
    if (!(await waitGone(server.pid, ONEBOX_STOP_TIMEOUT_MS))) {
      process.kill(server.pid, 'SIGKILL');
      await waitGone(server.pid, ONEBOX_STOP_TIMEOUT_MS);
      lines.push(`${server.name} (pid ${server.pid}) killed after ${ONEBOX_STOP_TIMEOUT_MS / 1000} s`);
    } else {
      lines.push(`${server.name} (pid ${server.pid}) stopped`);
    }
  }
  rmSync(stateFile(dir), { force: true });
  if (lines.length === 0) return `no onebox runs from ${dir}`;
  return [...lines, `onebox in ${dir} stopped; its data stays (\`npx pegasus onebox clean\` removes it)`].join('\n');
}

/** Removes this onebox's ZooKeeper root, if it has one; says what happened. */
async function removeZkRoot(dir: string): Promise<string | undefined> {
  const file = zkRootFile(dir);
  if (!existsSync(file)) return undefined;
  const root = readFileSync(file, 'utf8').trim();
  if (!root.startsWith('/pegasus-ts/onebox-')) return `left ZooKeeper alone: ${file} names ${JSON.stringify(root)}, not a onebox root`;
  const { connectString } = endpoints().zookeeper;
  if (!(await SERVICES.zookeeper.healthy(endpoints()))) return `ZooKeeper root ${root} left in place: ZooKeeper does not answer on ${connectString}`;
  const session = await ZooKeeperSession.connect({ connectString, connectTimeoutMs: SERVICE_PROBE_TIMEOUT_MS, operationTimeoutMs: SERVICE_PROBE_TIMEOUT_MS });
  try {
    const removed = await removeTree(session, root);
    return `removed ZooKeeper root ${root} (${removed} nodes) from ${connectString}`;
  } finally {
    session.close();
  }
}

/** Removes the onebox directory (and its ZooKeeper root); refuses while anything of it runs, or if it is not a onebox's. */
export async function cleanOnebox(dir: string): Promise<string> {
  const state = readState(dir);
  const launcher = liveLauncher(dir, state);
  const servers = liveServers(dir, state);
  if (launcher !== undefined || servers.length > 0) {
    const what = launcher !== undefined ? `launcher pid ${launcher}` : servers.map((server) => `${server.name} pid ${server.pid}`).join(', ');
    throw new OneboxError(`the onebox in ${dir} is running (${what}); \`npx pegasus onebox stop\` first`);
  }
  if (!existsSync(dir)) return `nothing to clean: ${dir} does not exist`;
  if (!existsSync(join(dir, ONEBOX_MARKER_FILE))) {
    throw new OneboxError(`${dir} was not made by a onebox (no ${ONEBOX_MARKER_FILE} in it); not removing it`);
  }
  const zk = await removeZkRoot(dir);
  rmSync(dir, { recursive: true, force: true });
  return [...(zk === undefined ? [] : [zk]), `removed ${dir}`].join('\n');
}
