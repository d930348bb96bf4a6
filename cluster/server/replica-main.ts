// The replica server process: flags -> configuration -> ReplicaServer on the system clock and the
// RPC cluster transport. Prints {"event":"ready","role":"replica","address":"host:port"} on stdout
// once serving; logs go to stderr. SIGINT/SIGTERM stop serving, close every replica and exit 0.
//
//   node --import tsx cluster/server/replica-main.ts --port 34801 --data ./onebox/replica1 --metas 127.0.0.1:34601
import { systemClock } from '../../common/clock.ts';
import { parseReplicaConfig, ReplicaConfigError, replicaConfigHelp } from '../replica/server/replica-config.ts';
import { ReplicaServer } from '../replica/server/replica-server.ts';
import { RpcClusterTransport } from '../rpc/node/cluster-transport.ts';
import { serveCluster } from '../rpc/node/serve-cluster.ts';
import { runServerProcess } from './run-server-process.ts';

runServerProcess({
  role: 'replica',
  help: replicaConfigHelp,
  parse: parseReplicaConfig,
  badFlags: (error) => (error instanceof ReplicaConfigError ? error.message : undefined),
  listensOn: (config) => config,
  stopping: 'stopping: closing every replica',
  async start(config, log) {
    const server = await ReplicaServer.start({
      config,
      clock: systemClock,
      log,
      cluster: {
        createOutbound: () => new RpcClusterTransport({ log: (message, error) => log(`${message} ${String(error ?? '')}`) }),
        serve: (handlers, inbound) => serveCluster(handlers, inbound),
      },
    });
    return { address: server.address, close: () => server.close() };
  },
});
