// Runs one `pegasus` invocation: parses it, does it (meta HTTP API, client SDK, onebox), prints
// text or JSON, and returns the exit status: 0 done, 1 failed (cluster unreachable, refused, ...),
// 2 bad arguments.
import { assertNever } from '../../common/assert.ts';
import { partitionHashOf, partitionIndexOfHash } from '../../client/index.ts';
import { OneboxError } from '../onebox/onebox-error.ts';
import { UsageError, helpText, parseShellArgs, type Command, type GlobalOptions } from './args.ts';
import type { DataCommand } from './data.ts';
import {
  formatClusterInfo, formatDone, formatNodes, formatPlacement, formatTableConfig, formatTables, toJson, type Output,
} from './format.ts';
import { metaApi } from './meta-api.ts';
import { MetaHttp, ShellError } from './meta-http.ts';

export interface ShellIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly nowMs: () => number;
}

const encoder = new TextEncoder();

type AdminCommand = Extract<Command, { kind: 'ls' | 'create' | 'drop' | 'recall' | 'app' | 'nodes' | 'cluster_info' | 'set_meta_level' | 'hash' }>;

async function adminCommand(command: AdminCommand, globals: GlobalOptions, io: ShellIo): Promise<Output> {
  const http = new MetaHttp(globals.metas);
  switch (command.kind) {
    case 'ls':
      return formatTables(await metaApi.tables(http), command.all, io.nowMs());
    case 'create': {
      const { appId } = await metaApi.createTable(http, command.table, command.partitionCount, command.replicaCount);
      return formatDone(`created table ${command.table} (app_id ${appId}, ${command.partitionCount} partitions, ${command.replicaCount} replicas); \`pegasus app ${command.table}\` shows when it is healthy`, { appId, name: command.table });
    }
    case 'drop': {
      const { appId } = await metaApi.dropTable(http, command.table, command.reserveSeconds);
      return formatDone(`dropped table ${command.table} (app_id ${appId}); \`pegasus recall ${appId}\` brings it back until its reserve time passes`, { appId, name: command.table });
    }
    case 'recall': {
      const { appId, name } = await metaApi.recall(http, command.appId, command.newName);
      return formatDone(`recalled app_id ${appId} as table ${name}`, { appId, name });
    }
    case 'app':
      return formatTableConfig(await metaApi.tableConfig(http, command.table));
    case 'nodes':
      return formatNodes(await metaApi.nodes(http));
    case 'cluster_info':
      return formatClusterInfo(await metaApi.cluster(http), globals.metas[0] ?? '');
    case 'set_meta_level': {
      const { level, previous } = await metaApi.setLevel(http, command.level);
      return formatDone(`meta level ${previous} -> ${level}`, { level, previous });
    }
    case 'hash': {
      const config = await metaApi.tableConfig(http, command.table);
      const partitionHash = partitionHashOf(encoder.encode(command.hashKey), encoder.encode(command.sortKey));
      const partitionIndex = partitionIndexOfHash(partitionHash, config.partitionCount);
      const partition = config.partitions.find((entry) => entry.index === partitionIndex);
      return formatPlacement({
        table: config.name,
        appId: config.appId,
        partitionCount: config.partitionCount,
        partitionIndex,
        partitionHash,
        ballot: partition?.ballot ?? -1,
        primary: partition?.primary ?? '',
        secondaries: partition?.secondaries ?? [],
      });
    }
    default:
      return assertNever(command, 'admin command');
  }
}

// The onebox launcher and the client SDK are loaded only by the commands that use them, so that
// every other command starts faster.
const onebox = () => import('../onebox/control.ts');

async function execute(command: Command, globals: GlobalOptions, io: ShellIo): Promise<Output | number> {
  switch (command.kind) {
    case 'help':
      return { text: helpText(command.topic, io.cwd), json: { help: helpText(command.topic, io.cwd) } };
    case 'onebox_start': {
      const { runOnebox, startBackground } = await onebox();
      if (command.foreground) return runOnebox(command.options, true, io.stdout);
      const { summary, state } = await startBackground(command.options);
      return formatDone(summary, { dir: command.options.dir, launcherPid: state.launcherPid, metaAddresses: state.metaAddresses, servers: state.servers });
    }
    case 'onebox_stop':
      return formatDone(await (await onebox()).stopOnebox(command.dir), { stopped: true, dir: command.dir });
    case 'onebox_clean':
      return formatDone(await (await onebox()).cleanOnebox(command.dir), { cleaned: true, dir: command.dir });
    case 'ls':
    case 'create':
    case 'drop':
    case 'recall':
    case 'app':
    case 'nodes':
    case 'cluster_info':
    case 'set_meta_level':
    case 'hash':
      return adminCommand(command, globals, io);
    case 'set':
    case 'get':
    case 'del':
    case 'exist':
    case 'ttl':
    case 'multi_set':
    case 'multi_get':
    case 'multi_del':
    case 'incr':
    case 'check_and_set':
    case 'count':
    case 'hash_scan':
    case 'full_scan':
      return (await import('./data.ts')).runDataCommand(command satisfies DataCommand, globals);
    case 'backup':
      return (await import('./backup-commands.ts')).runBackupCommand(command, new MetaHttp(globals.metas), {
        stderr: io.stderr,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      });
    default:
      return assertNever(command, 'command');
  }
}

/** Runs `pegasus <argv...>`; resolves with the exit status. */
export async function runShell(argv: readonly string[], io: ShellIo): Promise<number> {
  let invocation;
  try {
    invocation = parseShellArgs(argv, io.cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const hint = error.command === undefined ? '`pegasus help` lists the commands' : `\`pegasus help ${error.command}\` shows its usage`;
    io.stderr(`pegasus: ${error.message}\n${hint}`);
    return 2;
  }
  const { command, globals } = invocation;
  try {
    const outcome = await execute(command, globals, io);
    if (typeof outcome === 'number') return outcome;
    io.stdout(globals.json ? toJson(outcome.json) : outcome.text);
    return 0;
  } catch (error) {
    if (error instanceof ShellError || error instanceof OneboxError) {
      io.stderr(globals.json ? toJson({ error: error.message }) : `pegasus ${command.kind.replace(/^onebox_/, 'onebox ')}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
