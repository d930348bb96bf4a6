// The onebox's state file (<dir>/onebox.json): which launcher runs it and which server processes
// it started, so that `pegasus onebox stop` can stop a onebox started elsewhere, and `clean` can
// refuse while one runs. A pid counts as ours only while it is alive and its command line still
// names the onebox (the launcher) or the onebox directory (a server), so a reused pid is never hit.
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../services/process.ts';
import type { RunningServer } from './plan.ts';

export interface OneboxState {
  readonly launcherPid: number;
  readonly status: 'starting' | 'running';
  readonly startedAtMs: number;
  readonly foreground: boolean;
  readonly metaAddresses: readonly string[];
  readonly servers: readonly RunningServer[];
}

/** Present in every directory a onebox made; `clean` removes nothing that lacks it. */
export const ONEBOX_MARKER_FILE = '.pegasus-onebox';
/** Text the launcher's command line contains (`infra/onebox/main.ts` or `pegasus onebox start`). */
const LAUNCHER_MARKER = 'onebox';

export function stateFile(dir: string): string {
  return join(dir, 'onebox.json');
}

/** Holds this onebox's ZooKeeper root path (with --zk), so that `clean` can remove it too. */
export function zkRootFile(dir: string): string {
  return join(dir, 'zk-root');
}

export function launcherLog(dir: string): string {
  return join(dir, 'onebox.log');
}

export function readState(dir: string): OneboxState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as OneboxState;
  } catch {
    return undefined;
  }
}

export function writeState(dir: string, state: OneboxState): void {
  const file = stateFile(dir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function ours(pid: number, marker: string): boolean {
  return Number.isInteger(pid) && pid > 1 && isAlive(pid) && commandLine(pid).includes(marker);
}

/** The launcher of the onebox in `dir`, if it still runs. */
export function liveLauncher(dir: string, state: OneboxState | undefined = readState(dir)): number | undefined {
  if (state === undefined || state.launcherPid === process.pid) return undefined;
  return ours(state.launcherPid, LAUNCHER_MARKER) ? state.launcherPid : undefined;
}

/**
 * Server processes of the onebox in `dir` that still run: those the state file records, and any
 * other whose command line is a cluster/server entry point with its --data under `dir` (a state
 * file lost or overwritten must not hide a running server from `stop` and `clean`).
 */
export function liveServers(dir: string, state: OneboxState | undefined = readState(dir)): RunningServer[] {
  const found = new Map<number, RunningServer>();
  for (const server of state?.servers ?? []) {
    if (ours(server.pid, dir)) found.set(server.pid, server);
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    pids = [];
  }
  const dataFlag = /--data (\S+)/;
  for (const entry of pids) {
    const pid = Number(entry);
    if (found.has(pid) || pid === process.pid) continue;
    const line = commandLine(pid);
    if (!line.includes('cluster/server/')) continue;
    const data = dataFlag.exec(line)?.[1];
    if (data === undefined || !data.startsWith(`${dir}/`)) continue;
    const name = data.slice(dir.length + 1).split('/')[0] ?? '';
    const port = /--port (\d+)/.exec(line)?.[1] ?? '?';
    const host = /--host (\S+)/.exec(line)?.[1] ?? '127.0.0.1';
    found.set(pid, { name, role: name.startsWith('meta') ? 'meta' : 'replica', address: `${host}:${port}`, pid, logFile: join(dir, name, `${name}.log`) });
  }
  return [...found.values()];
}
