// Where each real service answers: one schema of environment variables with documented defaults,
// read by the scripts that start the services (infra/services.ts), by the test wrapper and by any
// code or test that needs to reach a service. Local services always listen on 127.0.0.1; the
// *_HOST variables only matter when the project is pointed at external services.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const SERVICE_NAMES = ['zookeeper', 'kafka', 'redis', 'hdfs', 's3'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export function isServiceName(name: string): name is ServiceName {
  return (SERVICE_NAMES as readonly string[]).includes(name);
}

export const REPO_ROOT = resolve(import.meta.dirname, '..');

interface Setting {
  readonly env: string;
  readonly defaultValue: string;
  readonly doc: string;
}

/** Every variable the services read, with its default; docs/services.md lists the same table. */
export const SETTINGS = {
  runDir: { env: 'PEGASUS_TS_RUN_DIR', defaultValue: join(REPO_ROOT, 'run', 'services'), doc: 'data, logs and pid files of the services started here' },
  cacheDir: { env: 'PEGASUS_TS_CACHE_DIR', defaultValue: join(homedir(), '.cache', 'pegasus-ts'), doc: 'downloaded jars and compiled launchers, kept between runs' },
  mavenRepo: { env: 'PEGASUS_TS_MAVEN_REPO', defaultValue: '', doc: 'Maven local repository (empty: Maven\'s own default, ~/.m2/repository)' },
  services: { env: 'PEGASUS_TS_SERVICES', defaultValue: 'all', doc: 'what `npm test` starts: all, a comma list of names, or external (start nothing)' },
  zookeeperHost: { env: 'PEGASUS_TS_ZOOKEEPER_HOST', defaultValue: '127.0.0.1', doc: 'ZooKeeper host' },
  zookeeperPort: { env: 'PEGASUS_TS_ZOOKEEPER_PORT', defaultValue: '22181', doc: 'ZooKeeper client port' },
  kafkaHost: { env: 'PEGASUS_TS_KAFKA_HOST', defaultValue: '127.0.0.1', doc: 'Kafka broker host' },
  kafkaPort: { env: 'PEGASUS_TS_KAFKA_PORT', defaultValue: '29092', doc: 'Kafka broker port (PLAINTEXT)' },
  kafkaControllerPort: { env: 'PEGASUS_TS_KAFKA_CONTROLLER_PORT', defaultValue: '29093', doc: 'Kafka KRaft controller port' },
  redisHost: { env: 'PEGASUS_TS_REDIS_HOST', defaultValue: '127.0.0.1', doc: 'Redis host' },
  redisPort: { env: 'PEGASUS_TS_REDIS_PORT', defaultValue: '6379', doc: 'Redis port; a server already answering there is used as is' },
  redisOwnPort: { env: 'PEGASUS_TS_REDIS_OWN_PORT', defaultValue: '26379', doc: 'port of the project\'s own redis-server when none answers on PEGASUS_TS_REDIS_PORT' },
  hdfsHost: { env: 'PEGASUS_TS_HDFS_HOST', defaultValue: '127.0.0.1', doc: 'HDFS NameNode host' },
  hdfsHttpPort: { env: 'PEGASUS_TS_HDFS_HTTP_PORT', defaultValue: '29870', doc: 'NameNode HTTP port: WebHDFS at /webhdfs/v1' },
  hdfsRpcPort: { env: 'PEGASUS_TS_HDFS_RPC_PORT', defaultValue: '28020', doc: 'NameNode RPC port (hdfs://)' },
  hdfsDatanodeHttpPort: { env: 'PEGASUS_TS_HDFS_DATANODE_HTTP_PORT', defaultValue: '29864', doc: 'DataNode HTTP port: where WebHDFS CREATE and OPEN redirect' },
  hdfsDatanodePort: { env: 'PEGASUS_TS_HDFS_DATANODE_PORT', defaultValue: '29866', doc: 'DataNode data transfer port' },
  hdfsDatanodeIpcPort: { env: 'PEGASUS_TS_HDFS_DATANODE_IPC_PORT', defaultValue: '29867', doc: 'DataNode IPC port' },
  hdfsUser: { env: 'PEGASUS_TS_HDFS_USER', defaultValue: 'pegasus', doc: 'user.name sent with WebHDFS requests' },
  s3Host: { env: 'PEGASUS_TS_S3_HOST', defaultValue: '127.0.0.1', doc: 'S3 server host' },
  s3Port: { env: 'PEGASUS_TS_S3_PORT', defaultValue: '29000', doc: 'S3 server port (S3Proxy)' },
  s3Region: { env: 'PEGASUS_TS_S3_REGION', defaultValue: 'us-east-1', doc: 'S3 region to sign for' },
  s3AccessKeyId: { env: 'PEGASUS_TS_S3_ACCESS_KEY_ID', defaultValue: 'pegasus', doc: 'S3 access key id' },
  s3SecretAccessKey: { env: 'PEGASUS_TS_S3_SECRET_ACCESS_KEY', defaultValue: 'pegasus-secret', doc: 'S3 secret access key' },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export type Env = Readonly<Record<string, string | undefined>>;

export function setting(name: SettingName, env: Env = process.env): string {
  const { env: variable, defaultValue } = SETTINGS[name];
  const value = env[variable];
  return value === undefined || value === '' ? defaultValue : value;
}

function port(name: SettingName, env: Env): number {
  const text = setting(name, env);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${SETTINGS[name].env}=${text} is not a TCP port (1-65535)`);
  }
  return value;
}

export interface ZookeeperEndpoint { readonly host: string; readonly port: number; readonly connectString: string }
export interface KafkaEndpoint { readonly host: string; readonly port: number; readonly controllerPort: number; readonly brokers: readonly string[] }
export interface RedisEndpoint { readonly host: string; readonly port: number; readonly url: string }
export interface HdfsEndpoint {
  readonly host: string;
  readonly httpPort: number;
  readonly rpcPort: number;
  readonly datanodeHttpPort: number;
  readonly datanodePort: number;
  readonly datanodeIpcPort: number;
  /** Base of every WebHDFS path: `${webhdfsUrl}/some/file?op=...`. */
  readonly webhdfsUrl: string;
  readonly user: string;
}
export interface S3Endpoint {
  readonly host: string;
  readonly port: number;
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface Endpoints {
  readonly zookeeper: ZookeeperEndpoint;
  readonly kafka: KafkaEndpoint;
  readonly redis: RedisEndpoint;
  readonly hdfs: HdfsEndpoint;
  readonly s3: S3Endpoint;
}

/** Written by `services:up redis` when it had to start its own server on PEGASUS_TS_REDIS_OWN_PORT. */
export function redisPortFile(env: Env = process.env): string {
  return join(setting('runDir', env), 'redis', 'port');
}

function redisPort(env: Env): number {
  if (env[SETTINGS.redisPort.env] !== undefined && env[SETTINGS.redisPort.env] !== '') return port('redisPort', env);
  const file = redisPortFile(env);
  if (existsSync(file)) {
    const value = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(value) && value > 0 && value < 65536) return value;
  }
  return port('redisPort', env);
}

export function endpoints(env: Env = process.env): Endpoints {
  const zookeeperHost = setting('zookeeperHost', env);
  const kafkaHost = setting('kafkaHost', env);
  const redisHost = setting('redisHost', env);
  const hdfsHost = setting('hdfsHost', env);
  const s3Host = setting('s3Host', env);
  const zookeeperPort = port('zookeeperPort', env);
  const kafkaPort = port('kafkaPort', env);
  const redis = redisPort(env);
  const hdfsHttpPort = port('hdfsHttpPort', env);
  const s3Port = port('s3Port', env);
  return {
    zookeeper: { host: zookeeperHost, port: zookeeperPort, connectString: `${zookeeperHost}:${zookeeperPort}` },
    kafka: {
      host: kafkaHost,
      port: kafkaPort,
      controllerPort: port('kafkaControllerPort', env),
      brokers: [`${kafkaHost}:${kafkaPort}`],
    },
    redis: { host: redisHost, port: redis, url: `redis://${redisHost}:${redis}` },
    hdfs: {
      host: hdfsHost,
      httpPort: hdfsHttpPort,
      rpcPort: port('hdfsRpcPort', env),
      datanodeHttpPort: port('hdfsDatanodeHttpPort', env),
      datanodePort: port('hdfsDatanodePort', env),
      datanodeIpcPort: port('hdfsDatanodeIpcPort', env),
      webhdfsUrl: `http://${hdfsHost}:${hdfsHttpPort}/webhdfs/v1`,
      user: setting('hdfsUser', env),
    },
    s3: {
      host: s3Host,
      port: s3Port,
      endpoint: `http://${s3Host}:${s3Port}`,
      region: setting('s3Region', env),
      accessKeyId: setting('s3AccessKeyId', env),
      secretAccessKey: setting('s3SecretAccessKey', env),
    },
  };
}

/**
 * Options for `new S3Client(...)` that work against S3Proxy and real S3 alike: path-style
 * addressing, and checksums only where the API requires them (S3Proxy does not implement the
 * streaming checksum trailers that newer SDKs send by default).
 */
export function s3ClientConfig(s3: S3Endpoint = endpoints().s3) {
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  } as const;
}
