// An S3 server: S3Proxy from Maven Central with its NIO.2 filesystem backend under the run directory
// (the older jclouds `filesystem` one lists directory placeholders as objects), requiring AWS
// signatures with the configured access key and secret.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchJars } from './install.ts';
import { jarsIn, jvmOptions } from './java.ts';
import { s3Answers } from './probes.ts';
import type { Service } from './service.ts';

const HEAP_MB = 256;

export const s3: Service = {
  name: 's3',
  aptPackages: [],
  mavenModule: 's3proxy',
  heapMb: HEAP_MB,
  port: (endpoints) => endpoints.s3.port,
  address: (endpoints) => endpoints.s3.endpoint,
  healthy: (endpoints) => s3Answers(endpoints.s3.endpoint),
  async prepare({ dir, endpoints }) {
    const jars = (await fetchJars(['s3proxy'], join(dir, 'maven.log'))).get('s3proxy');
    if (jars === undefined) throw new Error('s3proxy jars missing after fetch');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const { port, accessKeyId, secretAccessKey } = endpoints.s3;
    const config = join(dir, 's3proxy.conf');
    writeFileSync(config, [
      `s3proxy.endpoint=http://127.0.0.1:${port}`,
      's3proxy.authorization=aws-v2-or-v4',
      `s3proxy.identity=${accessKeyId}`,
      `s3proxy.credential=${secretAccessKey}`,
      'jclouds.provider=filesystem-nio2',
      `jclouds.identity=${accessKeyId}`,
      `jclouds.credential=${secretAccessKey}`,
      `jclouds.filesystem.basedir=${dataDir}`,
      '',
    ].join('\n'));
    const logback = join(dir, 'logback.xml');
    writeFileSync(logback, [
      '<configuration>',
      '  <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">',
      '    <target>System.err</target>',
      '    <encoder><pattern>%d{ISO8601} %level %logger{20}: %msg%n</pattern></encoder>',
      '  </appender>',
      '  <root level="INFO"><appender-ref ref="STDERR"/></root>',
      '</configuration>',
      '',
    ].join('\n'));
    return {
      command: 'java',
      args: [...jvmOptions(HEAP_MB), `-Dlogback.configurationFile=${logback}`, '-cp', jarsIn(jars), 'org.gaul.s3proxy.Main', '--properties', config],
      cwd: dir,
    };
  },
};
