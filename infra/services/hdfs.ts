// HDFS with WebHDFS: one NameNode and one DataNode in a single JVM (infra/hdfs/HdfsLauncher.java,
// compiled against Hadoop's Maven Central jars), every address on 127.0.0.1, so the WebHDFS
// redirect for CREATE and OPEN points at a DataNode this machine can reach.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, type HdfsEndpoint } from '../endpoints.ts';
import { compileLauncher, fetchJars } from './install.ts';
import { jarsIn, jvmOptions } from './java.ts';
import { hdfsServes } from './probes.ts';
import type { Service } from './service.ts';

const HEAP_MB = 512;
const LAUNCHER_SOURCE = join(REPO_ROOT, 'infra', 'hdfs', 'HdfsLauncher.java');
/** Hadoop's own scripts open these packages on Java 17 (JAXB and Netty reflect into them). */
const ADD_OPENS = ['java.base/java.lang', 'java.base/java.util', 'java.base/java.nio', 'java.base/sun.nio.ch', 'java.base/java.lang.reflect', 'java.base/java.net'];

function siteXml(properties: Readonly<Record<string, string>>): string {
  const entries = Object.entries(properties).map(([name, value]) => `  <property><name>${name}</name><value>${value}</value></property>`);
  return ['<?xml version="1.0"?>', '<configuration>', ...entries, '</configuration>', ''].join('\n');
}

function writeConfig(confDir: string, dir: string, hdfs: HdfsEndpoint): void {
  mkdirSync(confDir, { recursive: true });
  // HttpServer2 looks these web application folders up on the classpath; the jars do not ship them.
  for (const webapp of ['hdfs', 'datanode', 'static']) mkdirSync(join(confDir, 'webapps', webapp), { recursive: true });
  writeFileSync(join(confDir, 'core-site.xml'), siteXml({
    'fs.defaultFS': `hdfs://127.0.0.1:${hdfs.rpcPort}`,
    'hadoop.tmp.dir': join(dir, 'tmp'),
    'hadoop.http.authentication.signature.secret.file': join(dir, 'http-signature-secret'),
  }));
  writeFileSync(join(dir, 'http-signature-secret'), 'pegasus-ts-local-hdfs\n');
  writeFileSync(join(confDir, 'hdfs-site.xml'), siteXml({
    'dfs.namenode.name.dir': `file://${join(dir, 'name')}`,
    'dfs.datanode.data.dir': `file://${join(dir, 'data')}`,
    'dfs.replication': '1',
    'dfs.namenode.rpc-address': `127.0.0.1:${hdfs.rpcPort}`,
    'dfs.namenode.http-address': `127.0.0.1:${hdfs.httpPort}`,
    'dfs.datanode.address': `127.0.0.1:${hdfs.datanodePort}`,
    'dfs.datanode.http.address': `127.0.0.1:${hdfs.datanodeHttpPort}`,
    'dfs.datanode.ipc.address': `127.0.0.1:${hdfs.datanodeIpcPort}`,
    'dfs.datanode.hostname': '127.0.0.1',
    'dfs.namenode.datanode.registration.ip-hostname-check': 'false',
    'dfs.permissions.enabled': 'false',
    'dfs.namenode.safemode.extension': '0',
    'dfs.namenode.safemode.min.datanodes': '0',
    'dfs.heartbeat.interval': '1',
    'dfs.namenode.handler.count': '4',
    'dfs.datanode.handler.count': '4',
    'dfs.namenode.service.handler.count': '2',
  }));
  writeFileSync(join(confDir, 'log4j.properties'), [
    'log4j.rootLogger=INFO,console',
    'log4j.appender.console=org.apache.log4j.ConsoleAppender',
    'log4j.appender.console.target=System.err',
    'log4j.appender.console.layout=org.apache.log4j.PatternLayout',
    'log4j.appender.console.layout.ConversionPattern=%d{ISO8601} %p %c{2}: %m%n',
    'log4j.logger.org.apache.hadoop.util.NativeCodeLoader=ERROR',
    'log4j.logger.org.apache.hadoop.hdfs.StateChange=WARN',
    'log4j.logger.BlockStateChange=WARN',
    '',
  ].join('\n'));
}

export const hdfs: Service = {
  name: 'hdfs',
  aptPackages: [],
  mavenModule: 'hdfs',
  heapMb: HEAP_MB,
  port: (endpoints) => endpoints.hdfs.httpPort,
  address: (endpoints) => `${endpoints.hdfs.webhdfsUrl}, NameNode RPC ${endpoints.hdfs.host}:${endpoints.hdfs.rpcPort}, DataNode HTTP ${endpoints.hdfs.host}:${endpoints.hdfs.datanodeHttpPort}`,
  healthy: (endpoints) => hdfsServes(endpoints.hdfs.host, endpoints.hdfs.httpPort, endpoints.hdfs.user),
  async prepare({ dir, endpoints }) {
    const jars = (await fetchJars(['hdfs'], join(dir, 'maven.log'))).get('hdfs');
    if (jars === undefined) throw new Error('hdfs jars missing after fetch');
    const classes = await compileLauncher(LAUNCHER_SOURCE, jarsIn(jars));
    const confDir = join(dir, 'conf');
    writeConfig(confDir, dir, endpoints.hdfs);
    return {
      command: 'java',
      args: [
        ...jvmOptions(HEAP_MB),
        ...ADD_OPENS.flatMap((name) => ['--add-opens', `${name}=ALL-UNNAMED`]),
        `-Dhadoop.log.dir=${dir}`,
        '-cp', [confDir, classes, jarsIn(jars)].join(':'),
        'HdfsLauncher', join(dir, 'name'),
      ],
      cwd: dir,
    };
  },
};
