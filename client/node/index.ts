// The Node entry point of the client SDK: createClient speaks THFT over TCP to the meta and replica
// servers. Everything else (tables, operations, errors, partitionOf) is shared with the edge client.
//
//   const client = createClient({ metaServers: ['127.0.0.1:34601'] });
//   const table = await client.openTable('temp');
//   await table.set('user1', 'name', 'Ada', { ttlSeconds: 60 });
//   const value = await table.get('user1', 'name');   // Uint8Array | null
//   await client.close();

import { PegasusClient, type ClientOptions } from '../runtime/client.ts';
import { TcpTransport } from './tcp-transport.ts';

/** A client over TCP. Call close() when done: it holds one connection per server it talked to. */
export function createClient(options: ClientOptions): PegasusClient {
  return new PegasusClient({ ...options, transport: new TcpTransport() });
}

export { TcpTransport } from './tcp-transport.ts';
export * from '../index.ts';
