// Proves every service endpoint follows its environment variable and falls back to the documented
// default, by computing endpoints from hand-made environments.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { SETTINGS, endpoints, redisPortFile, s3ClientConfig } from '../../../infra/endpoints.ts';

const emptyRunDir = { PEGASUS_TS_RUN_DIR: '/nonexistent/pegasus-ts-run' };

test('defaults are the documented loopback ports', (t) => {
  const e = endpoints(emptyRunDir);
  t.is(e.zookeeper.connectString, '127.0.0.1:22181');
  t.deepEqual(e.kafka.brokers, ['127.0.0.1:29092']);
  t.is(e.kafka.controllerPort, 29093);
  t.is(e.redis.url, 'redis://127.0.0.1:6379');
  t.is(e.hdfs.webhdfsUrl, 'http://127.0.0.1:29870/webhdfs/v1');
  t.is(e.hdfs.datanodeHttpPort, 29864);
  t.is(e.s3.endpoint, 'http://127.0.0.1:29000');
});

test('variables point the project at services elsewhere', (t) => {
  const e = endpoints({
    ...emptyRunDir,
    PEGASUS_TS_KAFKA_HOST: 'kafka.example', PEGASUS_TS_KAFKA_PORT: '9092',
    PEGASUS_TS_REDIS_PORT: '6380', PEGASUS_TS_HDFS_HOST: 'nn.example', PEGASUS_TS_HDFS_HTTP_PORT: '9870',
    PEGASUS_TS_S3_HOST: 's3.example', PEGASUS_TS_S3_ACCESS_KEY_ID: 'id', PEGASUS_TS_S3_SECRET_ACCESS_KEY: 'secret',
  });
  t.deepEqual(e.kafka.brokers, ['kafka.example:9092']);
  t.is(e.redis.port, 6380);
  t.is(e.hdfs.webhdfsUrl, 'http://nn.example:9870/webhdfs/v1');
  const config = s3ClientConfig(e.s3);
  t.is(config.endpoint, 'http://s3.example:29000');
  t.deepEqual(config.credentials, { accessKeyId: 'id', secretAccessKey: 'secret' });
  t.true(config.forcePathStyle);
});

test('Redis is found on the port recorded when the project had to start its own', (t) => {
  const runDir = mkdtempSync(join(tmpdir(), 'pegasus-ts-endpoints-'));
  t.teardown(() => rmSync(runDir, { recursive: true, force: true }));
  const env = { PEGASUS_TS_RUN_DIR: runDir };
  mkdirSync(join(runDir, 'redis'));
  writeFileSync(redisPortFile(env), '26379\n');
  t.is(endpoints(env).redis.port, 26379);
  t.is(endpoints({ ...env, PEGASUS_TS_REDIS_PORT: '6379' }).redis.port, 6379, 'an explicit port wins');
});

test('a port that is not a TCP port is refused with the variable named', (t) => {
  t.throws(() => endpoints({ ...emptyRunDir, PEGASUS_TS_ZOOKEEPER_PORT: '70000' }), { message: /PEGASUS_TS_ZOOKEEPER_PORT=70000/ });
});

test('every variable is named PEGASUS_TS_*, once', (t) => {
  const names = Object.values(SETTINGS).map((entry) => entry.env);
  t.true(names.every((name) => name.startsWith('PEGASUS_TS_')));
  t.is(new Set(names).size, names.length);
});
