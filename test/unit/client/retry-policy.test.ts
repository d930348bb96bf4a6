// The client's pure retry and fail-over decisions: which failures refresh the routing and which
// retry (Java TableHandler), backoff that never outlives the call's deadline, single and spaced
// routing refreshes, and which meta server to ask next (forward to the leader, fail over).
import test from 'ava';
import { backoffDelayMs, failureAction, RefreshGate } from '../../../client/core/retry-policy.ts';
import { MetaLeader } from '../../../client/core/meta-leader.ts';
import type { PartitionConfiguration } from '../../../cluster/rpc/meta-structs.ts';
import { CLIENT_META_NOT_ACTIVE_DELAY_MS, CLIENT_RETRY_ATTEMPT_MS_MIN, CLIENT_RETRY_ATTEMPTS_MAX, CLIENT_RETRY_BASE_MS } from '../../../common/limits.ts';

test('stale-routing failures refresh and retry; write back-pressure retries only; the rest fail now', (t) => {
  for (const code of ['ERR_OBJECT_NOT_FOUND', 'ERR_INVALID_STATE', 'ERR_PARENT_PARTITION_MISUSED', 'ERR_SESSION_RESET', 'NO_PRIMARY'] as const) {
    t.deepEqual(failureAction(code), { refresh: true, retry: true }, code);
  }
  for (const code of ['ERR_NOT_ENOUGH_MEMBER', 'ERR_CAPACITY_EXCEEDED'] as const) t.deepEqual(failureAction(code), { refresh: false, retry: true }, code);
  for (const code of ['ERR_TIMEOUT', 'ERR_BUSY', 'ERR_SPLITTING', 'ERR_HANDLER_NOT_FOUND', 'ERR_ACL_DENY', 'ERR_INVALID_DATA'] as const) {
    t.deepEqual(failureAction(code), { refresh: false, retry: false }, code);
  }
});

test('backoff grows with the attempts and is capped by what is left of the deadline', (t) => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((attempts) => backoffDelayMs({ attempts, remainingMs: 1e9, jitter: 0 }));
  t.deepEqual(delays, [1, 2, 3, 5, 10, 20, 40, 100].map((step) => step * CLIENT_RETRY_BASE_MS));
  t.is(backoffDelayMs({ attempts: 8, remainingMs: 500, jitter: 0 }), 500 - CLIENT_RETRY_ATTEMPT_MS_MIN);
  t.is(backoffDelayMs({ attempts: 1, remainingMs: CLIENT_RETRY_ATTEMPT_MS_MIN, jitter: 0 }), undefined, 'no room for another attempt');
  t.is(backoffDelayMs({ attempts: CLIENT_RETRY_ATTEMPTS_MAX, remainingMs: 1e9, jitter: 0 }), undefined, 'attempts are bounded');
  const jittered = backoffDelayMs({ attempts: 8, remainingMs: 1e9, jitter: 0.99 }) ?? 0;
  t.true(jittered > 2000 && jittered <= 2020);
});

test('every delay leaves time for one more attempt before the deadline', (t) => {
  for (let remainingMs = 0; remainingMs < 3000; remainingMs += 7) {
    for (let attempts = 1; attempts < 20; attempts++) {
      const delay = backoffDelayMs({ attempts, remainingMs, jitter: 0.5 });
      if (delay !== undefined) t.true(delay >= 0 && remainingMs - delay >= CLIENT_RETRY_ATTEMPT_MS_MIN);
    }
  }
});

test('routing refreshes run one at a time, spaced out, and not when the routing is already newer', (t) => {
  const gate = new RefreshGate(100);
  t.is(gate.decide({ versionUsed: 1, versionCurrent: 1, nowMs: 0 }), 'start');
  gate.started(0);
  t.is(gate.decide({ versionUsed: 1, versionCurrent: 1, nowMs: 5 }), 'join');
  gate.finished();
  t.is(gate.decide({ versionUsed: 1, versionCurrent: 2, nowMs: 10 }), 'already_newer');
  t.is(gate.decide({ versionUsed: 2, versionCurrent: 2, nowMs: 50 }), 'too_soon');
  t.is(gate.decide({ versionUsed: 2, versionCurrent: 2, nowMs: 100 }), 'start');
});

function forward(to: string): { kind: 'response'; response: { err: 'ERR_FORWARD_TO_OTHERS'; partitions: PartitionConfiguration[] } } {
  return {
    kind: 'response',
    response: {
      err: 'ERR_FORWARD_TO_OTHERS',
      partitions: [{ pid: { appId: 0, partitionIndex: 0 }, ballot: 0n, maxReplicaCount: 0, primary: to, secondaries: [], lastDrops: [], lastCommittedDecree: 0n, partitionFlags: 0 }],
    },
  };
}

test('ERR_FORWARD_TO_OTHERS switches to the named leader, learning it when it was not configured', (t) => {
  const metas = new MetaLeader(['m1:1', 'm2:1']);
  t.deepEqual(metas.onOutcome('m1:1', forward('m2:1')), { kind: 'retry', server: 'm2:1', delayMs: 0 });
  t.is(metas.leader, 'm2:1');
  t.deepEqual(metas.onOutcome('m2:1', forward('m9:1')), { kind: 'retry', server: 'm9:1', delayMs: 0 });
  t.deepEqual(metas.known, ['m1:1', 'm2:1', 'm9:1']);
  t.deepEqual(metas.onOutcome('m9:1', { kind: 'response', response: { err: 'ERR_OK', partitions: [] } }), { kind: 'done' });
  t.is(metas.leader, 'm9:1', 'the leader is remembered for the next query');
});

test('a lost or silent meta server fails over round-robin; a forward without an address does too', (t) => {
  const metas = new MetaLeader(['m1:1', 'm2:1', 'm3:1']);
  t.deepEqual(metas.onOutcome('m1:1', { kind: 'failure', code: 'ERR_SESSION_RESET' }), { kind: 'retry', server: 'm2:1', delayMs: 0 });
  t.deepEqual(metas.onOutcome('m2:1', { kind: 'failure', code: 'ERR_TIMEOUT' }), { kind: 'retry', server: 'm3:1', delayMs: 0 });
  t.deepEqual(metas.onOutcome('m3:1', forward('')), { kind: 'retry', server: 'm1:1', delayMs: 0 });
  // A late failure of a server that is no longer the leader does not move the leader again.
  t.deepEqual(metas.onOutcome('m3:1', { kind: 'failure', code: 'ERR_SESSION_RESET' }), { kind: 'retry', server: 'm1:1', delayMs: 0 });
});

test('a meta server that is not active is asked again after a pause; other answers end the query', (t) => {
  const metas = new MetaLeader(['m1:1']);
  t.deepEqual(metas.onOutcome('m1:1', { kind: 'response', response: { err: 'ERR_SERVICE_NOT_ACTIVE', partitions: [] } }),
    { kind: 'retry', server: 'm1:1', delayMs: CLIENT_META_NOT_ACTIVE_DELAY_MS });
  t.deepEqual(metas.onOutcome('m1:1', { kind: 'response', response: { err: 'ERR_OBJECT_NOT_FOUND', partitions: [] } }), { kind: 'done' });
  t.deepEqual(metas.onOutcome('m1:1', { kind: 'failure', code: 'ERR_HANDLER_NOT_FOUND' }), { kind: 'done' });
});
