// Cluster transport throughput: prepare envelopes (one mutation of one request of 100 B, 1 KiB or
// 16 KiB) sent one-way through RpcClusterTransport to an RpcServer serving them with serveCluster,
// both in this one process (so sender and receiver share one core). Sends go out in bursts that
// keep the sender's socket buffer under the shedding bound; the result is messages and payload
// bytes received per second, and how many were shed (should be 0).
//
//   npx tsx bench/cluster-transport.ts [--quick]

import { parseArgs } from 'node:util';
import type { PeerEnvelope } from '../cluster/rpc/cluster-messages.ts';
import { HandlerTable, RpcClusterTransport, RpcServer, serveCluster } from '../cluster/rpc/node/index.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const caseMs = args.quick === true ? 800 : 3000;
const BURST = 64;

function envelope(requestBytes: number, decree: bigint): PeerEnvelope {
  const config = {
    gpid: { appId: 1, partitionIndex: 0 }, ballot: 3n, maxReplicaCount: 3, primary: '127.0.0.1:34801',
    secondaries: ['127.0.0.1:34802', '127.0.0.1:34803'], lastDrops: [], lastCommittedDecree: decree - 1n,
  };
  return {
    from: '127.0.0.1:34801',
    app: { appId: 1, name: 'bench', partitionCount: 8, status: 'available' },
    message: {
      kind: 'prepare', gpid: config.gpid, config, learnerSignature: 0, committedDecree: decree - 1n,
      mutation: { ballot: 3n, decree, lastCommittedDecree: decree - 1n, timestampUs: decree, requests: [new Uint8Array(requestBytes)], sizeBytes: requestBytes },
    },
  };
}

async function runCase(requestBytes: number): Promise<void> {
  let received = 0;
  const server = new RpcServer({ handlers: serveCluster(new HandlerTable(), { onPeer: () => { received++; } }) });
  const { port } = await server.listen();
  const transport = new RpcClusterTransport();
  const to = `127.0.0.1:${port}`;
  let decree = 1n;
  const send = (): void => {
    for (let i = 0; i < BURST; i++) transport.sendPeer(to, envelope(requestBytes, decree++));
  };
  const startedMs = performance.now();
  while (performance.now() - startedMs < caseMs) {
    send();
    // Let the connection open and the receiver catch up to within a few bursts before sending more.
    do await new Promise((resolve) => setImmediate(resolve));
    while (transport.counters.sent - received > BURST * 4 || transport.queuedFor(to) > 0);
  }
  while (received < transport.counters.sent) await new Promise((resolve) => setImmediate(resolve));
  const seconds = (performance.now() - startedMs) / 1000;
  const rate = received / seconds;
  console.log(`${String(requestBytes).padStart(6)} B requests: ${Math.round(rate).toLocaleString('en-US').padStart(9)} messages/s, `
    + `${((rate * requestBytes) / (1 << 20)).toFixed(1).padStart(6)} MiB/s payload, shed ${transport.counters.dropped}`);
  await transport.close();
  await server.close();
}

for (const size of [100, 1024, 16 << 10]) await runCase(size);
