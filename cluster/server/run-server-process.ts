// What every server process does around its server: flags (exit 2 when bad), start (exit 1 with
// the reason, a port in use named as such), the ready line on stdout, SIGINT/SIGTERM -> close ->
// exit 0. The composition roots say only how to parse their flags and build their server.

export interface ServerProcess<Config> {
  readonly role: 'meta' | 'replica';
  /** Flag help for --help. */
  help(): string;
  /** Throws on bad flags; the message is printed and the process exits 2. */
  parse(argv: readonly string[], env: NodeJS.ProcessEnv): Config;
  /** What to print for a bad flag; undefined means the error is a bug and is rethrown. */
  badFlags(error: unknown): string | undefined;
  listensOn(config: Config): { readonly host: string; readonly port: number };
  start(config: Config, log: (line: string) => void): Promise<{ readonly address: string; close(): Promise<void> }>;
  /** Logged when a signal arrives, before closing. */
  readonly stopping: string;
}

export function runServerProcess<Config>(spec: ServerProcess<Config>): void {
  main(spec, process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${spec.role} server: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}

async function main<Config>(spec: ServerProcess<Config>, argv: readonly string[]): Promise<number> {
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} ${spec.role} ${line}\n`);
  };
  if (argv.includes('--help')) {
    process.stdout.write(`usage: ${spec.role}-main.ts --data DIR [flags]\n${spec.help()}\n`);
    return 0;
  }
  let config: Config;
  try {
    config = spec.parse(argv, process.env);
  } catch (error) {
    const message = spec.badFlags(error);
    if (message === undefined) throw error;
    process.stderr.write(`${spec.role} server: ${message}\n`);
    return 2;
  }
  let server: Awaited<ReturnType<ServerProcess<Config>['start']>>;
  try {
    server = await spec.start(config, log);
  } catch (error) {
    const { host, port } = spec.listensOn(config);
    const reason = addressInUse(error) ? `port ${port} on ${host} is in use` : (error as Error).message;
    process.stderr.write(`${spec.role} server: cannot start: ${reason}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify({ event: 'ready', role: spec.role, address: server.address })}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log(spec.stopping);
  await server.close();
  log('stopped');
  return 0;
}

/** The listen error itself, or wrapped as the cause of a start error. */
function addressInUse(error: unknown): boolean {
  const code = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;
  return code(error) === 'EADDRINUSE' || code((error as Error | undefined)?.cause) === 'EADDRINUSE';
}
