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

const log = (line: string): void => {
  process.stderr.write(`${new Date().toISOString()} meta ${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(`usage: meta-main.ts --data DIR [flags]\n${metaConfigHelp()}\n`);
    return 0;
  }
  let config;
  try {
    config = parseMetaConfig(argv, process.env);
  } catch (error) {
    process.stderr.write(`meta server: ${(error as Error).message}\nflags:\n${metaConfigHelp()}\n`);
    return 2;
  }
  const self = `${config.host}:${config.port}`;
  let server: MetaServer;
  try {
    server = await MetaServer.start({
      host: config.host,
      port: config.port,
      metas: config.metas.length > 0 ? config.metas : [self],
      cluster: config.cluster,
      store: storeConfig(config),
      core: coreOptions(config),
      dropReserveMsDefault: config.dropReserveSeconds * 1000,
      clock: systemClock,
      createOutbound: () => new RpcClusterTransport({ log: (message, error) => log(`${message} ${String(error ?? '')}`) }),
      log,
    });
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    const reason = code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is in use` : (error as Error).message;
    process.stderr.write(`meta server: cannot start: ${reason}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ event: 'ready', role: 'meta', address: server.self })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('stopping');
  await server.close();
  log('stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`meta server: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
