// Every client Transport implementation, for the conformance suite (test/conformance/client-transport.test.ts).
// A transport added later (the edge client's fetch transport) is added here and must pass it too.
import { TcpTransport } from '../../client/node/tcp-transport.ts';
import type { Transport } from '../../client/core/transport.ts';

export interface TransportFactory {
  readonly name: string;
  create(): Transport;
}

export const transportFactories: readonly TransportFactory[] = [
  { name: 'tcp', create: () => new TcpTransport() },
];
