// Proves the replica server's flags parse into its configuration with documented defaults, that
// the environment fills what flags leave out, and that bad values are refused naming the flag.
import test from 'ava';
import { parseReplicaConfig, replicaConfigHelp } from '../../../../cluster/replica/server/replica-config.ts';

test('flags with defaults', (t) => {
  const config = parseReplicaConfig(['--data', '/tmp/r1', '--port=34802', '--metas', '127.0.0.1:34601,127.0.0.1:34602'], {});
  t.is(config.host, '127.0.0.1');
  t.is(config.port, 34802);
  t.is(config.dataDirectory, '/tmp/r1');
  t.deepEqual(config.metaServers, ['127.0.0.1:34601', '127.0.0.1:34602']);
  t.is(config.fsync, 'always');
  t.true(config.failureDetector.leaseMs > 2 * config.failureDetector.beaconIntervalMs);
});

test('the environment fills what flags leave out; flags win', (t) => {
  const env = { PEGASUS_REPLICA_DATA: '/tmp/env', PEGASUS_REPLICA_FSYNC: 'never', PEGASUS_REPLICA_PORT: '1' };
  const config = parseReplicaConfig(['--port', '2'], env);
  t.is(config.dataDirectory, '/tmp/env');
  t.is(config.fsync, 'never');
  t.is(config.port, 2);
});

test('bad input is refused with the flag named', (t) => {
  t.throws(() => parseReplicaConfig([], {}), { message: /--data .* is required/ });
  t.throws(() => parseReplicaConfig(['--data', 'd', '--fsync', 'sometimes'], {}), { message: /--fsync must be always or never/ });
  t.throws(() => parseReplicaConfig(['--data', 'd', '--port', '70000'], {}), { message: /--port/ });
  t.throws(() => parseReplicaConfig(['--data', 'd', '--metas', 'nohost'], {}), { message: /--metas: "nohost" is not ipv4:port/ });
  t.throws(() => parseReplicaConfig(['--data', 'd', '--metas', 'localhost:34601'], {}), { message: /--metas: "localhost" is not an IPv4 address/ });
  t.throws(() => parseReplicaConfig(['--data', 'd', '--host', '::1'], {}), { message: /--host: "::1" is not an IPv4 address/ });
  t.throws(() => parseReplicaConfig(['--data', 'd', '--host', '0.0.0.0'], {}), { message: /--host 0.0.0.0 cannot name this server/ });
  t.throws(() => parseReplicaConfig(['--data', 'd', '--colour', 'red'], {}), { message: /unknown flag --colour/ });
  t.throws(() => parseReplicaConfig(['--data'], {}), { message: /--data needs a value/ });
  t.throws(() => parseReplicaConfig(['--data', 'd', '--lease-ms', '1500'], {}), { message: /two beacon intervals/ });
});

test('help lists every flag', (t) => {
  for (const flag of ['--host', '--port', '--data', '--metas', '--fsync', '--lease-ms']) t.true(replicaConfigHelp().includes(flag));
});
