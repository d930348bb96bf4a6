// Kafka 3.9 in KRaft mode, broker and controller in one process, from Maven Central jars; the log
// directory is formatted on the first start and kept afterwards.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_INSTALL_TIMEOUT_MS } from '../../common/limits.ts';
import { fetchJars } from './install.ts';
import { jarsIn, jvmOptions } from './java.ts';
import { kafkaServes } from './probes.ts';
import { run } from './process.ts';
import type { Service } from './service.ts';

const HEAP_MB = 384;

export const kafka: Service = {
  name: 'kafka',
  aptPackages: [],
  mavenModule: 'kafka',
  heapMb: HEAP_MB,
  port: (endpoints) => endpoints.kafka.port,
  address: (endpoints) => `${endpoints.kafka.brokers.join(',')}, controller 127.0.0.1:${endpoints.kafka.controllerPort}`,
  healthy: (endpoints) => kafkaServes(endpoints.kafka.brokers),
  async prepare({ dir, endpoints }) {
    const jars = (await fetchJars(['kafka'], join(dir, 'maven.log'))).get('kafka');
    if (jars === undefined) throw new Error('kafka jars missing after fetch');
    const logDir = join(dir, 'data');
    mkdirSync(dir, { recursive: true });
    const { port, controllerPort } = endpoints.kafka;
    const config = join(dir, 'server.properties');
    writeFileSync(config, [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      `log.dirs=${logDir}`,
      'num.partitions=1',
      'num.network.threads=2',
      'num.io.threads=2',
      'default.replication.factor=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'transaction.state.log.num.partitions=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      'log.segment.bytes=16777216',
      'log.retention.hours=24',
      '',
    ].join('\n'));
    const classpath = jarsIn(jars);
    if (!existsSync(join(logDir, 'meta.properties'))) {
      const clusterId = randomBytes(16).toString('base64url');
      const format = await run('java', [...jvmOptions(256), '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', config], { timeoutMs: SERVICE_INSTALL_TIMEOUT_MS });
      writeFileSync(join(dir, 'format.log'), format.output);
      if (format.code !== 0) throw new Error(`formatting Kafka storage failed; see ${join(dir, 'format.log')}`);
    }
    return {
      command: 'java',
      args: [...jvmOptions(HEAP_MB), `-Dkafka.logs.dir=${dir}`, '-cp', classpath, 'kafka.Kafka', config],
      cwd: dir,
    };
  },
};
