// Every client Transport implementation with the entry point that builds a client on it: the
// conformance suite (test/conformance/client-transport.test.ts) and the client's integration tests
// (test/integration/client/) run once per entry here.
import { createEdgeClient } from '../../client/edge/index.ts';
import { FetchTransport } from '../../client/edge/fetch-transport.ts';
import { createClient } from '../../client/node/index.ts';
import { TcpTransport } from '../../client/node/tcp-transport.ts';
import type { Transport } from '../../client/core/transport.ts';
import type { ClientOptions, PegasusClient } from '../../client/runtime/client.ts';

export interface TransportFactory {
  readonly name: string;
  /** Every call to one server shares one connection (fetch opens as many as the runtime likes). */
  readonly oneConnectionPerServer: boolean;
  create(): Transport;
  /** The package entry point that builds a client on this transport. */
  readonly createClient: (options: ClientOptions) => PegasusClient;
}

export const transportFactories: readonly TransportFactory[] = [
  { name: 'tcp', oneConnectionPerServer: true, create: () => new TcpTransport(), createClient },
  { name: 'fetch', oneConnectionPerServer: false, create: () => new FetchTransport(), createClient: createEdgeClient },
];
