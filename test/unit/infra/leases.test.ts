// Proves the lease bookkeeping that lets several test runs share one service, by taking and
// releasing leases in a scratch cache directory next to leases of live and dead processes.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { handOver, releaseLease, stopHandedOver, takeLease } from '../../../infra/services/leases.ts';

const cacheDir = mkdtempSync(join(tmpdir(), 'pegasus-ts-leases-'));
process.env['PEGASUS_TS_CACHE_DIR'] = cacheDir;
test.after.always(() => rmSync(cacheDir, { recursive: true, force: true }));

const DEAD_PID = 2 ** 22 + 12345; // above Linux's pid_max limit: never alive

test('releasing reports the other live holders and forgets dead ones', (t) => {
  takeLease('kafka-29092');
  const dir = join(cacheDir, 'leases', 'kafka-29092');
  writeFileSync(join(dir, '1'), '');
  writeFileSync(join(dir, String(DEAD_PID)), '');
  t.deepEqual(releaseLease('kafka-29092'), [1]);
  t.deepEqual(readdirSync(dir), ['1']);
});

test('the only holder releases with nobody left', (t) => {
  takeLease('s3-29000');
  t.deepEqual(releaseLease('s3-29000'), []);
});

test('a handed-over process that is no longer ours is not stopped, and the hand-over is forgotten', async (t) => {
  handOver('hdfs-29870', { pidFile: join(cacheDir, 'no-such.pid'), marker: '/nowhere' });
  t.true(existsSync(join(cacheDir, 'leases', 'hdfs-29870', 'owner.json')));
  t.false(await stopHandedOver('hdfs-29870'));
  t.false(existsSync(join(cacheDir, 'leases', 'hdfs-29870', 'owner.json')));
  t.false(await stopHandedOver('hdfs-29870'));
});
