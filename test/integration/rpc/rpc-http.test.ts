// The HTTP side of the RpcServer port, through fetch on 127.0.0.1: POST /rpc answers a THFT request
// frame with the same response frame a THFT connection gets, /healthz answers, routes added later
// are served with their parameters, and unknown paths, wrong methods and oversized bodies get
// 404, 405 and 413; THFT and HTTP connections share the port. A browser may call POST /rpc from
// another origin: the preflight allows every header the edge transport sends, and every answer on
// /rpc (errors too) lets the page read it.
import test from 'ava';
import { createEdgeClient, type FetchLike } from '../../../client/edge/index.ts';
import { clientRpcs, decodeResponse, encodeRequest, ThriftWriter } from '../../../cluster/rpc/index.ts';
import { jsonReply, RpcConnection } from '../../../cluster/rpc/node/index.ts';
import { key, startTestServer, text, utf8 } from '../../support/rpc-server.ts';

const routing = { version: 1, appId: 1, partitionIndex: 0, clientTimeoutMs: 1000, partitionHash: 0n } as const;

function frameOf<R>(method: Parameters<typeof encodeRequest<R>>[2], request: R, seqid = 9): Uint8Array {
  const writer = new ThriftWriter();
  encodeRequest(writer, routing, method, seqid, request);
  return writer.toBytes();
}

test('POST /rpc answers the request frame with the response frame', async (t) => {
  const served = await startTestServer();
  const url = `http://127.0.0.1:${served.port}`;
  const thft = await RpcConnection.connect({ port: served.port });
  try {
    await thft.call(clientRpcs.put, { kind: 'put', key: key('h', 's'), value: utf8('over http'), expireTsSeconds: 0 });
    const reply = await fetch(`${url}/rpc`, { method: 'POST', body: frameOf(clientRpcs.get, { kind: 'get', key: key('h', 's') }, 77) });
    t.is(reply.status, 200);
    t.is(reply.headers.get('content-type'), 'application/octet-stream');
    const decoded = decodeResponse(new Uint8Array(await reply.arrayBuffer()), clientRpcs.get);
    t.true(decoded.ok);
    if (!decoded.ok) return;
    t.is(decoded.value.head.seqid, 77);
    t.is(decoded.value.head.error, 'ERR_OK');
    t.is(text(decoded.value.response?.value ?? new Uint8Array()), 'over http');

    const refused = await fetch(`${url}/rpc`, { method: 'POST', body: frameOf(clientRpcs.ttl, { kind: 'ttl', key: key('h', 's') }) });
    t.is(refused.status, 200);
    const refusedHead = decodeResponse(new Uint8Array(await refused.arrayBuffer()), clientRpcs.ttl);
    t.true(refusedHead.ok && refusedHead.value.head.error === 'ERR_HANDLER_NOT_FOUND');

    const oneWay = await fetch(`${url}/rpc`, { method: 'POST', body: frameOf(clientRpcs.clearScanner, { kind: 'clear_scanner', contextId: 5n }) });
    t.is(oneWay.status, 204);
    t.deepEqual(served.cleared, [5n]);

    const garbage = await fetch(`${url}/rpc`, { method: 'POST', body: utf8('THFTnot a frame at all, really') });
    t.is(garbage.status, 400);
    t.is((await garbage.json() as { error: string }).error, 'bad_frame');
  } finally {
    thft.close();
    await served.stop();
  }
});

test('healthz, added routes, 404, 405 and 413', async (t) => {
  const served = await startTestServer({ httpBodyBytesMax: 1024 });
  served.server.routes.get('/v1/tables/:name/config', async ({ params }) => jsonReply(200, { table: params.name }));
  const url = `http://127.0.0.1:${served.port}`;
  try {
    const health = await fetch(`${url}/healthz`);
    t.is(health.status, 200);
    t.is(await health.text(), 'ok');

    const config = await fetch(`${url}/v1/tables/temp%20x/config`);
    t.deepEqual(await config.json(), { table: 'temp x' });

    const missing = await fetch(`${url}/nothing/here`);
    t.is(missing.status, 404);
    t.deepEqual(await missing.json(), { error: 'not_found', path: '/nothing/here' });

    const wrong = await fetch(`${url}/rpc`);
    t.is(wrong.status, 405);
    t.is(wrong.headers.get('allow'), 'POST');

    const large = await fetch(`${url}/rpc`, { method: 'POST', body: new Uint8Array(4096) });
    t.is(large.status, 413);
    t.is((await fetch(`${url}/healthz`)).status, 200);
  } finally {
    await served.stop();
  }
});

test('POST /rpc from another origin: the preflight allows what the edge client sends, and every answer on /rpc is readable', async (t) => {
  const served = await startTestServer({ httpBodyBytesMax: 1024 });
  const url = `http://127.0.0.1:${served.port}`;
  const origin = { origin: 'https://app.example' };
  try {
    const preflight = await fetch(`${url}/rpc`, {
      method: 'OPTIONS',
      headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    t.is(preflight.status, 204);
    t.is(preflight.headers.get('access-control-allow-origin'), '*');
    t.true((preflight.headers.get('access-control-allow-methods') ?? '').split(', ').includes('POST'));
    const allowedHeaders = (preflight.headers.get('access-control-allow-headers') ?? '').split(', ');
    t.true(Number(preflight.headers.get('access-control-max-age')) > 0);

    // The headers the edge client really sends must pass that preflight.
    const sent: string[] = [];
    const recording: FetchLike = (target, init) => {
      sent.push(...Object.keys(init.headers).map((name) => name.toLowerCase()));
      return fetch(target, { ...init, headers: { ...init.headers, ...origin } });
    };
    const client = createEdgeClient({ metaServers: [`127.0.0.1:${served.port}`], fetch: recording, timeoutMs: 2000 });
    await client.openTable('anything').catch(() => undefined);
    await client.close();
    t.true(sent.length > 0);
    for (const name of sent) t.true(allowedHeaders.includes(name), `the preflight allows ${name}`);

    const answered = await fetch(`${url}/rpc`, { method: 'POST', headers: origin, body: frameOf(clientRpcs.get, { kind: 'get', key: key('h', 's') }) });
    t.is(answered.status, 200);
    t.is(answered.headers.get('access-control-allow-origin'), '*');
    const garbage = await fetch(`${url}/rpc`, { method: 'POST', headers: origin, body: utf8('THFTnot a frame at all, really') });
    t.is(garbage.status, 400);
    t.is(garbage.headers.get('access-control-allow-origin'), '*', 'a refusal is readable too');
    const large = await fetch(`${url}/rpc`, { method: 'POST', headers: origin, body: new Uint8Array(4096) });
    t.is(large.status, 413);
    t.is(large.headers.get('access-control-allow-origin'), '*');
    t.is((await fetch(`${url}/rpc`, { headers: origin })).headers.get('access-control-allow-origin'), '*', '405 on /rpc');

    const health = await fetch(`${url}/healthz`, { headers: origin });
    t.is(health.headers.get('access-control-allow-origin'), null, 'only /rpc is open to other origins');
    t.is((await fetch(`${url}/healthz`, { method: 'OPTIONS', headers: origin })).status, 405);
  } finally {
    await served.stop();
  }
});
