// ReplicaHosts driven by the real meta core: it builds the group on its own, and after the
// primary's server stops it promotes a secondary; acknowledged writes stay readable.
import test from 'ava';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { HostCluster } from './host-cluster.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const key = (i: number): Uint8Array => encodeKey(text('h'), text(`s${i}`));

test('the real meta core forms a group of hosts and replaces a stopped primary', async (t) => {
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1', 'n3:1'], realMeta: true });
  t.teardown(() => cluster.stop());
  const meta = cluster.meta!;
  const config = () => cluster.metaConfig();
  await cluster.until('meta formed a full group', () => {
    const c = config();
    return c.primary !== '' && c.secondaries.length === 2 && cluster.healthy(c.primary, c.secondaries);
  });
  const first = config();
  for (let i = 0; i < 10; i++) t.is((await cluster.host(first.primary).write({ kind: 'put', key: key(i), value: text(`v${i}`), expireTsSeconds: 0 })).error, 0);

  await cluster.close(first.primary);
  await cluster.until('meta promoted a secondary', () => {
    const c = config();
    return c.primary !== '' && c.primary !== first.primary && cluster.hosts.get(c.primary)?.info().role === 'primary';
  });
  const next = config();
  t.true(first.secondaries.includes(next.primary));
  t.true(meta.actions.some((a) => a.startsWith('upgrade_to_primary')), meta.actions.join(', '));
  const values: string[] = [];
  for (let i = 0; i < 10; i++) values.push(new TextDecoder().decode((await cluster.read(next.primary, { kind: 'get', key: key(i) })).value));
  t.deepEqual(values, Array.from({ length: 10 }, (_, i) => `v${i}`));
  t.is((await cluster.host(next.primary).write({ kind: 'put', key: key(10), value: text('v10'), expireTsSeconds: 0 })).error, 0);
});
