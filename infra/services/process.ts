// Processes started by the service scripts: spawned detached with their output in a log file and
// their pid in a pid file, recognised later only if the pid is alive and its command line still
// names the service's own directory (so a reused pid is never taken for ours), and stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SERVICE_LOG_BYTES_MAX, SERVICE_STOP_TIMEOUT_MS } from '../../common/limits.ts';

export interface LaunchSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface Launched {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) if the process ends while we still watch it. */
  readonly exited: Promise<string>;
}

/** Starts `spec` in its own session with stdout and stderr appended to `logFile` (rotated once past SERVICE_LOG_BYTES_MAX). */
export function launch(spec: LaunchSpec, logFile: string, pidFile: string): Launched {
  mkdirSync(dirname(logFile), { recursive: true });
  if (existsSync(logFile) && statSync(logFile).size > SERVICE_LOG_BYTES_MAX) renameSync(logFile, `${logFile}.1`);
  appendFileSync(logFile, `\n=== ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(spec.command, [...spec.args], {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    const exited = new Promise<string>((resolveExit) => {
      child.once('exit', (code, signal) => resolveExit(signal === null ? `exit code ${String(code)}` : `signal ${signal}`));
      child.once('error', (error) => resolveExit(`spawn error: ${error.message}`));
    });
    if (child.pid === undefined) {
      throw new Error(`could not start ${spec.command}; see ${logFile}`);
    }
    writeFileSync(pidFile, `${child.pid}\n`);
    child.unref();
    return { pid: child.pid, child, exited };
  } finally {
    closeSync(log);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The pid in `pidFile` if that process is alive and its command line contains `marker`. */
export function ownedPid(pidFile: string, marker: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  if (!isAlive(pid) || !commandLine(pid).includes(marker)) return undefined;
  return pid;
}

/** SIGTERM, then SIGKILL after SERVICE_STOP_TIMEOUT_MS; removes the pid file. */
export async function stopPid(pid: number, pidFile: string): Promise<'stopped' | 'killed'> {
  let outcome: 'stopped' | 'killed' = 'stopped';
  try {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + SERVICE_STOP_TIMEOUT_MS;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) {
      process.kill(pid, 'SIGKILL');
      outcome = 'killed';
      while (isAlive(pid)) await sleep(50);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
  rmSync(pidFile, { force: true });
  return outcome;
}

export interface RunResult {
  readonly code: number;
  readonly output: string;
}

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** Only the last this many characters of output are kept. */
  readonly outputCharsMax?: number;
  /** The command is killed after this long. */
  readonly timeoutMs?: number;
}

/** Runs a command to completion, collecting its output (bounded, see RunOptions). */
export function run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const outputCharsMax = options.outputCharsMax ?? 64 * 1024;
  return new Promise((resolveRun) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs, killSignal: 'SIGKILL' as const }),
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-outputCharsMax);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error) => resolveRun({ code: 127, output: `${output}${error.message}\n` }));
    child.once('close', (code, signal) => resolveRun({ code: code ?? 1, output: signal === null ? output : `${output}\nended by ${signal}\n` }));
  });
}

/** What the latest launch wrote to `logFile` (after the last `=== ` header line that launch writes). */
export function latestRun(logFile: string): string {
  if (!existsSync(logFile)) return '';
  const text = readFileSync(logFile, 'utf8');
  const header = text.lastIndexOf('\n=== ');
  return header < 0 ? text : text.slice(header + 1);
}

/** The last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  if (!existsSync(file)) return '(no log written)';
  const text = readFileSync(file, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n');
}
