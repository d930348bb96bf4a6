// Every client Transport implementation, for the conformance suite (test/conformance/client-transport.test.ts).
// A transport added later (the edge client's fetch transport) is added here and must pass it too.
import { FetchTransport } from '../../client/edge/fetch-transport.ts';
import { TcpTransport } from '../../client/node/tcp-transport.ts';
import type { Transport } from '../../client/core/transport.ts';

export interface TransportFactory {
  readonly name: string;
  /** Every call to one server shares one connection (fetch opens as many as the runtime likes). */
  readonly oneConnectionPerServer: boolean;
  create(): Transport;
}

export const transportFactories: readonly TransportFactory[] = [
  { name: 'tcp', oneConnectionPerServer: true, create: () => new TcpTransport() },
  { name: 'fetch', oneConnectionPerServer: false, create: () => new FetchTransport() },
];
