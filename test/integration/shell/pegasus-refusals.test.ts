// Proves, by running the real `pegasus` command, that it fails clearly and with a non-zero status
// when the cluster is unreachable (naming the address tried), on bad arguments, when a onebox port
// is already taken, and when asked to clean a directory that is not a onebox's.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { holdPort, pegasus } from '../../support/pegasus-cli.ts';

async function closedAddress(): Promise<string> {
  const { port, release } = await holdPort();
  await release();
  return `127.0.0.1:${port}`;
}

test('an unreachable cluster: exit 1 and the address tried, for admin and data commands, text and JSON', async (t) => {
  const address = await closedAddress();
  const admin = await pegasus(['ls', '--meta', address]);
  t.is(admin.code, 1);
  t.is(admin.stdout, '');
  t.regex(admin.stderr, new RegExp(`pegasus ls: cannot reach a meta server: tried ${address} \\(ECONNREFUSED\\)`));
  const data = await pegasus(['get', 'temp', 'h', 's', '--meta', address]);
  t.is(data.code, 1);
  t.regex(data.stderr, new RegExp(`pegasus get: .*${address}`));
  const json = await pegasus(['nodes', '--json', '--meta', address]);
  t.is(json.code, 1);
  const parsed = JSON.parse(json.stderr) as { error: string };
  t.regex(parsed.error, new RegExp(`tried ${address}`));
});

test('bad arguments: exit 2 with what is wrong and where to look', async (t) => {
  const result = await pegasus(['create', 'usertable', '-p', '6']);
  t.is(result.code, 2);
  t.regex(result.stderr, /pegasus: create: --partitions must be a power of two, got 6\n`pegasus help create` shows its usage/);
  const unknown = await pegasus(['frobnicate']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown command "frobnicate"/);
  const help = await pegasus(['help']);
  t.is(help.code, 0);
  t.regex(help.stdout, /usage: pegasus <command>/);
});

test('onebox start refuses a port already in use, and starts nothing', async (t) => {
  const held = await holdPort();
  const dir = mkdtempSync(join(tmpdir(), 'onebox-refuse-'));
  t.teardown(async () => { await held.release(); rmSync(dir, { recursive: true, force: true }); });
  const result = await pegasus(['onebox', 'start', '--base-port', String(held.port), '--dir', dir]);
  t.is(result.code, 1);
  t.regex(result.stderr, new RegExp(`port ${held.port} \\(meta-1\\).* already in use`));
  t.false(existsSync(join(dir, 'meta-1')), 'no server was started');
  t.false(existsSync(join(dir, 'onebox.json')), 'no state is left behind');
  const stop = await pegasus(['onebox', 'stop', '--dir', dir]);
  t.is(stop.code, 0);
  t.regex(stop.stdout, /no onebox runs from/);
});

test('onebox clean removes only a onebox directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'not-a-onebox-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'precious'), 'keep me');
  const refused = await pegasus(['onebox', 'clean', '--dir', dir]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /was not made by a onebox .*not removing it/);
  t.true(existsSync(join(dir, 'precious')));
  const missing = await pegasus(['onebox', 'clean', '--dir', join(dir, 'nothing')]);
  t.is(missing.code, 0);
  t.regex(missing.stdout, /nothing to clean/);
});
