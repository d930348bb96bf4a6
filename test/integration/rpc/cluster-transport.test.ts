// Proves RpcClusterTransport and serveCluster carry every cluster message kind between two real
// RpcServers over real sockets, in order and deep-equal; that a destination which restarts gets
// the messages sent after it is back (the link reconnects); that a destination which never comes
// up costs a bounded queue, no exception and no timer or socket left after close; that oversized
// messages, peers that stop reading and destinations beyond the bound are shed and counted; and
// that the checkpoint chunk copy is a call with its answer, its refusal, and its timeout.
import test from 'ava';
import { createServer, type Socket } from 'node:net';
import { RPC_REQUEST_FRAME_BYTES_MAX } from '../../../common/limits.ts';
import type {
  CheckpointChunkRequest, CheckpointChunkResponse, ClusterInbound, FromMetaEnvelope, PeerEnvelope, ReplicaToMetaMessage,
} from '../../../cluster/rpc/cluster-messages.ts';
import {
  HandlerTable, RpcCallError, RpcClusterTransport, RpcServer, serveCluster, type ClusterTransportOptions,
} from '../../../cluster/rpc/node/index.ts';
import { oneOfEachKind } from '../../support/cluster-arbitraries.ts';

interface Received {
  readonly peer: PeerEnvelope[];
  readonly toMeta: ReplicaToMetaMessage[];
  readonly fromMeta: FromMetaEnvelope[];
  readonly chunkRequests: CheckpointChunkRequest[];
}

const chunkAnswer = (request: CheckpointChunkRequest): CheckpointChunkResponse => ({
  error: 'ERR_OK', decree: request.decree, totalBytes: 1n << 40n, offset: request.offset, bytes: new Uint8Array([1, 2, 3, request.maxBytes & 0xff]),
});

async function startNode(options: { readonly port?: number; readonly inbound?: Partial<ClusterInbound>; readonly serveChunks?: false } = {}) {
  const received: Received = { peer: [], toMeta: [], fromMeta: [], chunkRequests: [] };
  const inbound: ClusterInbound = {
    onPeer: (envelope) => received.peer.push(envelope),
    onReplicaMessage: (message) => received.toMeta.push(message),
    onFromMeta: (envelope) => received.fromMeta.push(envelope),
    onCheckpointChunk: async (request) => {
      received.chunkRequests.push(request);
      return chunkAnswer(request);
    },
    ...options.inbound,
  };
  if (options.serveChunks === false) delete inbound.onCheckpointChunk;
  const server = new RpcServer({ handlers: serveCluster(new HandlerTable(), inbound), port: options.port ?? 0, log: () => undefined });
  const { port } = await server.listen();
  return { server, port, address: `127.0.0.1:${port}`, received };
}

const quickOptions = (logged: string[] = []): ClusterTransportOptions => ({
  backoffMsMin: 10, backoffMsMax: 100, connectTimeoutMs: 1000, log: (message) => logged.push(message),
});

/** Waits (without asserting how long) until `condition` holds; fails after a generous deadline. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waitedMs = 0; !condition(); waitedMs += 5) {
    if (waitedMs > 10_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function activeResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

test.serial('every message kind crosses real sockets both ways, in order and unchanged', async (t) => {
  const replica = await startNode();
  const meta = await startNode();
  const fromReplica = new RpcClusterTransport(quickOptions());
  const fromMeta = new RpcClusterTransport(quickOptions());
  const samples = oneOfEachKind(7);
  for (const envelope of samples.peer) fromReplica.sendPeer(meta.address, envelope);
  for (const message of samples.toMeta) fromReplica.sendToMeta(meta.address, message);
  for (const envelope of samples.fromMeta) fromMeta.sendToReplica(replica.address, envelope);
  const request: CheckpointChunkRequest = { gpid: { appId: 3, partitionIndex: 1 }, decree: (1n << 63n) - 1n, offset: 4096n, maxBytes: 65536 };
  const chunk = await fromReplica.fetchCheckpointChunk(meta.address, request, 5000);

  await until(() => meta.received.peer.length === samples.peer.length && meta.received.toMeta.length === samples.toMeta.length
    && replica.received.fromMeta.length === samples.fromMeta.length, 'every message');
  t.deepEqual(meta.received.peer, [...samples.peer]);
  t.deepEqual(meta.received.toMeta, [...samples.toMeta]);
  t.deepEqual(replica.received.fromMeta, [...samples.fromMeta]);
  t.deepEqual(meta.received.chunkRequests, [request]);
  t.deepEqual(chunk, chunkAnswer(request));
  t.is(fromReplica.counters.sent, samples.peer.length + samples.toMeta.length);
  t.is(fromMeta.counters.sent, samples.fromMeta.length);
  t.is(fromReplica.counters.dropped + fromMeta.counters.dropped, 0);
  t.is(fromReplica.destinationCount, 1);
  t.is(meta.server.connectionCount, 1);

  await fromReplica.close();
  await fromMeta.close();
  await replica.server.close();
  await meta.server.close();
});

test.serial('messages sent after the destination restarts get through', async (t) => {
  const first = await startNode();
  const logged: string[] = [];
  const transport = new RpcClusterTransport(quickOptions(logged));
  const [before, during, after] = [0, 1, 2].map((seed) => oneOfEachKind(seed).toMeta);
  for (const message of before ?? []) transport.sendToMeta(first.address, message);
  await until(() => first.received.toMeta.length === before?.length, 'the messages before the restart');

  await first.server.close();
  // The link notices the closed connection at the next send and reconnects; keep sending until a
  // reconnect has failed, as a beaconing server would.
  let sentDuring = 0;
  await until(() => {
    if (transport.counters.connectFailures >= 1) return true;
    const message = during?.[sentDuring++ % during.length];
    if (message !== undefined) transport.sendToMeta(first.address, message);
    return false;
  }, 'a failed reconnect');
  const second = await startNode({ port: first.port });
  for (const message of after ?? []) transport.sendToMeta(first.address, message);
  await until(() => second.received.toMeta.length >= (after?.length ?? 0), 'the messages after the restart');

  // Whatever was sent while it was down arrives before what was sent after it came back.
  t.deepEqual(second.received.toMeta.slice(-(after?.length ?? 0)), after);
  t.true(transport.counters.reconnects >= 1);
  t.true(logged.some((line) => line.includes(`cannot connect to ${first.address}`)));
  t.true(logged.some((line) => line.includes(`connected to ${first.address} after`)));
  await transport.close();
  await second.server.close();
});

test.serial('a destination that never comes up: bounded queue, no throw, retriable call failure, nothing left after close', async (t) => {
  const gone = await startNode();
  await gone.server.close();
  // Sockets of the tests before this one finish closing first, so what remains after is ours.
  await until(() => activeResources()['TCPSocketWrap'] === undefined, 'earlier sockets to close');
  const resourcesBefore = activeResources();
  const transport = new RpcClusterTransport({ ...quickOptions(), queueMessagesMax: 5 });
  const [envelope] = oneOfEachKind(3).peer;
  if (envelope === undefined) throw new Error('no sample');
  for (let i = 0; i < 40; i++) t.notThrows(() => transport.sendPeer(gone.address, envelope));
  t.is(transport.queuedFor(gone.address), 5);
  t.is(transport.counters.dropped, 35);

  const request: CheckpointChunkRequest = { gpid: { appId: 1, partitionIndex: 0 }, decree: 9n, offset: 0n, maxBytes: 1024 };
  const failure = await t.throwsAsync(transport.fetchCheckpointChunk(gone.address, request, 2000), { instanceOf: RpcCallError });
  t.true(failure?.retriable);
  t.true(failure?.code === 'ERR_NETWORK_FAILURE' || failure?.code === 'ERR_TIMEOUT', failure?.message);
  await until(() => transport.counters.connectFailures >= 3, 'repeated attempts while messages wait');
  t.is(transport.queuedFor(gone.address), 5);

  await transport.close();
  t.is(transport.counters.dropped, 40);
  t.is(transport.counters.sent, 0);
  t.notThrows(() => transport.sendPeer(gone.address, envelope));
  t.is(transport.counters.dropped, 41);
  await new Promise((resolve) => setImmediate(resolve));
  const resourcesAfter = activeResources();
  t.is(resourcesAfter['Timeout'] ?? 0, resourcesBefore['Timeout'] ?? 0, JSON.stringify(resourcesAfter));
  t.is(resourcesAfter['TCPSocketWrap'], undefined, JSON.stringify(resourcesAfter));
});

test.serial('checkpoint chunk calls: refused where not served, timed out when unanswered', async (t) => {
  let release: (() => void) | undefined;
  const silent = await startNode({
    inbound: { onCheckpointChunk: () => new Promise((resolve) => { release = () => resolve(chunkAnswer(request)); }) },
  });
  const metaOnly = await startNode({ serveChunks: false });
  const transport = new RpcClusterTransport(quickOptions());
  const request: CheckpointChunkRequest = { gpid: { appId: 2, partitionIndex: 3 }, decree: 5n, offset: 0n, maxBytes: 10 };

  const refused = await t.throwsAsync(transport.fetchCheckpointChunk(metaOnly.address, request, 5000), { instanceOf: RpcCallError });
  t.is(refused?.code, 'ERR_HANDLER_NOT_FOUND');
  const timedOut = await t.throwsAsync(transport.fetchCheckpointChunk(silent.address, request, 50), { instanceOf: RpcCallError });
  t.is(timedOut?.code, 'ERR_TIMEOUT');
  t.true(timedOut?.retriable);
  release?.();

  const bad = await t.throwsAsync(transport.fetchCheckpointChunk('not-an-address', request, 50), { instanceOf: RpcCallError });
  t.is(bad?.code, 'ERR_INVALID_PARAMETERS');
  await transport.close();
  await silent.server.close();
  await metaOnly.server.close();
});

test.serial('an oversized or unaddressable message is dropped and counted; the connection keeps working', async (t) => {
  const node = await startNode();
  const logged: string[] = [];
  const transport = new RpcClusterTransport(quickOptions(logged));
  const [sample] = oneOfEachKind(5).peer.filter((envelope) => envelope.message.kind === 'prepare');
  if (sample === undefined || sample.message.kind !== 'prepare') throw new Error('no prepare sample');
  const huge: PeerEnvelope = {
    ...sample,
    message: { ...sample.message, mutation: { ...sample.message.mutation, requests: [new Uint8Array(RPC_REQUEST_FRAME_BYTES_MAX)] } },
  };
  transport.sendPeer(node.address, sample);
  await until(() => node.received.peer.length === 1, 'the first prepare');
  transport.sendPeer(node.address, huge);
  transport.sendPeer(node.address, sample);
  transport.sendPeer('no port here', sample);
  await until(() => node.received.peer.length === 2, 'the prepare after the oversized one');
  t.deepEqual(node.received.peer, [sample, sample]);
  t.is(transport.counters.dropped, 2);
  t.is(transport.counters.reconnects, 0);
  t.true(logged.some((line) => line.includes('RPC_PEG_PEER request frame of') && line.includes(`exceeds ${RPC_REQUEST_FRAME_BYTES_MAX}`)));
  t.true(logged.some((line) => line.includes('"no port here" is not "host:port"')));
  await transport.close();
  await node.server.close();
});

test.serial('a peer that stops reading makes the link shed messages instead of buffering without bound', async (t) => {
  const held: Socket[] = [];
  const stalled = createServer((socket) => {
    socket.pause();
    held.push(socket);
  });
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  const address = stalled.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const logged: string[] = [];
  const sendBufferBytesMax = 1 << 20;
  const transport = new RpcClusterTransport({ ...quickOptions(logged), sendBufferBytesMax });
  const [sample] = oneOfEachKind(5).peer.filter((envelope) => envelope.message.kind === 'prepare');
  if (sample === undefined || sample.message.kind !== 'prepare') throw new Error('no prepare sample');
  const big: PeerEnvelope = {
    ...sample,
    message: { ...sample.message, mutation: { ...sample.message.mutation, requests: [new Uint8Array(64 << 10)] } },
  };
  const destination = `127.0.0.1:${address.port}`;
  for (let i = 0; i < 800 && transport.counters.dropped === 0; i++) {
    t.notThrows(() => transport.sendPeer(destination, big));
    await new Promise((resolve) => setImmediate(resolve));
  }
  t.true(transport.counters.dropped > 0);
  t.true(transport.counters.sent > 0);
  t.true(logged.some((line) => line.includes(`${destination} reads slower than we send`)));
  await transport.close();
  for (const socket of held) socket.destroy();
  await new Promise((resolve) => stalled.close(resolve));
});

test.serial('destinations are bounded: an idle one is forgotten to make room, else the message is shed', async (t) => {
  const first = await startNode();
  const second = await startNode();
  const transport = new RpcClusterTransport({ ...quickOptions(), destinationsMax: 1 });
  const [message] = oneOfEachKind(4).toMeta;
  if (message === undefined) throw new Error('no sample');
  transport.sendToMeta(first.address, message);
  await until(() => first.received.toMeta.length === 1, 'the first destination');

  // While the first destination's connection is open, a second destination has no room.
  transport.sendToMeta(second.address, message);
  t.is(transport.counters.dropped, 1);
  t.is(second.received.toMeta.length, 0);

  // Once its connection has closed and nothing waits for it, the first destination is forgotten.
  await first.server.close();
  await until(() => {
    transport.sendToMeta(second.address, message);
    return second.received.toMeta.length > 0;
  }, 'room for the second destination');
  t.is(transport.destinationCount, 1);
  t.is(transport.queuedFor(first.address), 0);
  await transport.close();
  await second.server.close();
});
