// `npm test`: brings up the real services the suite needs (installing what is missing), runs ava
// over every test with its TAP reporter, always stops the services it started itself (also on
// failure or Ctrl-C), prints one closing line `N passed, M failed[, K skipped]` and exits with
// ava's exit code. Arguments are passed to ava. PEGASUS_TS_SERVICES: all (default), a comma list of
// service names, or external (start nothing: the endpoints' environment variables point at
// services that run elsewhere).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, SERVICE_NAMES, SETTINGS, isServiceName, setting, type ServiceName } from './endpoints.ts';
import { ServicesUpError, describe, down, status, up } from './services/orchestrator.ts';
import { closingLine, countTapResults } from './tap-summary.ts';

function servicesToStart(): ServiceName[] {
  const value = setting('services').trim();
  if (value === 'all') return [...SERVICE_NAMES];
  if (value === 'external' || value === 'none') return [];
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!isServiceName(name)) throw new Error(`${SETTINGS.services.env}=${value}: unknown service "${name}"; use all, external or names from ${SERVICE_NAMES.join(', ')}`);
  }
  return names as ServiceName[];
}

function avaCli(): string {
  const packageJson = join(REPO_ROOT, 'node_modules', 'ava', 'package.json');
  const { bin } = JSON.parse(readFileSync(packageJson, 'utf8')) as { bin: string | Record<string, string> };
  const entry = typeof bin === 'string' ? bin : bin['ava'];
  if (entry === undefined) throw new Error('ava has no command-line entry point');
  return join(dirname(packageJson), entry);
}

function runAva(args: readonly string[], onChild: (child: ChildProcess) => void): Promise<{ code: number; tap: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [avaCli(), '--tap', ...args], { stdio: ['inherit', 'pipe', 'inherit'] });
    onChild(child);
    let tap = '';
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      tap += chunk.toString('utf8');
    });
    child.once('error', (error) => {
      process.stderr.write(`could not run ava: ${error.message}\n`);
      resolveRun({ code: 1, tap });
    });
    child.once('close', (code, signal) => resolveRun({ code: code ?? (signal === 'SIGINT' ? 130 : 1), tap }));
  });
}

async function main(): Promise<number> {
  const wanted = servicesToStart();
  // Services of ours already running before this run belong to whoever started them: never stopped here.
  const before = await Promise.all(wanted.map(status));
  const preexisting = new Set(before.filter((entry) => entry.state.kind !== 'stopped').map((entry) => entry.name));
  const ours = wanted.filter((name) => !preexisting.has(name));

  let ava: ChildProcess | undefined;
  let interrupted: NodeJS.Signals | undefined;
  let tearingDown: Promise<unknown> | undefined;
  const teardown = () => {
    const stoppingAt = Date.now();
    tearingDown ??= ours.length === 0 ? Promise.resolve() : down(ours).then(
      (reports) => {
        for (const entry of reports) process.stderr.write(`${describe(entry)}\n`);
        process.stderr.write(`services stopped in ${((Date.now() - stoppingAt) / 1000).toFixed(1)} s\n`);
      },
      (error: unknown) => { process.stderr.write(`stopping services failed: ${String(error)}\n`); },
    );
    return tearingDown;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    if (ava !== undefined && ava.exitCode === null) ava.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  try {
    if (wanted.length > 0) {
      const startedAt = Date.now();
      try {
        for (const entry of await up(wanted)) process.stderr.write(`${describe(entry)}\n`);
      } catch (error) {
        process.stderr.write(`${error instanceof ServicesUpError || error instanceof Error ? error.message : String(error)}\n`);
        console.log('0 passed, 1 failed');
        return 1;
      }
      process.stderr.write(`services ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
    }
    if (interrupted !== undefined) {
      console.log('0 passed, 0 failed');
      return 130;
    }
    const { code, tap } = await runAva(process.argv.slice(2), (child) => { ava = child; });
    await teardown();
    console.log(closingLine(countTapResults(tap), code));
    return interrupted === undefined ? code : 130;
  } finally {
    await teardown();
  }
}

main().then(
  (code) => { process.exit(code); },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
