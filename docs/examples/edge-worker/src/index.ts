// A Cloudflare Worker in front of a pegasus-ts table: a small key-value HTTP API.
//
//   PUT    /kv/<hashKey>/<sortKey>[?ttl=seconds]   body = the value      -> 204
//   GET    /kv/<hashKey>/<sortKey>                                      -> 200 value | 404
//   DELETE /kv/<hashKey>/<sortKey>                                      -> 204
//   GET    /kv/<hashKey>                                                -> 200 {"sortKeys":[...],"allFetched":bool}
//
// Each request gets its own client (a Worker must not carry I/O from one request into another);
// close() goes to waitUntil so one-way requests (a scanner's clear_scanner) still reach the server
// after the response is sent.
import { createEdgeClient, PegasusClientError, type FetchLike } from 'pegasus-ts/edge';

export interface Env {
  /** Meta server addresses, comma-separated: "host:port,host:port". */
  readonly PEGASUS_META: string;
  readonly PEGASUS_TABLE: string;
  /** Where a server's RPC endpoint is reached, "{address}" standing for "host:port". Default http://{address}/rpc. */
  readonly PEGASUS_RPC_URL?: string;
  /** A secret the gateway in front of the servers expects as a bearer token (wrangler secret put). */
  readonly PEGASUS_GATEWAY_TOKEN?: string;
}

/** What the runtime passes as the third argument; declared here to need no extra type package. */
interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

const KEY_ROUTE = /^\/kv\/([^/]+)(?:\/([^/]+))?$/;

export default {
  async fetch(request: Request, env: Env, context: WorkerContext): Promise<Response> {
    const route = KEY_ROUTE.exec(new URL(request.url).pathname);
    if (route === null) return json(404, { error: 'not_found' });
    const hashKey = decodeURIComponent(route[1] ?? '');
    const sortKey = route[2] === undefined ? undefined : decodeURIComponent(route[2]);

    const client = createEdgeClient({
      metaServers: env.PEGASUS_META.split(',').map((address) => address.trim()),
      timeoutMs: 3000,
      ...(env.PEGASUS_RPC_URL === undefined ? {} : { rpcUrl: (address: string) => (env.PEGASUS_RPC_URL ?? '').replace('{address}', address) }),
      ...(env.PEGASUS_GATEWAY_TOKEN === undefined ? {} : { fetch: withBearer(env.PEGASUS_GATEWAY_TOKEN) }),
    });
    try {
      // The Worker's own request ending (the visitor went away) ends the calls too.
      const signal = request.signal;
      const table = await client.openTable(env.PEGASUS_TABLE, { signal });
      if (sortKey === undefined) {
        if (request.method !== 'GET') return json(405, { error: 'method_not_allowed' });
        const { sortKeys, allFetched } = await table.multiGetSortKeys(hashKey, { maxFetchCount: 1000, signal });
        return json(200, { sortKeys: sortKeys.map((key) => new TextDecoder().decode(key)), allFetched });
      }
      switch (request.method) {
        case 'GET': {
          const value = await table.get(hashKey, sortKey, { signal });
          return value === null ? json(404, { error: 'no_such_record' }) : new Response(value, { headers: { 'content-type': 'application/octet-stream' } });
        }
        case 'PUT': {
          const ttlSeconds = Number(new URL(request.url).searchParams.get('ttl') ?? '0');
          await table.set(hashKey, sortKey, new Uint8Array(await request.arrayBuffer()), { ttlSeconds, signal });
          return new Response(null, { status: 204 });
        }
        case 'DELETE':
          await table.del(hashKey, sortKey, { signal });
          return new Response(null, { status: 204 });
        default:
          return json(405, { error: 'method_not_allowed' });
      }
    } catch (error) {
      if (!(error instanceof PegasusClientError)) throw error;
      // Bad input is the caller's; a retriable failure is worth another try later; anything else is ours.
      const status = error.code === 'ERR_INVALID_PARAMETERS' ? 400 : error.code === 'ERR_OBJECT_NOT_FOUND' ? 404 : error.retriable ? 503 : 502;
      return json(status, { error: error.code, message: error.message });
    } finally {
      context.waitUntil(client.close());
    }
  },
};

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** fetch with the gateway's bearer token added: how a deployment authenticates to the servers. */
function withBearer(token: string): FetchLike {
  return (url, init) => fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
}
