// npm run services:up -- [names...] | services:down -- [names...] | services:status -- [names...]
// Names: zookeeper kafka redis hdfs s3 (default: all). Ports and directories: infra/endpoints.ts
// and docs/services.md.
import { SERVICE_NAMES, isServiceName, type ServiceName } from './endpoints.ts';
import { ServicesUpError, describe, down, status, up } from './services/orchestrator.ts';

function parseNames(args: readonly string[]): ServiceName[] {
  if (args.length === 0) return [...SERVICE_NAMES];
  const names: ServiceName[] = [];
  for (const arg of args) {
    for (const name of arg.split(',').filter((part) => part !== '')) {
      if (!isServiceName(name)) throw new Error(`unknown service "${name}"; known: ${SERVICE_NAMES.join(', ')}`);
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const names = parseNames(rest);
  switch (command) {
    case 'up': {
      const started = Date.now();
      try {
        for (const entry of await up(names)) console.log(describe(entry));
      } catch (error) {
        if (error instanceof ServicesUpError && error.started.length > 0) {
          console.error(`services left running: ${error.started.join(', ')} (npm run services:down stops them)`);
        }
        throw error;
      }
      console.log(`services up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'down':
      for (const entry of await down(names)) console.log(describe(entry));
      return 0;
    case 'status': {
      for (const entry of await Promise.all(names.map(status))) console.log(describe(entry));
      return 0;
    }
    case undefined:
    default:
      console.error('usage: tsx infra/services.ts up|down|status [zookeeper kafka redis hdfs s3]');
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
