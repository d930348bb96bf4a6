// The meta RPCs of the official clients (reference/pegasus-api.md 4.7-4.8): query_cfg, and
// create/drop/list for the Java admin client. Errors travel inside the response (`err`) with the
// frame OK, as Pegasus does: a non-leader answers ERR_FORWARD_TO_OTHERS (query_cfg names the leader
// in partitions[0].primary, where the Java and Go clients look), a leader still reading its state
// ERR_SERVICE_NOT_ACTIVE (clients retry after a second).
import type { ErrorName } from '../../rpc/error-code.ts';
import {
  AppStatus, type AppInfo, type ListAppsRequest, type PartitionConfiguration as WirePartitionConfiguration, type QueryCfgResponse,
} from '../../rpc/meta-structs.ts';
import { clientRpcs } from '../../rpc/rpc-methods.ts';
import type { HandlerTable } from '../../rpc/node/index.ts';
import type { PartitionConfiguration, TableInfo } from '../core/types.ts';
import type { MetaServerView } from './meta-server.ts';
import type { DdlAnswer, MetaTerm } from './meta-term.ts';

export function addClientRpcs(handlers: HandlerTable, server: MetaServerView): void {
  handlers
    .on(clientRpcs.queryConfig, (request) => Promise.resolve(queryConfig(server, request.appName, request.partitionIndices)))
    .on(clientRpcs.createApp, async (request) => {
      const { options } = request;
      const answer = await runDdl(server, (term) => {
        const existing = term.ready?.table(request.appName);
        // Pegasus create_app with success_if_exist: an existing table of that shape is success.
        if (options.successIfExist && existing?.status === 'available' && existing.partitionCount === options.partitionCount) {
          return Promise.resolve({ error: 'ERR_OK', reason: '', appId: existing.appId, name: existing.name });
        }
        if (options.appType !== '' && options.appType !== 'pegasus') {
          return Promise.resolve({ error: 'ERR_INVALID_PARAMETERS', reason: `app type ${options.appType} is not pegasus`, appId: 0, name: '' });
        }
        return term.ddl({ kind: 'create_table', name: request.appName, partitionCount: options.partitionCount, maxReplicaCount: options.replicaCount });
      });
      logRefusal(server, `create_app ${request.appName}`, answer);
      return { err: answer.error, appid: answer.appId };
    })
    .on(clientRpcs.dropApp, async (request) => {
      const reserveSeconds = request.options.reserveSeconds;
      const reserveMs = reserveSeconds === undefined ? server.options.dropReserveMsDefault : Number(reserveSeconds) * 1000;
      const answer = await runDdl(server, (term) => term.ddl({ kind: 'drop_table', name: request.appName, reserveMs }));
      logRefusal(server, `drop_app ${request.appName}`, answer);
      const notThere = answer.error === 'ERR_APP_NOT_EXIST' && request.options.successIfNotExist;
      return { err: notThere ? 'ERR_OK' : answer.error };
    })
    .on(clientRpcs.listApps, (request) => Promise.resolve(listApps(server, request)));
}

/** Runs a DDL request on the leader's term, or says why it cannot run here. */
export async function runDdl(server: MetaServerView, run: (term: MetaTerm) => Promise<DdlAnswer>): Promise<DdlAnswer> {
  const term = server.readyTerm();
  if (term === undefined) {
    const error = server.recovering() ? 'ERR_SERVICE_NOT_ACTIVE' : 'ERR_FORWARD_TO_OTHERS';
    return { error, reason: error === 'ERR_FORWARD_TO_OTHERS' ? `the leader is ${server.leaderHint() || 'unknown'}` : 'recovering state', appId: 0, name: '' };
  }
  return run(term);
}

function logRefusal(server: MetaServerView, what: string, answer: DdlAnswer): void {
  if (answer.error !== 'ERR_OK' && answer.error !== 'ERR_FORWARD_TO_OTHERS') server.options.log(`${what}: ${answer.error} ${answer.reason}`);
}

function queryConfig(server: MetaServerView, appName: string, indices: readonly number[]): QueryCfgResponse {
  const refuse = (err: ErrorName, partitions: WirePartitionConfiguration[] = []): QueryCfgResponse =>
    ({ err, appId: 0, partitionCount: 0, isStateful: true, partitions });
  const term = server.readyTerm();
  const core = term?.ready;
  if (core === undefined) {
    if (server.recovering()) return refuse('ERR_SERVICE_NOT_ACTIVE');
    const leader = server.leaderHint();
    if (leader === '') return refuse('ERR_SERVICE_NOT_ACTIVE');
    return refuse('ERR_FORWARD_TO_OTHERS', [forwardPartition(leader)]);
  }
  const route = core.route(appName);
  if (route.error !== 'ERR_OK') return refuse(route.error);
  const { table, configs } = route;
  if (indices.some((index) => !Number.isInteger(index) || index < 0 || index >= table.partitionCount)) return refuse('ERR_INVALID_PARAMETERS');
  const chosen = indices.length === 0 ? configs : indices.map((index) => configs[index]!);
  return { err: 'ERR_OK', appId: table.appId, partitionCount: table.partitionCount, isStateful: true, partitions: chosen.map(toWire) };
}

/** The Java client takes the leader from partitions[0].primary of a forwarded query_cfg. */
function forwardPartition(leader: string): WirePartitionConfiguration {
  return { pid: { appId: 0, partitionIndex: 0 }, ballot: 0n, maxReplicaCount: 0, primary: leader, secondaries: [], lastDrops: [], lastCommittedDecree: 0n, partitionFlags: 0 };
}

export function toWire(config: PartitionConfiguration): WirePartitionConfiguration {
  return {
    pid: config.gpid,
    ballot: config.ballot,
    maxReplicaCount: config.maxReplicaCount,
    primary: config.primary,
    secondaries: config.secondaries,
    lastDrops: config.lastDrops,
    lastCommittedDecree: config.lastCommittedDecree,
    partitionFlags: 0,
  };
}

/** utils.pattern_match_type: 1 all, 2 exact, 3 anywhere, 4 prefix, 5 postfix. */
function nameMatches(name: string, pattern: string | undefined, matchType: number | undefined): boolean | undefined {
  if (pattern === undefined || pattern === '' || matchType === undefined || matchType === 1) return true;
  switch (matchType) {
    case 2:
      return name === pattern;
    case 3:
      return name.includes(pattern);
    case 4:
      return name.startsWith(pattern);
    case 5:
      return name.endsWith(pattern);
    default:
      return undefined;
  }
}

function listApps(server: MetaServerView, request: ListAppsRequest) {
  const core = server.readyTerm()?.ready;
  if (core === undefined) return { err: server.recovering() ? 'ERR_SERVICE_NOT_ACTIVE' as const : 'ERR_FORWARD_TO_OTHERS' as const, infos: [] };
  if (nameMatches('', request.appNamePattern, request.matchType) === undefined) {
    return { err: 'ERR_INVALID_PARAMETERS' as const, infos: [], hintMessage: `pattern match type ${request.matchType} is not supported` };
  }
  const infos = core.tables()
    .map(appInfo)
    .filter((info) => (request.status === AppStatus.invalid || info.status === request.status) && nameMatches(info.appName, request.appNamePattern, request.matchType) === true);
  return { err: 'ERR_OK' as const, infos };
}

const STATUS_CODE: Readonly<Record<TableInfo['status'], AppStatus>> = {
  creating: AppStatus.creating,
  available: AppStatus.available,
  dropping: AppStatus.dropping,
  dropped: AppStatus.dropped,
};

function appInfo(table: TableInfo): AppInfo {
  return {
    status: STATUS_CODE[table.status],
    appType: 'pegasus',
    appName: table.name,
    appId: table.appId,
    partitionCount: table.partitionCount,
    envs: new Map(),
    isStateful: true,
    maxReplicaCount: table.maxReplicaCount,
    expireSecond: BigInt(Math.floor((table.dropExpireAtMs ?? 0) / 1000)),
    createSecond: 0n,
    dropSecond: 0n,
    initPartitionCount: table.partitionCount,
  };
}
