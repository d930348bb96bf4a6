// The meta server's backup HTTP JSON routes (docs/backup.md), served by the leader; others
// redirect like every /v1 route. Errors are {"error":"ERR_...","message":"..."}.
import { PegasusError } from '../../../common/errors.ts';
import type { HttpHandler, HttpReply, HttpRequestInfo, HttpRoutes } from '../../rpc/node/index.ts';
import { jsonReply } from '../../rpc/node/index.ts';
import { error, parseBody, redirect } from './http-api.ts';
import type { MetaBackup } from './meta-backup.ts';
import type { MetaServerView } from './meta-server.ts';

const STATUS_OF: Readonly<Record<string, number>> = {
  ERR_INVALID_PARAMETERS: 400,
  ERR_OBJECT_NOT_FOUND: 404,
  ERR_POLICY_ALREADY_EXIST: 409,
  ERR_INVALID_STATE: 409,
  ERR_SERVICE_NOT_ACTIVE: 503,
};

export function addBackupRoutes(routes: HttpRoutes, server: MetaServerView, backup: MetaBackup): void {
  const leading = (handler: (request: HttpRequestInfo, body: Record<string, unknown>) => Promise<HttpReply>): HttpHandler =>
    async (request) => {
      if (server.readyTerm() === undefined) return redirect(server, request);
      const body = request.body.length === 0 ? {} : parseBody(request);
      if (body === undefined) return error(400, 'ERR_INVALID_PARAMETERS', 'the body must be a JSON object');
      try {
        return await handler(request, body);
      } catch (failure) {
        if (failure instanceof PegasusError) return error(STATUS_OF[failure.code] ?? 500, failure.code, failure.message);
        throw failure;
      }
    };
  const name = (request: HttpRequestInfo): string => request.params['name'] ?? '';
  const id = (request: HttpRequestInfo): string => request.params['id'] ?? '';

  routes.get('/v1/backup/policies', leading(async () => jsonReply(200, { policies: await backup.listPolicies() })));
  routes.post('/v1/backup/policies', leading(async (_request, body) => jsonReply(201, { policy: await backup.addPolicy(body) })));
  routes.get('/v1/backup/policies/:name', leading(async (request) => jsonReply(200, { policy: await backup.queryPolicy(name(request)) })));
  routes.add('PUT', '/v1/backup/policies/:name', leading(async (request, body) => jsonReply(200, { policy: await backup.modifyPolicy(name(request), body) })));
  routes.post('/v1/backup/policies/:name/enable', leading(async (request) => jsonReply(200, { policy: await backup.setEnabled(name(request), true) })));
  routes.post('/v1/backup/policies/:name/disable', leading(async (request) => jsonReply(200, { policy: await backup.setEnabled(name(request), false) })));
  routes.post('/v1/backup/backups', leading(async (_request, body) => jsonReply(201, { backupId: await backup.backupApp({ table: body['table'], target: body['target'] }) })));
  routes.get('/v1/backup/backups', leading(async () => jsonReply(200, { backups: await backup.status(undefined) })));
  routes.get('/v1/backup/backups/:id', leading(async (request) => jsonReply(200, { backup: (await backup.status(id(request)))[0] })));
  routes.post('/v1/backup/backups/:id/cancel', leading(async (request) => {
    await backup.cancel(id(request));
    return jsonReply(200, { backupId: id(request), cancelled: true });
  }));
}
