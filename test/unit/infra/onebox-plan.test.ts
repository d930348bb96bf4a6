// Proves the onebox's process layout: ports 34601.. and 34801.., one folder and log per server,
// the flags of the cluster/server entry points, ZooKeeper only when asked, and --base-port moving
// every port together.
import test from 'ava';
import { ONEBOX_DEFAULTS } from '../../../infra/onebox/options.ts';
import { META_ENTRY, REPLICA_ENTRY, planOnebox } from '../../../infra/onebox/plan.ts';

test('default onebox: 1 meta on 34601, replicas on 34801-34803, data and logs per process', (t) => {
  const plan = planOnebox({ ...ONEBOX_DEFAULTS, dir: '/r/onebox' });
  t.deepEqual(plan.metaAddresses, ['127.0.0.1:34601']);
  t.deepEqual(plan.metas.map((server) => [server.name, server.port]), [['meta-1', 34601]]);
  t.deepEqual(plan.replicas.map((server) => [server.name, server.port]), [['replica-1', 34801], ['replica-2', 34802], ['replica-3', 34803]]);
  const meta = plan.metas[0];
  t.is(meta?.entry, META_ENTRY);
  t.deepEqual(meta?.args, ['--host', '127.0.0.1', '--port', '34601', '--data', '/r/onebox/meta-1/data', '--metas', '127.0.0.1:34601', '--cluster', 'onebox']);
  t.is(meta?.logFile, '/r/onebox/meta-1/meta-1.log');
  const replica = plan.replicas[1];
  t.is(replica?.entry, REPLICA_ENTRY);
  t.deepEqual(replica?.args, ['--host', '127.0.0.1', '--port', '34802', '--data', '/r/onebox/replica-2/data', '--metas', '127.0.0.1:34601', '--fsync', 'always']);
  t.deepEqual(plan.table, { name: 'temp', partitionCount: 8, replicaCount: 3 });
});

test('three metas on ZooKeeper, moved by --base-port', (t) => {
  const plan = planOnebox({ ...ONEBOX_DEFAULTS, metas: 3, zk: true, basePort: 40100, dir: '/d', fsync: 'never' }, { connect: '127.0.0.1:22181', root: '/pegasus-ts/onebox-ab' });
  t.deepEqual(plan.metaAddresses, ['127.0.0.1:40100', '127.0.0.1:40101', '127.0.0.1:40102']);
  for (const meta of plan.metas) {
    t.deepEqual(meta.args.slice(6), ['--metas', '127.0.0.1:40100,127.0.0.1:40101,127.0.0.1:40102', '--zk', '127.0.0.1:22181/pegasus-ts/onebox-ab', '--cluster', 'onebox']);
  }
  t.deepEqual(plan.replicas.map((server) => server.port), [40300, 40301, 40302]);
  t.true(plan.replicas.every((server) => server.args.includes('never')));
});

test('ZooKeeper settings must come exactly with --zk', (t) => {
  t.throws(() => planOnebox({ ...ONEBOX_DEFAULTS, zk: true }), { message: /exactly when options.zk/ });
  t.throws(() => planOnebox(ONEBOX_DEFAULTS, { connect: 'z:1', root: '/x' }), { message: /exactly when options.zk/ });
});
