// fast-check arbitraries for every message of cluster/rpc/cluster-messages.ts, biased towards the
// edges the wire must keep: i64 values near ±2^63, empty mutations and empty lists, signatures
// beyond i32, absent optional parts (an LT_CACHE learn response, a reply without configuration).
import fc from 'fast-check';
import type {
  AppSummary, CheckpointChunkRequest, CheckpointChunkResponse, FromMetaEnvelope, MetaToReplicaMessage, PeerEnvelope, ReplicaToMetaMessage,
} from '../../cluster/rpc/cluster-messages.ts';
import type { ConfigChangeKind, ConfigChangeRequest, Gpid, PartitionConfiguration } from '../../cluster/replication/configuration.ts';
import { REPLICATION_ERROR_CODES } from '../../cluster/replication/errors.ts';
import type { PeerMessage } from '../../cluster/replication/messages.ts';
import type { Mutation } from '../../cluster/replication/types.ts';
import { META_ERROR_RETRIABLE, type MetaErrorCode, type ReplicaReport } from '../../cluster/meta/core/types.ts';

const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);

export const i64 = fc.oneof(
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: I64_MAX - 1000n, max: I64_MAX }),
  fc.bigInt({ min: I64_MIN, max: I64_MIN + 10n }),
  fc.bigInt({ min: I64_MIN, max: I64_MAX }),
);
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const safe = fc.oneof(fc.nat(1000), fc.maxSafeNat(), fc.constant(Number.MAX_SAFE_INTEGER), fc.constant(Number.MIN_SAFE_INTEGER));
export const node = fc.oneof(
  fc.constantFrom('127.0.0.1:34801', '127.0.0.1:34802', 'replica-3.example:34803', ''),
  fc.string({ maxLength: 24 }),
);
const text = fc.string({ maxLength: 40, unit: 'binary' });
const list = <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: 4 });
const gpid: fc.Arbitrary<Gpid> = fc.record({ appId: i32, partitionIndex: i32 });
const changeKind = fc.constantFrom<ConfigChangeKind>(
  'assign_primary', 'upgrade_to_primary', 'add_secondary', 'upgrade_to_secondary', 'downgrade_to_secondary', 'downgrade_to_inactive', 'remove',
);
const replicationError = fc.constantFrom(...REPLICATION_ERROR_CODES);
const metaError = fc.constantFrom(...(Object.keys(META_ERROR_RETRIABLE) as MetaErrorCode[]));

export const config: fc.Arbitrary<PartitionConfiguration> = fc.record({
  gpid, ballot: i64, maxReplicaCount: i32, primary: node, secondaries: list(node), lastDrops: list(node), lastCommittedDecree: i64,
});

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  ballot: i64,
  decree: i64,
  lastCommittedDecree: i64,
  timestampUs: i64,
  requests: fc.oneof(fc.constant([]), list(fc.uint8Array({ maxLength: 48 }))),
  sizeBytes: safe,
});

const configChange: fc.Arbitrary<ConfigChangeRequest> = fc.record({ kind: changeKind, node, config });

export const peerMessage: fc.Arbitrary<PeerMessage> = fc.oneof(
  fc.record({ kind: fc.constant('prepare' as const), gpid, config, learnerSignature: safe, mutation, committedDecree: i64 }),
  fc.record({
    kind: fc.constant('prepare_ack' as const), gpid, error: replicationError, ballot: i64, decree: i64, receiverBallot: i64, committedDecree: i64,
  }),
  fc.record({ kind: fc.constant('group_check' as const), gpid, config, learnerSignature: safe, committedDecree: i64 }),
  fc.record({ kind: fc.constant('group_check_ack' as const), gpid, error: replicationError, receiverBallot: i64, committedDecree: i64 }),
  fc.record({ kind: fc.constant('learn_request' as const), gpid, signature: safe, appliedDecree: i64, committedDecree: i64 }),
  fc.record({
    kind: fc.constant('learn_response' as const),
    gpid,
    error: replicationError,
    signature: safe,
    config,
    learnType: fc.constantFrom('LT_CACHE' as const, 'LT_LOG' as const, 'LT_APP' as const),
    discardLearnerState: fc.boolean(),
    checkpointDecree: fc.option(i64, { nil: undefined }),
    mutations: list(mutation),
    committedDecree: i64,
    prepareStartDecree: i64,
  }),
  fc.record({ kind: fc.constant('learn_completion_notify' as const), gpid, signature: safe, appliedDecree: i64, prepareStartDecree: i64 }),
  fc.record({ kind: fc.constant('remove_replica' as const), gpid, config }),
);

export const app: fc.Arbitrary<AppSummary> = fc.record({
  appId: i32, name: text, partitionCount: i32, status: fc.constantFrom('available' as const, 'dropped' as const),
});

export const peerEnvelope: fc.Arbitrary<PeerEnvelope> = fc.record({ from: node, app, message: peerMessage });

const report: fc.Arbitrary<ReplicaReport> = fc.record({ gpid, ballot: i64, lastCommittedDecree: i64, lastPreparedDecree: i64 });

export const replicaToMeta: fc.Arbitrary<ReplicaToMetaMessage> = fc.oneof(
  fc.record({ kind: fc.constant('beacon' as const), from: node, sentMs: fc.double() }),
  fc.record({ kind: fc.constant('config_update' as const), from: node, request: configChange }),
  fc.record({
    kind: fc.constant('replica_reports' as const), from: node, replicas: list(report), absent: list(gpid), configSync: fc.boolean(),
  }),
);

export const metaToReplica: fc.Arbitrary<MetaToReplicaMessage> = fc.oneof(
  fc.record({ kind: fc.constant('beacon_ack' as const), to: node, sentMs: fc.double(), allowed: fc.boolean() }),
  fc.record({
    kind: fc.constant('config_update_reply' as const),
    to: node,
    gpid,
    error: metaError,
    retriable: fc.boolean(),
    reason: text,
    config: fc.option(config, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('notify_config' as const), to: node, config }),
  fc.record({ kind: fc.constant('proposal' as const), to: node, change: changeKind, node, config }),
  fc.record({ kind: fc.constant('query_replicas' as const), to: node, gpids: list(gpid) }),
  fc.record({ kind: fc.constant('config_sync_reply' as const), to: node, configs: list(config), garbage: list(gpid) }),
  fc.record({ kind: fc.constant('forward' as const), to: node, leader: node }),
);

export const fromMetaEnvelope: fc.Arbitrary<FromMetaEnvelope> = fc.record({ from: node, apps: list(app), message: metaToReplica });

export const checkpointChunkRequest: fc.Arbitrary<CheckpointChunkRequest> = fc.record({
  gpid, decree: i64, offset: i64, maxBytes: i32,
});

export const checkpointChunkResponse: fc.Arbitrary<CheckpointChunkResponse> = fc.record({
  error: fc.constantFrom('ERR_OK' as const, 'ERR_OBJECT_NOT_FOUND' as const, 'ERR_INVALID_STATE' as const, 'ERR_INVALID_PARAMETERS' as const),
  decree: i64,
  totalBytes: i64,
  offset: i64,
  bytes: fc.uint8Array({ maxLength: 256 }),
});

/** One sample of every kind, for tests that must see each at least once. */
export function oneOfEachKind(seed: number): {
  readonly peer: readonly PeerEnvelope[];
  readonly toMeta: readonly ReplicaToMetaMessage[];
  readonly fromMeta: readonly FromMetaEnvelope[];
} {
  const sample = <T>(arbitrary: fc.Arbitrary<T>, count: number) => fc.sample(arbitrary, { seed, numRuns: count });
  const byKind = <T extends { readonly kind: string }>(values: readonly T[]): T[] => [...new Map(values.map((value) => [value.kind, value])).values()];
  const peer = byKind(sample(peerMessage, 400)).map((message, i) => ({ ...sample(peerEnvelope, i + 1)[i] as PeerEnvelope, message }));
  const toMeta = byKind(sample(replicaToMeta, 200));
  const fromMeta = byKind(sample(metaToReplica, 400)).map((message, i) => ({ ...sample(fromMetaEnvelope, i + 1)[i] as FromMetaEnvelope, message }));
  return { peer, toMeta, fromMeta };
}
