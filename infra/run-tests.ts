// `npm test`: brings up the real services the suite needs (installing what is missing), runs ava
// over every test with its TAP reporter, stops the services it started itself (also on failure or
// Ctrl-C; when other test runs still use them they are handed over, see services/leases.ts),
// prints one closing line `N passed, M failed[, K skipped]` and exits with ava's exit code.
// Arguments are passed to ava. PEGASUS_TS_SERVICES: all (default), a comma list of service names,
// or external (start nothing: the endpoints' environment variables point at services elsewhere).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT, SERVICE_NAMES, SETTINGS, isServiceName, setting, type ServiceName } from './endpoints.ts';
import { handOver, releaseLease, stopHandedOver, takeLease } from './services/leases.ts';
import { ServicesUpError, describe, down, leaseKey, ownerOf, up } from './services/orchestrator.ts';
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
  for (const name of wanted) takeLease(leaseKey(name));
  // Only services this run started are stopped here (or handed over to other runs still using them).
  let startedHere: readonly ServiceName[] = [];

  let ava: ChildProcess | undefined;
  let interrupted: NodeJS.Signals | undefined;
  let tearingDown: Promise<unknown> | undefined;
  const release = async () => {
    const stoppingAt = Date.now();
    const stopping: ServiceName[] = [];
    for (const name of wanted) {
      const others = releaseLease(leaseKey(name));
      if (startedHere.includes(name) && others.length > 0) {
        handOver(leaseKey(name), ownerOf(name));
        process.stderr.write(`${name}: left running for ${others.length} other test run(s) using it\n`);
        continue;
      }
      if (startedHere.includes(name)) stopping.push(name);
      if (others.length === 0 && (await stopHandedOver(leaseKey(name)))) {
        process.stderr.write(`${name}: stopped (handed over by another test run)\n`);
      }
    }
    for (const entry of await down(stopping)) process.stderr.write(`${describe(entry)}\n`);
    process.stderr.write(`services stopped in ${((Date.now() - stoppingAt) / 1000).toFixed(1)} s\n`);
  };
  const teardown = () => {
    tearingDown ??= release().catch((error: unknown) => {
      process.stderr.write(`stopping services failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
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
        const reports = await up(wanted);
        startedHere = reports.filter((entry) => entry.state.kind === 'started').map((entry) => entry.name);
        for (const entry of reports) process.stderr.write(`${describe(entry)}\n`);
      } catch (error) {
        if (error instanceof ServicesUpError) startedHere = error.started;
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
