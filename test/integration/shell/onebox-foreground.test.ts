// Proves the foreground onebox that `npm start` runs (node --import tsx infra/onebox/main.ts), on
// free ports: it prints the endpoints once table temp is healthy, reports a server killed with
// SIGKILL together with the end of that server's log while the others keep serving, and on SIGINT
// stops every server and exits 0, leaving no state file behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { REPO_ROOT } from '../../../infra/endpoints.ts';
import type { OneboxState } from '../../../infra/onebox/state.ts';
import { isAlive } from '../../../infra/services/process.ts';
import { freeOneboxBasePort, pegasus } from '../../support/pegasus-cli.ts';

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('npm start: endpoints once healthy, a killed server reported with its log, SIGINT stops all and exits 0', async (t) => {
  t.timeout(240_000);
  const base = await freeOneboxBasePort(1);
  const dir = mkdtempSync(join(tmpdir(), 'onebox-fg-'));
  const launcher = spawn(process.execPath, ['--import', 'tsx', 'infra/onebox/main.ts', '--base-port', String(base), '--dir', dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  launcher.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  launcher.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const exited = new Promise<number | null>((resolveExit) => launcher.once('exit', (code) => resolveExit(code)));
  let servers: OneboxState['servers'] = [];
  t.teardown(async () => {
    if (launcher.exitCode === null) launcher.kill('SIGTERM');
    await exited;
    for (const server of servers) if (isAlive(server.pid)) process.kill(server.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  await until('the onebox to be up', () => output.includes('onebox is up') || launcher.exitCode !== null, 180_000);
  t.regex(output, /table temp: 8 partitions x 3 replicas, all healthy/, output);
  t.regex(output, new RegExp(`npx pegasus set temp h s v --meta 127\\.0\\.0\\.1:${base}`));
  t.regex(output, /Ctrl-C/);
  servers = (JSON.parse(readFileSync(join(dir, 'onebox.json'), 'utf8')) as OneboxState).servers;
  t.is(servers.length, 4);

  const victim = servers.find((server) => server.name === 'replica-2');
  if (victim === undefined) throw new Error('no replica-2 in the state file');
  process.kill(victim.pid, 'SIGKILL');
  await until('the report of replica-2', () => output.includes('replica-2 ('), 30_000);
  t.regex(output, new RegExp(`replica-2 \\(127\\.0\\.0\\.1:${base + 201}, pid ${victim.pid}\\) exited unexpectedly \\(signal SIGKILL\\); last lines of ${victim.logFile.replaceAll('.', '\\.')}:`));
  const lastLine = readFileSync(victim.logFile, 'utf8').trimEnd().split('\n').at(-1) ?? '';
  t.true(lastLine !== '' && output.includes(`    ${lastLine}\n`), 'the report shows the end of its log');
  t.true(servers.filter((server) => server !== victim).every((server) => isAlive(server.pid)), 'the others keep running');
  const nodes = await pegasus(['cluster_info', '--json', '--meta', `127.0.0.1:${base}`]);
  t.is(nodes.code, 0, nodes.stderr);

  launcher.kill('SIGINT');
  t.is(await exited, 0, output);
  t.regex(output, /SIGINT: stopping the onebox/);
  t.regex(output, /onebox stopped/);
  t.true(servers.every((server) => !isAlive(server.pid)), 'every server has exited');
  t.false(existsSync(join(dir, 'onebox.json')), 'the state file is removed after a clean stop');
});
