// An isolated primary over real storage: its write cannot commit, a secondary takes over without
// it, and the old primary comes back as a learner that drops its uncommitted tail from its log.
import test from 'ava';
import { ReplicaRefusal } from '../../../cluster/replica/host/index.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { HostCluster } from './host-cluster.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const key = (name: string): Uint8Array => encodeKey(text('h'), text(name));
const put = (name: string, value: string) => ({ kind: 'put' as const, key: key(name), value: text(value), expireTsSeconds: 0 });

test('a secondary takes over from an isolated primary; the old primary rejoins without its uncommitted write', async (t) => {
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1', 'n3:1'] });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1', 'n3:1']);
  await cluster.host('n1:1').write(put('a', '1'));

  cluster.cut.add('n1:1');
  const lost = cluster.host('n1:1').write(put('b', '2'));
  await cluster.until('n1 logged b', () => cluster.host('n1:1').info().preparedDecree > cluster.host('n1:1').info().committedDecree);
  cluster.host('n1:1').step({ kind: 'lease_expired' });
  const lostError = await t.throwsAsync(lost, { instanceOf: ReplicaRefusal });
  t.is(lostError?.code, 'ERR_TIMEOUT', 'the outcome of the isolated write is unknown');

  const old = cluster.config;
  cluster.setConfig({ ...old, ballot: old.ballot + 1n, primary: '', lastDrops: [...old.lastDrops, 'n1:1'] });
  cluster.propose('n2:1', 'upgrade_to_primary', 'n2:1');
  await cluster.until('n2 primary', () => cluster.healthy('n2:1', ['n3:1']));
  const b = await cluster.read('n2:1', { kind: 'get', key: key('b') });
  t.is(b.error, 1, 'the uncommitted write is not there');
  await cluster.host('n2:1').write(put('c', '3'));

  cluster.cut.clear();
  cluster.sync('n1:1');
  await cluster.addSecondary('n2:1', 'n1:1', ['n3:1', 'n1:1']);
  const committed = cluster.host('n2:1').info().committedDecree;
  await cluster.until('n1 caught up', () => cluster.host('n1:1').info().appliedDecree >= committed);

  // n1's own log must not bring b back: reopen it and make it primary of a fresh group.
  for (const node of ['n1:1', 'n2:1', 'n3:1']) await cluster.close(node);
  cluster.config = { ...cluster.config, ballot: cluster.config.ballot + 1n, primary: '', secondaries: [], lastDrops: ['n2:1', 'n3:1', 'n1:1'] };
  for (const node of ['n1:1', 'n2:1', 'n3:1']) await cluster.open(node);
  await cluster.formGroup('n1:1', ['n2:1', 'n3:1']);
  const values = [];
  for (const name of ['a', 'b', 'c']) {
    const response = await cluster.read('n1:1', { kind: 'get', key: key(name) });
    values.push(response.error === 0 ? new TextDecoder().decode(response.value) : `error ${response.error}`);
  }
  t.deepEqual(values, ['1', 'error 1', '3']);
});
