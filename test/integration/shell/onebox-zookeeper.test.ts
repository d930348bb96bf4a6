// Proves `pegasus onebox start --metas 3 --zk` on the real ZooKeeper, on free ports: three meta
// servers elect one leader, the `pegasus` command asked at a follower follows the redirect to it,
// and after the leader is killed with SIGKILL another takes over and the same commands still work;
// `onebox clean` then removes the onebox's ZooKeeper root along with its directory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import type { OneboxState } from '../../../infra/onebox/state.ts';
import { freeOneboxBasePort, pegasus } from '../../support/pegasus-cli.ts';
import { endpoints, requireService } from '../../support/services.ts';
import { ZooKeeperSession } from '../../../cluster/meta/store/zookeeper-session.ts';

interface ClusterJson { readonly self: string; readonly leader: string; readonly metas: readonly string[] }

test('three meta servers on ZooKeeper: redirects to the leader, and a new leader after the old one is killed', async (t) => {
  t.timeout(300_000);
  await requireService('zookeeper');
  const base = await freeOneboxBasePort(3);
  const dir = mkdtempSync(join(tmpdir(), 'onebox-zk-'));
  t.teardown(async () => {
    await pegasus(['onebox', 'stop', '--dir', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  const metas = [0, 1, 2].map((i) => `127.0.0.1:${base + i}`);
  const started = await pegasus(['onebox', 'start', '--metas', '3', '--zk', '--base-port', String(base), '--dir', dir, '--json'], 240_000);
  t.is(started.code, 0, started.stderr);
  const summary = JSON.parse(started.stdout) as { metaAddresses: string[]; servers: { name: string; address: string }[] };
  t.deepEqual(summary.metaAddresses, metas);
  t.deepEqual(summary.servers.map((server) => server.name), ['meta-1', 'meta-2', 'meta-3', 'replica-1', 'replica-2', 'replica-3']);

  const views = await Promise.all(metas.map(async (meta) => JSON.parse((await pegasus(['cluster_info', '--json', '--meta', meta])).stdout) as ClusterJson));
  const leader = views[0]?.leader ?? '';
  t.true(metas.includes(leader));
  t.true(views.every((view) => view.leader === leader), 'every meta server names the same leader');
  const follower = metas.find((meta) => meta !== leader) ?? '';
  const ls = await pegasus(['ls', '--meta', follower]);
  t.is(ls.code, 0, ls.stderr);
  t.regex(ls.stdout, /temp\s+available\s+8\s+3/, 'a follower redirects ls to the leader');
  t.is((await pegasus(['set', 'temp', 'k', 's', 'before', '--meta', follower])).code, 0);

  const state = JSON.parse(readFileSync(join(dir, 'onebox.json'), 'utf8')) as OneboxState;
  const leaderPid = state.servers.find((server) => server.address === leader)?.pid;
  if (leaderPid === undefined) throw new Error(`no process for the leader ${leader}`);
  process.kill(leaderPid, 'SIGKILL');
  const all = metas.join(',');
  let newLeader = '';
  for (let attempt = 0; attempt < 120 && (newLeader === '' || newLeader === leader); attempt++) {
    const info = await pegasus(['cluster_info', '--json', '--meta', all]);
    if (info.code === 0) newLeader = (JSON.parse(info.stdout) as ClusterJson).leader;
    if (newLeader === '' || newLeader === leader) await sleep(500);
  }
  t.true(metas.includes(newLeader) && newLeader !== leader, `a new leader took over (was ${leader}, now ${newLeader})`);
  // The replica servers' leases ran out while no meta server led, so the new leader repairs some
  // partitions first: wait for all of them, as an operator would.
  let app = await pegasus(['app', 'temp', '--meta', all]);
  for (let attempt = 0; attempt < 120 && !/8\/8 partitions healthy/.test(app.stdout); attempt++) {
    await sleep(500);
    app = await pegasus(['app', 'temp', '--meta', all]);
  }
  t.is(app.code, 0, app.stderr);
  t.regex(app.stdout, /8\/8 partitions healthy/);
  const get = await pegasus(['get', 'temp', 'k', 's', '--meta', all]);
  t.is(get.stdout, '"before"\n', get.stderr);

  const stopped = await pegasus(['onebox', 'stop', '--dir', dir]);
  t.is(stopped.code, 0, stopped.stderr);

  const root = readFileSync(join(dir, 'zk-root'), 'utf8').trim();
  const session = await ZooKeeperSession.connect({ connectString: endpoints().zookeeper.connectString });
  try {
    t.true((await session.getChildren(root)).length > 0, `the meta servers kept their state under ${root}`);
    const cleaned = await pegasus(['onebox', 'clean', '--dir', dir]);
    t.is(cleaned.code, 0, cleaned.stderr);
    t.regex(cleaned.stdout, new RegExp(`removed ZooKeeper root ${root} \\(\\d+ nodes\\)`));
    await t.throwsAsync(session.getChildren(root), undefined, 'the root is gone from ZooKeeper');
  } finally {
    session.close();
  }
});
