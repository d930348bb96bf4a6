// Proves the chain of size limits a mutation passes through holds, through the real encoders: the
// largest mutation the write path can build (one maximal write, or a full batch of many small
// ones) fits one log record, and one prepare carrying it fits one RPC request frame with the
// largest configuration and table name; a learn response fits a frame whether it is filled up to
// the learn byte bound or carries one maximal mutation alone; and the byte estimate the core counts
// learn responses with is never below a mutation's size on the wire. A change to one limit that
// breaks the chain fails here instead of as a message dropped for ever in a running cluster.
import test from 'ava';
import { defaultReplicaCoreOptions } from '../../../cluster/replication/api.ts';
import type { PartitionConfiguration } from '../../../cluster/replication/configuration.ts';
import type { LearnResponseMessage, PeerMessage } from '../../../cluster/replication/messages.ts';
import { mutationBytes } from '../../../cluster/replication/mutation-bytes.ts';
import type { Mutation } from '../../../cluster/replication/types.ts';
import { mutationToRecord } from '../../../cluster/replica/log-mutation.ts';
import {
  clusterRpcs, createClusterRpcRegistry, decodeRequest, decodeRequestFrame, encodeRequest, ThriftWriter, type PeerEnvelope,
} from '../../../cluster/rpc/index.ts';
import {
  LEARN_RESPONSE_BYTES_MAX, LOG_RECORD_BODY_BYTES_MAX, META_LAST_DROPS_MAX, META_REPLICA_COUNT_MAX, META_TABLE_NAME_BYTES_MAX,
  MUTATION_BATCH_BYTES_MAX, MUTATION_BATCH_REQUESTS_MAX, RPC_REQUEST_FRAME_BYTES_MAX, WRITE_BODY_BYTES_MAX,
} from '../../../common/limits.ts';

/** A DNS name is at most 253 characters; node ids are "host:port". */
const nodeId = (i: number): string => `${String(i).padStart(253, 'h')}:65535`;
const BIG_DECREE = (1n << 62n) + 12345n;

const config: PartitionConfiguration = {
  gpid: { appId: 0x7fff_ffff, partitionIndex: 0x7fff_ffff },
  ballot: BIG_DECREE,
  maxReplicaCount: META_REPLICA_COUNT_MAX,
  primary: nodeId(0),
  secondaries: Array.from({ length: META_REPLICA_COUNT_MAX - 1 }, (_, i) => nodeId(i + 1)),
  lastDrops: Array.from({ length: META_LAST_DROPS_MAX }, (_, i) => nodeId(i + 10)),
  lastCommittedDecree: BIG_DECREE,
};
const app = { appId: 0x7fff_ffff, name: 't'.repeat(META_TABLE_NAME_BYTES_MAX), partitionCount: 1 << 14, status: 'available' } as const;

/** The most payload bytes one mutation can hold: one write at the write limit, or one batch. */
const MUTATION_PAYLOAD_BYTES_MAX = Math.max(WRITE_BODY_BYTES_MAX, MUTATION_BATCH_BYTES_MAX);

function mutation(requests: Uint8Array[], decree = BIG_DECREE): Mutation {
  return {
    ballot: BIG_DECREE, decree, lastCommittedDecree: BIG_DECREE, timestampUs: BIG_DECREE, requests,
    sizeBytes: requests.reduce((sum, r) => sum + r.length, 0),
  };
}

/** Payloads of `count` requests summing to `total` bytes. */
function payloads(count: number, total: number): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new Uint8Array(Math.floor(total / count) + (i < total % count ? 1 : 0)).fill(7));
}

const largestMutations: readonly [string, Mutation][] = [
  ['one maximal write', mutation([new Uint8Array(WRITE_BODY_BYTES_MAX)])],
  ['a full batch of the most requests', mutation(payloads(MUTATION_BATCH_REQUESTS_MAX, MUTATION_PAYLOAD_BYTES_MAX))],
];

function frameBytes(message: PeerMessage): number {
  const envelope: PeerEnvelope = { from: nodeId(99), app, message };
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 1, appId: app.appId, partitionIndex: 0, clientTimeoutMs: 0, partitionHash: 0n }, clusterRpcs.peer, 0x7fff_ffff, envelope);
  return writer.toBytes().length;
}

/** Decoded by a server port with its default frame limit, unchanged. */
function acceptedByAPort(message: PeerMessage): boolean {
  const envelope: PeerEnvelope = { from: nodeId(99), app, message };
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 1, appId: app.appId, partitionIndex: 0, clientTimeoutMs: 0, partitionHash: 0n }, clusterRpcs.peer, 1, envelope);
  const frame = decodeRequestFrame(writer.toBytes());
  if (!frame.ok) return false;
  const incoming = decodeRequest(frame.value, createClusterRpcRegistry());
  return incoming.kind === 'call' && (incoming.request as PeerEnvelope).message.kind === message.kind;
}

function learnResponse(mutations: readonly Mutation[]): LearnResponseMessage {
  return {
    kind: 'learn_response', gpid: config.gpid, error: 'ERR_OK', signature: Number.MAX_SAFE_INTEGER, config, learnType: 'LT_LOG',
    discardLearnerState: false, checkpointDecree: BIG_DECREE, mutations, committedDecree: BIG_DECREE, prepareStartDecree: BIG_DECREE,
  };
}

test('the replication core refuses writes and closes batches at the limits the chain assumes', (t) => {
  t.is(defaultReplicaCoreOptions.writeBodyBytesMax, WRITE_BODY_BYTES_MAX);
  t.is(defaultReplicaCoreOptions.mutationBatchBytesMax, MUTATION_BATCH_BYTES_MAX);
  t.is(defaultReplicaCoreOptions.mutationBatchRequestsMax, MUTATION_BATCH_REQUESTS_MAX);
  t.is(defaultReplicaCoreOptions.learnResponseBytesMax, LEARN_RESPONSE_BYTES_MAX);
  t.true(WRITE_BODY_BYTES_MAX < RPC_REQUEST_FRAME_BYTES_MAX, 'a maximal client write reaches a replica server');
});

for (const [name, largest] of largestMutations) {
  test(`the largest mutation (${name}) fits one log record`, (t) => {
    t.true(mutationToRecord(largest).body.length <= LOG_RECORD_BODY_BYTES_MAX);
  });

  test(`a prepare carrying the largest mutation (${name}) fits one request frame`, (t) => {
    const prepare: PeerMessage = { kind: 'prepare', gpid: config.gpid, config, learnerSignature: Number.MAX_SAFE_INTEGER, mutation: largest, committedDecree: BIG_DECREE };
    const bytes = frameBytes(prepare);
    t.true(bytes <= RPC_REQUEST_FRAME_BYTES_MAX, `${bytes} bytes > ${RPC_REQUEST_FRAME_BYTES_MAX}`);
    t.true(acceptedByAPort(prepare));
  });

  test(`a learn response carrying the largest mutation (${name}) alone fits one request frame`, (t) => {
    const bytes = frameBytes(learnResponse([largest]));
    t.true(bytes <= RPC_REQUEST_FRAME_BYTES_MAX, `${bytes} bytes > ${RPC_REQUEST_FRAME_BYTES_MAX}`);
    t.true(acceptedByAPort(learnResponse([largest])));
  });
}

test('a learn response filled up to the byte bound fits one request frame, with the envelope', (t) => {
  // Many small mutations: the most framing per payload byte the bound lets through.
  const filled: Mutation[] = [];
  let bytes = 0;
  for (let decree = 1n; ; decree += 1n) {
    const next = mutation([new Uint8Array(1)], BIG_DECREE + decree);
    if (bytes + mutationBytes(next) > LEARN_RESPONSE_BYTES_MAX) break;
    bytes += mutationBytes(next);
    filled.push(next);
  }
  const frame = frameBytes(learnResponse(filled));
  t.true(frame <= RPC_REQUEST_FRAME_BYTES_MAX, `${frame} bytes > ${RPC_REQUEST_FRAME_BYTES_MAX}`);
  t.true(acceptedByAPort(learnResponse(filled)));
  // And one maximal payload just under the bound.
  const one = mutation([new Uint8Array(LEARN_RESPONSE_BYTES_MAX - mutationBytes(mutation([])) - 8)]);
  t.true(mutationBytes(one) <= LEARN_RESPONSE_BYTES_MAX);
  t.true(frameBytes(learnResponse([one])) <= RPC_REQUEST_FRAME_BYTES_MAX);
});

test('the byte estimate of a mutation is never below its size on the wire or in the log', (t) => {
  const empty = frameBytes(learnResponse([]));
  const shapes: Mutation[] = [
    mutation([]),
    mutation([new Uint8Array(0)]),
    mutation([new Uint8Array(1)], 1n),
    mutation(payloads(1000, 1000)),
    mutation(payloads(MUTATION_BATCH_REQUESTS_MAX, 65_536)),
    ...largestMutations.map(([, m]) => m),
  ];
  for (const shape of shapes) {
    const onTheWire = frameBytes(learnResponse([shape])) - empty;
    t.true(mutationBytes(shape) >= onTheWire, `${mutationBytes(shape)} < ${onTheWire} on the wire`);
    t.true(mutationBytes(shape) >= mutationToRecord(shape).body.length, 'in the log');
  }
});
