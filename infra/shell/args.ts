// The `pegasus` command line: argv in, one typed command (or a usage error naming what is wrong)
// out. Pure, so every command's bad-argument path is testable without a cluster.
import { parseArgs } from 'node:util';
import type { RawValues } from '../onebox/options.ts';
import { commandSpecs, type Options } from './command-specs.ts';
import { DEFAULT_META, UsageError, type GlobalOptions, type Invocation } from './command.ts';

export * from './command.ts';

const GLOBAL_OPTIONS = {
  meta: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

// node:util parseArgs takes "-5" for an option; numbers are protected before parsing and
// restored after, so `incr t h s -5` and `--ttl 0` read naturally.
const NEGATIVE = '\u0000negative:';

function protect(argv: readonly string[]): string[] {
  return argv.map((arg) => (/^-\d+$/.test(arg) ? `${NEGATIVE}${arg.slice(1)}` : arg));
}

function restore(arg: string): string {
  return arg.startsWith(NEGATIVE) ? `-${arg.slice(NEGATIVE.length)}` : arg;
}

function restoreValues(values: Record<string, unknown>): RawValues {
  const out: Record<string, string | boolean | undefined> = {};
  for (const [name, value] of Object.entries(values)) {
    out[name] = typeof value === 'string' ? restore(value) : typeof value === 'boolean' ? value : undefined;
  }
  return out;
}

function metasOf(raw: string | undefined): string[] {
  if (raw === undefined) return [DEFAULT_META];
  const metas = raw.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (metas.length === 0) throw new UsageError('--meta must list host:port[,host:port...]');
  for (const meta of metas) {
    const match = /^([^\s:]+):(\d+)$/.exec(meta);
    const port = Number(match?.[2]);
    if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new UsageError(`--meta: "${meta}" is not host:port`);
    }
  }
  return metas;
}

/** Parses the arguments after `pegasus`; throws UsageError on anything it cannot take. */
export function parseShellArgs(argv: readonly string[], cwd: string): Invocation {
  const args = protect(argv);
  const specs = commandSpecs(cwd);
  // First pass: globals and the command name (the first positional).
  const first = parseArgs({ args, options: GLOBAL_OPTIONS, strict: false, allowPositionals: true });
  const name = first.positionals[0];
  const wantsHelp = first.values['help'] === true;
  if (name === undefined || name === 'help') {
    const topic = name === 'help' ? first.positionals[1] : undefined;
    if (topic !== undefined && specs[topic] === undefined) throw new UsageError(`help: unknown command "${topic}"`);
    return { globals: { metas: [DEFAULT_META], json: first.values['json'] === true }, command: topic === undefined ? { kind: 'help' } : { kind: 'help', topic } };
  }
  const spec = specs[name];
  if (spec === undefined) {
    throw new UsageError(`unknown command "${name}"; \`pegasus help\` lists the commands`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...spec.options }, strict: true, allowPositionals: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
    throw new UsageError(`${name}: ${message.replace(/^Option '(.*?)'.*? argument missing$/, "option '$1' needs a value").replaceAll(NEGATIVE, '-')}`, name);
  }
  const values = restoreValues(parsed.values);
  const json = values['json'] === true;
  const metaRaw = typeof values['meta'] === 'string' ? values['meta'] : undefined;
  const globals: GlobalOptions = { metas: metasOf(metaRaw), json };
  if (wantsHelp) return { globals, command: { kind: 'help', topic: name } };
  const rest = parsed.positionals.slice(1).map(restore);
  const commandValues: Record<string, string | boolean | undefined> = {};
  for (const option of Object.keys(spec.options)) commandValues[option] = values[option] as string | boolean | undefined;
  return { globals, command: spec.build(rest, commandValues) };
}

/** `pegasus help` and `pegasus help <command>`. */
export function helpText(topic: string | undefined, cwd: string): string {
  const specs = commandSpecs(cwd);
  if (topic !== undefined) {
    const spec = specs[topic];
    if (spec === undefined) return `unknown command "${topic}"`;
    return [`usage: pegasus ${spec.usage}`, '', spec.summary, '', `example: ${spec.example}`, '', GLOBALS_HELP].join('\n');
  }
  const width = Math.max(...Object.keys(specs).map((key) => key.length));
  return [
    'usage: pegasus <command> [arguments] [--meta host:port[,host:port...]] [--json]',
    '',
    ...Object.entries(specs).map(([key, spec]) => `  ${key.padEnd(width)}  ${spec.summary}`),
    '',
    GLOBALS_HELP,
    '`pegasus help <command>` (or `pegasus <command> --help`) shows its arguments and an example.',
  ].join('\n');
}

const GLOBALS_HELP = [
  'global options:',
  `  --meta host:port[,...]  meta servers to ask (default ${DEFAULT_META}); redirects to the leader are followed`,
  '  --json                  print JSON for scripts instead of aligned text',
].join('\n');
