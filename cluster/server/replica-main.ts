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

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} replica ${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(`usage: replica-main.ts --data DIR [flags]\n${replicaConfigHelp()}\n`);
    return 0;
  }
  let config;
  try {
    config = parseReplicaConfig(argv, process.env);
  } catch (error) {
    if (!(error instanceof ReplicaConfigError)) throw error;
    process.stderr.write(`replica server: ${error.message}\n`);
    return 2;
  }
  let server: ReplicaServer;
  try {
    server = await ReplicaServer.start({
      config,
      clock: systemClock,
      log,
      cluster: {
        createOutbound: () => new RpcClusterTransport({ log: (message, error) => log(`${message} ${String(error ?? '')}`) }),
        serve: (handlers, inbound) => serveCluster(handlers, inbound),
      },
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is in use` : (error as Error).message;
    process.stderr.write(`replica server: cannot start: ${reason}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ event: 'ready', role: 'replica', address: server.address })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping: closing every replica');
  await server.close();
  log('stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`replica server: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
