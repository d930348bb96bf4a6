// The edge entry point of the client SDK (`pegasus-ts/edge`): createEdgeClient sends every request
// with fetch to `POST /rpc` on the meta and replica servers' ports, so it runs where there are no
// sockets: Cloudflare Workers, Vercel Edge, Deno, browsers' service workers. Tables, operations,
// routing and retries are the Node client's; only the transport differs.
//
//   const client = createEdgeClient({ metaServers: ['127.0.0.1:34601'] });
//   const table = await client.openTable('temp');
//   await table.set('user1', 'name', 'Ada', { ttlSeconds: 60 });
//   const value = await table.get('user1', 'name');   // Uint8Array | null
//   await client.close();

import { PegasusClient, type ClientOptions } from '../runtime/client.ts';
import { FetchTransport, type FetchLike } from './fetch-transport.ts';

export interface EdgeClientOptions extends ClientOptions {
  /** Default: the runtime's global fetch. */
  readonly fetch?: FetchLike;
  /**
   * The URL of a server's RPC endpoint; default `http://<address>/rpc`. Map addresses here when
   * the servers are reached through a proxy or a tunnel (replica addresses come from the meta
   * server as "ip:port").
   */
  readonly rpcUrl?: (address: string) => string;
}

/**
 * A client over fetch. It keeps no connections; close() fails the calls still running and waits
 * for one-way requests already sent (pass it to a Worker's waitUntil).
 */
export function createEdgeClient(options: EdgeClientOptions): PegasusClient {
  const { fetch, rpcUrl, ...clientOptions } = options;
  const transport = new FetchTransport({ ...(fetch === undefined ? {} : { fetch }), ...(rpcUrl === undefined ? {} : { rpcUrl }) });
  return new PegasusClient({ ...clientOptions, transport });
}

export { FetchTransport, type FetchInitLike, type FetchLike, type FetchResponseLike, type FetchTransportOptions } from './fetch-transport.ts';
export * from '../index.ts';
