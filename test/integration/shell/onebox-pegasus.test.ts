// Proves the onebox and the `pegasus` command end to end on real processes: `pegasus onebox start`
// (on free ports, never 34601) brings up 1 meta and 3 replica servers with table temp healthy; the
// admin and data commands work against it through the real binary; `onebox clean` refuses while
// it runs; `onebox stop` stops every process, also servers a killed launcher left behind; data
// survives a restart; `clean` removes it all.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { isAlive } from '../../../infra/services/process.ts';
import type { OneboxState } from '../../../infra/onebox/state.ts';
import { freeOneboxBasePort, pegasus, type CliResult } from '../../support/pegasus-cli.ts';

test.serial.before(async (t) => {
  const base = await freeOneboxBasePort(1);
  const dir = mkdtempSync(join(tmpdir(), 'onebox-test-'));
  t.context = { base, dir, meta: `127.0.0.1:${base}` };
});

interface Context { readonly base: number; readonly dir: string; readonly meta: string }

test.serial.after.always(async (t) => {
  const { dir } = t.context as Context;
  await pegasus(['onebox', 'stop', '--dir', dir]);
  rmSync(dir, { recursive: true, force: true });
});

function ok(t: import('ava').ExecutionContext, result: CliResult, what: string): string {
  t.is(result.code, 0, `${what}: ${result.stderr}`);
  return result.stdout;
}

function state(dir: string): OneboxState {
  return JSON.parse(readFileSync(join(dir, 'onebox.json'), 'utf8')) as OneboxState;
}

test.serial('onebox start: 1 meta and 3 replica servers on the given ports, table temp healthy', async (t) => {
  const { base, dir } = t.context as Context;
  const started = ok(t, await pegasus(['onebox', 'start', '--base-port', String(base), '--dir', dir]), 'onebox start');
  t.regex(started, new RegExp(`meta-1\\s+127\\.0\\.0\\.1:${base}\\s+pid \\d+`));
  t.regex(started, new RegExp(`replica-3\\s+127\\.0\\.0\\.1:${base + 202}`));
  t.regex(started, /table temp: 8 partitions x 3 replicas, all healthy/);
  const servers = state(dir).servers;
  t.is(servers.length, 4);
  t.true(servers.every((server) => isAlive(server.pid) && existsSync(server.logFile)));
});

test.serial('admin commands through the meta server\'s HTTP API', async (t) => {
  const { base, meta } = t.context as Context;
  const m = ['--meta', meta];
  const app = JSON.parse(ok(t, await pegasus(['app', 'temp', '--json', ...m]), 'app')) as { partitionCount: number; partitions: { healthy: boolean; primary: string; secondaries: string[] }[] };
  t.is(app.partitionCount, 8);
  t.true(app.partitions.every((partition) => partition.healthy && partition.primary !== '' && partition.secondaries.length === 2));
  const nodes = JSON.parse(ok(t, await pegasus(['nodes', '--json', ...m]), 'nodes')) as { nodes: { address: string; alive: boolean; primaries: number }[] };
  t.deepEqual(nodes.nodes.map((node) => node.address).sort(), [0, 1, 2].map((i) => `127.0.0.1:${base + 200 + i}`));
  t.is(nodes.nodes.reduce((sum, node) => sum + node.primaries, 0), 8);
  const info = JSON.parse(ok(t, await pegasus(['cluster_info', '--json', ...m]), 'cluster_info')) as { leader: string; nodes: { alive: number } };
  t.is(info.leader, meta);
  t.is(info.nodes.alive, 3);
  t.regex(ok(t, await pegasus(['create', 'usertable', '-p', '4', ...m]), 'create'), /created table usertable \(app_id \d+, 4 partitions, 3 replicas\)/);
  const exists = await pegasus(['create', 'usertable', ...m]);
  t.is(exists.code, 1);
  t.regex(exists.stderr, /ERR_APP_EXIST/);
  t.regex(ok(t, await pegasus(['ls', ...m]), 'ls'), /usertable\s+(available|creating)\s+4\s+3/);
  const dropped = JSON.parse(ok(t, await pegasus(['drop', 'usertable', '--reserve-seconds', '600', '--json', ...m]), 'drop')) as { appId: number };
  t.notRegex(ok(t, await pegasus(['ls', ...m]), 'ls'), /usertable/);
  t.regex(ok(t, await pegasus(['ls', '-a', ...m]), 'ls -a'), /usertable\s+dropped/);
  t.regex(ok(t, await pegasus(['recall', String(dropped.appId), 'usertable2', ...m]), 'recall'), /recalled app_id \d+ as table usertable2/);
  t.regex(ok(t, await pegasus(['set_meta_level', 'lively', ...m]), 'set_meta_level'), /meta level steady -> lively/);
  t.regex(ok(t, await pegasus(['set_meta_level', 'steady', ...m]), 'set_meta_level'), /meta level lively -> steady/);
  const missing = await pegasus(['app', 'nosuch', ...m]);
  t.is(missing.code, 1);
  t.regex(missing.stderr, /ERR_APP_NOT_EXIST/);
});

test.serial('data commands through the client SDK', async (t) => {
  const { meta } = t.context as Context;
  const m = ['--meta', meta];
  t.is(ok(t, await pegasus(['set', 'temp', 'user1', 'name', 'alice', ...m]), 'set'), 'OK\n');
  t.is(ok(t, await pegasus(['get', 'temp', 'user1', 'name', ...m]), 'get'), '"alice"\n');
  t.deepEqual(JSON.parse(ok(t, await pegasus(['get', 'temp', 'user1', 'name', '--json', ...m]), 'get --json')), { found: true, value: 'alice' });
  t.is(ok(t, await pegasus(['get', 'temp', 'user1', 'nobody', ...m]), 'get missing'), '(not found)\n');
  ok(t, await pegasus(['multi_set', 'temp', 'user1', 'city', 'paris', 'zip', '75001', '--ttl', '3600', ...m]), 'multi_set');
  const all = JSON.parse(ok(t, await pegasus(['multi_get', 'temp', 'user1', '--json', ...m]), 'multi_get')) as { records: { sortKey: string; value: string }[]; more: boolean };
  t.deepEqual(all, { records: [{ sortKey: 'city', value: 'paris' }, { sortKey: 'name', value: 'alice' }, { sortKey: 'zip', value: '75001' }], more: false });
  t.is(ok(t, await pegasus(['count', 'temp', 'user1', ...m]), 'count'), '3\n');
  t.is(ok(t, await pegasus(['exist', 'temp', 'user1', 'zip', ...m]), 'exist'), 'true\n');
  t.is(ok(t, await pegasus(['ttl', 'temp', 'user1', 'name', ...m]), 'ttl'), 'no ttl (never expires)\n');
  const ttl = JSON.parse(ok(t, await pegasus(['ttl', 'temp', 'user1', 'zip', '--json', ...m]), 'ttl zip')) as { ttlSeconds: number };
  t.true(ttl.ttlSeconds > 3500 && ttl.ttlSeconds <= 3600);
  t.is(ok(t, await pegasus(['incr', 'temp', 'user1', 'visits', '5', ...m]), 'incr'), '5\n');
  t.is(ok(t, await pegasus(['incr', 'temp', 'user1', 'visits', '-7', ...m]), 'incr negative'), '-2\n');
  const cas = JSON.parse(ok(t, await pegasus(['check_and_set', 'temp', 'user1', '-c', 'name', '-t', 'bytes_equal', '-o', 'bob', '-v', 'carol', '-r', '--json', ...m]), 'check_and_set')) as { setSucceed: boolean; checkValue: string };
  t.deepEqual(cas, { setSucceed: false, checkValueExist: true, checkValue: 'alice' });
  const scan = JSON.parse(ok(t, await pegasus(['hash_scan', 'temp', 'user1', 'city', 'visits', '--json', ...m]), 'hash_scan')) as { records: { sortKey: string }[] };
  t.deepEqual(scan.records.map((record) => record.sortKey), ['city', 'name']);
  t.regex(ok(t, await pegasus(['hash_scan', 'temp', 'user1', '-n', '2', ...m]), 'hash_scan -n'), /2 records shown; more remain/);
  ok(t, await pegasus(['set', 'temp', 'user2', 'name', 'bob', ...m]), 'set user2');
  const full = JSON.parse(ok(t, await pegasus(['full_scan', 'temp', '--json', ...m]), 'full_scan')) as { records: { hashKey: string }[] };
  t.is(full.records.length, 5);
  t.deepEqual([...new Set(full.records.map((record) => record.hashKey))].sort(), ['user1', 'user2']);
  ok(t, await pegasus(['multi_del', 'temp', 'user1', 'city', 'zip', ...m]), 'multi_del');
  ok(t, await pegasus(['del', 'temp', 'user1', 'visits', ...m]), 'del');
  t.is(ok(t, await pegasus(['count', 'temp', 'user1', ...m]), 'count after deletes'), '1\n');
  const app = JSON.parse(ok(t, await pegasus(['app', 'temp', '--json', ...m]), 'app')) as { partitions: { primary: string }[] };
  const hash = JSON.parse(ok(t, await pegasus(['hash', 'temp', 'user1', 'name', '--json', ...m]), 'hash')) as { partitionIndex: number; primary: string };
  t.is(hash.partitionIndex, 0, 'crc64("user1") mod 8, as in reference/pegasus-api.md section 2.4');
  t.is(hash.primary, app.partitions[hash.partitionIndex]?.primary ?? '(no such partition)');
  const noTable = await pegasus(['get', 'nosuch', 'h', 's', ...m]);
  t.is(noTable.code, 1);
  t.regex(noTable.stderr, /nosuch/);
});

test.serial('clean refuses while running; stop ends every process; data survives a restart; clean removes it', async (t) => {
  const { base, dir, meta } = t.context as Context;
  const m = ['--meta', meta];
  const servers = state(dir).servers;
  // clean refuses while running; stop ends every process; data survives a restart; clean removes it.
  const refused = await pegasus(['onebox', 'clean', '--dir', dir]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /is running .*onebox stop/);
  const again = await pegasus(['onebox', 'start', '--base-port', String(base), '--dir', dir]);
  t.is(again.code, 1);
  t.regex(again.stderr, /already runs from/);
  t.regex(ok(t, await pegasus(['onebox', 'stop', '--dir', dir]), 'stop'), /stopped the onebox launcher/);
  t.true(servers.every((server) => !isAlive(server.pid)), 'every server process has exited');
  const down = await pegasus(['get', 'temp', 'user1', 'name', ...m]);
  t.is(down.code, 1);
  ok(t, await pegasus(['onebox', 'start', '--base-port', String(base), '--dir', dir]), 'restart');
  t.is(ok(t, await pegasus(['get', 'temp', 'user1', 'name', ...m]), 'get after restart'), '"alice"\n');
  t.regex(ok(t, await pegasus(['ls', ...m]), 'ls after restart'), /usertable2/);

  // A launcher killed with SIGKILL (and its state file lost) leaves its servers running: start and
  // clean refuse, and stop finds and stops them.
  const restarted = state(dir);
  process.kill(restarted.launcherPid, 'SIGKILL');
  rmSync(join(dir, 'onebox.json'));
  const orphanStart = await pegasus(['onebox', 'start', '--base-port', String(base), '--dir', dir]);
  t.is(orphanStart.code, 1);
  t.regex(orphanStart.stderr, /servers of an earlier onebox .* still run \(meta-1 pid \d+/);
  const orphanClean = await pegasus(['onebox', 'clean', '--dir', dir]);
  t.is(orphanClean.code, 1);
  t.regex(orphanClean.stderr, /is running/);
  const orphanStop = ok(t, await pegasus(['onebox', 'stop', '--dir', dir]), 'stop orphans');
  for (const name of ['meta-1', 'replica-1', 'replica-2', 'replica-3']) t.regex(orphanStop, new RegExp(`${name} \\(pid \\d+\\) stopped`));
  t.true(restarted.servers.every((server) => !isAlive(server.pid)), 'every orphaned server has exited');
  t.regex(ok(t, await pegasus(['onebox', 'clean', '--dir', dir]), 'clean'), /removed/);
  t.false(existsSync(dir));
});
