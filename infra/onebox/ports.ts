// Which ports a onebox may take: the supervisor refuses ports in use before it starts anything, and
// tests and benchmarks pick a free block away from the developer's onebox (34601).
import { createServer } from 'node:net';
import { ONEBOX_HOST, ONEBOX_REPLICA_PORT_OFFSET, ONEBOX_REPLICAS } from './options.ts';

const BASE_PORT_ATTEMPTS_MAX = 50;

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host: ONEBOX_HOST, exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/** A port the kernel picks as free now (its ephemeral range, so never 34601). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: ONEBOX_HOST, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A base port for a onebox whose every port (base.., base+200..) is free now. */
export async function freeOneboxBasePort(metas: number): Promise<number> {
  for (let attempt = 0; attempt < BASE_PORT_ATTEMPTS_MAX; attempt++) {
    const port = await freePort();
    if (port + ONEBOX_REPLICA_PORT_OFFSET + ONEBOX_REPLICAS > 65535) continue;
    const ports = [...Array.from({ length: metas }, (_, i) => port + i), ...Array.from({ length: ONEBOX_REPLICAS }, (_, i) => port + ONEBOX_REPLICA_PORT_OFFSET + i)];
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return port;
  }
  throw new Error('no free block of ports for a onebox');
}
