// ZooKeeper 3.8 from Debian's `zookeeper` package, run standalone from its own zoo.cfg (Debian's
// wrapper scripts hard-code /etc paths), admin server off, logging to stderr through slf4j-simple.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zookeeperServes } from './probes.ts';
import type { Service } from './service.ts';
import { jvmOptions } from './java.ts';

const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const SLF4J_SIMPLE_JAR = '/usr/share/java/slf4j-simple.jar';

export const zookeeper: Service = {
  name: 'zookeeper',
  aptPackages: ['zookeeper'],
  heapMb: 128,
  port: (endpoints) => endpoints.zookeeper.port,
  address: (endpoints) => endpoints.zookeeper.connectString,
  healthy: (endpoints) => zookeeperServes(endpoints.zookeeper.host, endpoints.zookeeper.port),
  async prepare({ dir, endpoints }) {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const config = join(dir, 'zoo.cfg');
    writeFileSync(config, [
      'tickTime=2000',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${dataDir}`,
      `clientPort=${endpoints.zookeeper.port}`,
      'clientPortAddress=127.0.0.1',
      'maxClientCnxns=0',
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,ruok',
      'autopurge.purgeInterval=1',
      '',
    ].join('\n'));
    const classpath = [ZOOKEEPER_JAR, ...(existsSync(SLF4J_SIMPLE_JAR) ? [SLF4J_SIMPLE_JAR] : [])].join(':');
    return {
      command: 'java',
      args: [...jvmOptions(128), '-Dzookeeper.admin.enableServer=false', '-cp', classpath, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', config],
      cwd: dir,
    };
  },
};
