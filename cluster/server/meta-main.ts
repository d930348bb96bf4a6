// The meta server process: flags -> configuration -> MetaServer on the system clock and the RPC
// cluster transport. Prints {"event":"ready","role":"meta","address":"host:port"} on stdout once
// serving; logs go to stderr. SIGINT/SIGTERM close the port, the store and the election and exit 0.
//
//   node --import tsx cluster/server/meta-main.ts --port 34601 --data ./onebox/meta1
//   node --import tsx cluster/server/meta-main.ts --port 34601 --data ./m1 --metas 127.0.0.1:34601,127.0.0.1:34602 --zk 127.0.0.1:2181/pegasus-ts
import { systemClock } from '../../common/clock.ts';
import { coreOptions, metaConfigHelp, parseMetaConfig, storeConfig } from '../meta/shell/config.ts';
import { MetaServer } from '../meta/shell/meta-server.ts';
import { RpcClusterTransport } from '../rpc/node/cluster-transport.ts';
import { runServerProcess } from './run-server-process.ts';

runServerProcess({
  role: 'meta',
  help: metaConfigHelp,
  parse: parseMetaConfig,
  badFlags: (error) => `${(error as Error).message}\nflags:\n${metaConfigHelp()}`,
  listensOn: (config) => config,
  stopping: 'stopping',
  async start(config, log) {
    const self = `${config.host}:${config.port}`;
    const transport = new RpcClusterTransport({ log: (message, error) => log(`${message} ${String(error ?? '')}`) });
    const server = await MetaServer.start({
      host: config.host,
      port: config.port,
      metas: config.metas.length > 0 ? config.metas : [self],
      cluster: config.cluster,
      store: storeConfig(config),
      core: coreOptions(config),
      dropReserveMsDefault: config.dropReserveSeconds * 1000,
      clock: systemClock,
      createOutbound: () => transport,
      backup: { redis: config.redis, prefix: config.redisPrefix === '' ? `pegasus-${config.cluster}` : config.redisPrefix, call: (to, request, timeoutMs) => transport.backupPartition(to, request, timeoutMs) },
      log,
    });
    return { address: server.self, close: () => server.close() };
  },
});
