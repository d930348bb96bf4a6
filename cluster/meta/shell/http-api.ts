// The meta server's HTTP JSON (docs/operations.md): cluster, nodes, tables and their
// configurations, table DDL, the meta level, and /metrics. Errors are
// {"error":"ERR_...","message":"..."} with a status that fits; a meta server that does not lead
// redirects every /v1 route but /v1/cluster to the leader (307 with Location), or answers 503 when
// it knows of none, as Pegasus's HTTP API does.
import type { HttpHandler, HttpReply, HttpRequestInfo, HttpRoutes } from '../../rpc/node/index.ts';
import { jsonReply } from '../../rpc/node/index.ts';
import type { ErrorName } from '../../rpc/error-code.ts';
import type { MetaCore } from '../core/meta-core.ts';
import { META_LEVEL_VALUE, type MetaLevel, type TableInfo } from '../core/types.ts';
import type { MetaServerView } from './meta-server.ts';
import type { DdlAnswer, MetaTerm } from './meta-term.ts';
import { partitionHealth } from './metrics.ts';

export function addHttpRoutes(routes: HttpRoutes, server: MetaServerView): void {
  const leading = (handler: (term: MetaTerm, core: MetaCore, request: HttpRequestInfo) => Promise<HttpReply> | HttpReply): HttpHandler =>
    (request) => {
      const term = server.readyTerm();
      const core = term?.ready;
      if (term === undefined || core === undefined) return Promise.resolve(redirect(server, request));
      return Promise.resolve(handler(term, core, request));
    };

  routes.get('/metrics', async () => ({ status: 200, contentType: server.metrics.contentType, body: await server.metrics.text() }));
  routes.get('/v1/cluster', () => Promise.resolve(jsonReply(200, cluster(server))));
  routes.get('/v1/nodes', leading((_term, core) => jsonReply(200, { nodes: nodes(core) })));
  routes.get('/v1/tables', leading((_term, core) => jsonReply(200, { tables: core.tables().map(tableJson) })));
  routes.get('/v1/tables/:name/config', leading((_term, core, request) => {
    const name = request.params['name'] ?? '';
    const table = core.table(name);
    if (table === undefined) return error(404, 'ERR_APP_NOT_EXIST', `table ${name} does not exist`);
    const minimum = server.options.core.minReplicasFor2pc;
    const partitions = core.partitionsOf(table).map((config) => ({
      index: config.gpid.partitionIndex,
      ballot: Number(config.ballot),
      primary: config.primary,
      secondaries: config.secondaries,
      lastCommittedDecree: Number(config.lastCommittedDecree),
      healthy: partitionHealth(config, minimum) === 'healthy',
    }));
    return jsonReply(200, { ...tableJson(table), partitions });
  }));
  routes.post('/v1/tables', leading(async (term, _core, request) => {
    const body = parseBody(request);
    if (body === undefined) return error(400, 'ERR_INVALID_PARAMETERS', 'the body must be a JSON object');
    const { name, partitionCount, replicaCount } = body;
    if (typeof name !== 'string') return error(400, 'ERR_INVALID_PARAMETERS', 'name must be a string');
    if (typeof partitionCount !== 'number') return error(400, 'ERR_INVALID_PARAMETERS', 'partitionCount must be a number');
    if (typeof replicaCount !== 'number') return error(400, 'ERR_INVALID_PARAMETERS', 'replicaCount must be a number');
    const answer = await term.ddl({ kind: 'create_table', name, partitionCount, maxReplicaCount: replicaCount });
    return answer.error === 'ERR_OK' ? jsonReply(201, { appId: answer.appId }) : ddlError(answer);
  }));
  routes.add('DELETE', '/v1/tables/:name', leading(async (term, _core, request) => {
    const name = request.params['name'] ?? '';
    const reserve = request.query.get('reserveSeconds');
    let reserveMs = server.options.dropReserveMsDefault;
    if (reserve !== null) {
      if (!/^\d+$/.test(reserve)) return error(400, 'ERR_INVALID_PARAMETERS', `reserveSeconds ${JSON.stringify(reserve)} is not a whole number of seconds`);
      reserveMs = Number(reserve) * 1000;
    }
    const answer = await term.ddl({ kind: 'drop_table', name, reserveMs });
    return answer.error === 'ERR_OK' ? jsonReply(200, { appId: answer.appId }) : ddlError(answer);
  }));
  routes.post('/v1/recall', leading(async (term, _core, request) => {
    const body = parseBody(request);
    if (body === undefined) return error(400, 'ERR_INVALID_PARAMETERS', 'the body must be a JSON object');
    const { appId, newName } = body;
    if (typeof appId !== 'number' || !Number.isSafeInteger(appId)) return error(400, 'ERR_INVALID_PARAMETERS', 'appId must be an integer');
    if (newName !== undefined && typeof newName !== 'string') return error(400, 'ERR_INVALID_PARAMETERS', 'newName must be a string');
    const answer = await term.ddl({ kind: 'recall_table', appId, ...(newName === undefined ? {} : { newName }) });
    return answer.error === 'ERR_OK' ? jsonReply(200, { appId: answer.appId, name: answer.name }) : ddlError(answer);
  }));
  routes.add('PUT', '/v1/level', leading((term, _core, request) => {
    const body = parseBody(request);
    const level = body?.['level'];
    if (typeof level !== 'string' || !(level in META_LEVEL_VALUE)) {
      return error(400, 'ERR_INVALID_PARAMETERS', `level must be one of ${Object.keys(META_LEVEL_VALUE).join(', ')}`);
    }
    const previous = term.setLevel(level as MetaLevel);
    server.options.log(`meta level set to ${level} (was ${previous})`);
    return jsonReply(200, { level, previous });
  }));
}

function cluster(server: MetaServerView) {
  const core = server.readyTerm()?.ready;
  const known = core?.nodes() ?? [];
  return {
    cluster: server.options.cluster,
    self: server.self,
    leader: server.leaderHint(),
    metas: server.options.metas,
    level: core?.levelInEffect() ?? '',
    tables: core?.tables().filter((table) => table.status !== 'dropped').length ?? 0,
    nodes: { alive: known.filter((node) => node.alive).length, dead: known.filter((node) => !node.alive).length },
  };
}

function nodes(core: MetaCore) {
  const counts = new Map<string, { primaries: number; secondaries: number }>();
  const entry = (node: string) => {
    let found = counts.get(node);
    if (found === undefined) {
      found = { primaries: 0, secondaries: 0 };
      counts.set(node, found);
    }
    return found;
  };
  for (const table of core.tables()) {
    if (table.status !== 'available') continue;
    for (const config of core.partitionsOf(table)) {
      if (config.primary !== '') entry(config.primary).primaries++;
      for (const node of config.secondaries) entry(node).secondaries++;
    }
  }
  return core.nodes().map(({ node, alive }) => ({ address: node, alive, ...entry(node) }));
}

function tableJson(table: TableInfo) {
  return {
    appId: table.appId,
    name: table.name,
    status: table.status,
    partitionCount: table.partitionCount,
    replicaCount: table.maxReplicaCount,
    ...(table.dropExpireAtMs === undefined ? {} : { dropExpireAtMs: table.dropExpireAtMs }),
  };
}

export function redirect(server: MetaServerView, request: HttpRequestInfo): HttpReply {
  if (server.recovering()) return error(503, 'ERR_SERVICE_NOT_ACTIVE', 'this meta server leads but is still reading its state');
  const leader = server.leaderHint();
  if (leader === '') return jsonReply(503, { error: 'ERR_FORWARD_TO_OTHERS', leader: '', message: 'no meta server leads at the moment' });
  const query = request.query.toString();
  const location = `http://${leader}${request.path}${query === '' ? '' : `?${query}`}`;
  return { ...jsonReply(307, { error: 'ERR_FORWARD_TO_OTHERS', leader }), headers: { location } };
}

const STATUS_OF: Partial<Record<ErrorName, number>> = {
  ERR_INVALID_PARAMETERS: 400,
  ERR_APP_NOT_EXIST: 404,
  ERR_APP_EXIST: 409,
  ERR_BUSY_CREATING: 409,
  ERR_BUSY_DROPPING: 409,
  ERR_BUSY: 503,
  ERR_STATE_FREEZED: 503,
  ERR_FORWARD_TO_OTHERS: 503,
  ERR_SERVICE_NOT_ACTIVE: 503,
  ERR_TIMEOUT: 504,
};

function ddlError(answer: DdlAnswer): HttpReply {
  return error(STATUS_OF[answer.error] ?? 500, answer.error, answer.reason);
}

export function error(status: number, code: string, message: string): HttpReply {
  return jsonReply(status, { error: code, message });
}

export function parseBody(request: HttpRequestInfo): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(request.body));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
