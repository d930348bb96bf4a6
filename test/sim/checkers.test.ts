// Proves each checker on hand-made histories: every one accepts a correct history and rejects a
// history with exactly the anomaly it exists to catch (stale read, lost write, two primaries in
// one ballot, diverging commits, log GC past the durable state, a partition that never recovers).
import test from 'ava';
import { History } from './history.ts';
import type { Operation } from './history.ts';
import { checkLinearizable, checkRegister } from './checkers/linearizability.ts';
import { checkAckedWritesSurvive } from './checkers/acked-writes.ts';
import { ReplicationInvariants } from './checkers/replication-invariants.ts';
import { checkLiveness } from './checkers/liveness.ts';

type Spec = [client: string, kind: 'put' | 'get', key: string, value: string | null, invokeMs: number, responseMs: number | 'unknown' | 'failed', final?: boolean];

function history(specs: readonly Spec[]): readonly Operation[] {
  const h = new History();
  for (const [client, kind, key, value, invokeMs, responseMs, final] of specs) {
    const op = h.invoke({ client, kind, key, nowMs: invokeMs, final: final ?? false, ...(kind === 'put' ? { value: value as string } : {}) });
    if (responseMs === 'unknown') h.complete(op, 'unknown', invokeMs);
    else if (responseMs === 'failed') h.complete(op, 'failed', invokeMs + 1);
    else h.complete(op, 'ok', responseMs, kind === 'get' ? value : undefined);
  }
  return h.all();
}

test('sequential puts and reads of the latest value are linearizable', (t) => {
  const ops = history([
    ['c1', 'get', 'k', null, 0, 1],
    ['c1', 'put', 'k', 'a', 2, 3],
    ['c2', 'get', 'k', 'a', 4, 5],
    ['c1', 'put', 'k', 'b', 6, 7],
    ['c2', 'get', 'k', 'b', 8, 9],
  ]);
  t.true(checkLinearizable(ops).ok);
});

test('a stale read after a completed put is not linearizable', (t) => {
  const ops = history([
    ['c1', 'put', 'k', 'a', 0, 1],
    ['c1', 'put', 'k', 'b', 2, 3],
    ['c2', 'get', 'k', 'a', 4, 5],
  ]);
  const verdict = checkLinearizable(ops);
  t.false(verdict.ok);
  t.is(verdict.firstViolation?.key, 'k');
});

test('concurrent operations may be ordered either way', (t) => {
  const ops = history([
    ['c1', 'put', 'k', 'a', 0, 10],
    ['c2', 'put', 'k', 'b', 1, 9],
    ['c3', 'get', 'k', 'a', 2, 8],
    ['c3', 'get', 'k', 'b', 11, 12],
  ]);
  t.true(checkLinearizable(ops).ok, 'b then a... no: a, get a, then b; b is concurrent with a');
});

test('two reads cannot see two concurrent writes in opposite orders', (t) => {
  const ops = history([
    ['c1', 'put', 'k', 'a', 0, 100],
    ['c2', 'put', 'k', 'b', 0, 100],
    ['c3', 'get', 'k', 'a', 10, 20],
    ['c3', 'get', 'k', 'b', 30, 40],
    ['c4', 'get', 'k', 'b', 10, 20],
    ['c4', 'get', 'k', 'a', 30, 40],
  ]);
  t.false(checkLinearizable(ops).ok);
});

test('a put with unknown outcome may take effect late, or never', (t) => {
  const late = history([
    ['c1', 'put', 'k', 'a', 0, 'unknown'],
    ['c2', 'get', 'k', null, 5, 6],
    ['c2', 'get', 'k', 'a', 100, 101],
  ]);
  t.true(checkLinearizable(late).ok);
  const never = history([
    ['c1', 'put', 'k', 'a', 0, 'unknown'],
    ['c2', 'get', 'k', null, 100, 101],
  ]);
  t.true(checkLinearizable(never).ok);
  const flickers = history([
    ['c1', 'put', 'k', 'a', 0, 'unknown'],
    ['c2', 'get', 'k', 'a', 5, 6],
    ['c2', 'get', 'k', null, 100, 101],
  ]);
  t.false(checkLinearizable(flickers).ok, 'once seen it cannot vanish');
});

test('a refused put is left out: reading its value is a violation', (t) => {
  const ops = history([
    ['c1', 'put', 'k', 'a', 0, 'failed'],
    ['c2', 'get', 'k', 'a', 5, 6],
  ]);
  t.false(checkLinearizable(ops).ok);
});

test('keys are checked separately', (t) => {
  const ops = history([
    ['c1', 'put', 'x', 'a', 0, 1],
    ['c1', 'put', 'y', 'b', 2, 3],
    ['c2', 'get', 'x', 'a', 4, 5],
    ['c2', 'get', 'y', null, 4, 5],
  ]);
  const verdict = checkLinearizable(ops);
  t.false(verdict.ok);
  t.is(verdict.firstViolation?.key, 'y');
  t.deepEqual(verdict.keys.map((k) => k.result), ['ok', 'violation']);
});

test('the search gives up instead of running away', (t) => {
  const specs: Spec[] = [];
  for (let i = 0; i < 40; i++) specs.push([`c${i}`, 'put', 'k', `v${i}`, 0, 1000]);
  specs.push(['r', 'get', 'k', 'nothing-wrote-this', 0, 1000]);
  const verdict = checkRegister('k', history(specs), 1000);
  t.is(verdict.result, 'gave-up');
});

test('a long sequential history checks quickly', (t) => {
  const specs: Spec[] = [];
  for (let i = 0; i < 1000; i++) {
    specs.push(['c1', 'put', 'k', `v${i}`, i * 10, i * 10 + 3]);
    specs.push(['c2', 'get', 'k', `v${i}`, i * 10 + 4, i * 10 + 6]);
  }
  const verdict = checkRegister('k', history(specs));
  t.is(verdict.result, 'ok');
});

test('acknowledged writes: the final read must show the last acknowledged put or a concurrent one', (t) => {
  const good = history([
    ['c1', 'put', 'k', 'a', 0, 1],
    ['c1', 'put', 'k', 'b', 2, 3],
    ['c2', 'put', 'k', 'c', 4, 'unknown'],
    ['f', 'get', 'k', 'c', 100, 101, true],
  ]);
  t.deepEqual(checkAckedWritesSurvive(good), []);
  const lost = history([
    ['c1', 'put', 'k', 'a', 0, 1],
    ['c1', 'put', 'k', 'b', 2, 3],
    ['f', 'get', 'k', 'a', 100, 101, true],
  ]);
  t.regex(checkAckedWritesSurvive(lost)[0]?.reason ?? '', /lost/);
  const vanished = history([
    ['c1', 'put', 'k', 'a', 0, 1],
    ['f', 'get', 'k', null, 100, 101, true],
  ]);
  t.regex(checkAckedWritesSurvive(vanished)[0]?.reason ?? '', /absent/);
  const concurrent = history([
    ['c1', 'put', 'k', 'a', 0, 1],
    ['c1', 'put', 'k', 'b', 90, 110],
    ['f', 'get', 'k', 'a', 100, 101, true],
  ]);
  t.deepEqual(checkAckedWritesSurvive(concurrent), [], 'a put acknowledged after the read began need not be visible');
  const refused = history([
    ['c1', 'put', 'k', 'a', 0, 'failed'],
    ['f', 'get', 'k', 'a', 100, 101, true],
  ]);
  t.regex(checkAckedWritesSurvive(refused)[0]?.reason ?? '', /refused/);
});

test('replication invariants accept a clean run', (t) => {
  const inv = new ReplicationInvariants();
  inv.record({ kind: 'primary', atMs: 0, node: 'r1', gpid: '1.0', ballot: 1n });
  inv.record({ kind: 'ballot', atMs: 0, node: 'r1', gpid: '1.0', incarnation: 0, ballot: 1n });
  inv.record({ kind: 'apply', atMs: 1, node: 'r1', gpid: '1.0', incarnation: 0, decree: 1n, digest: 'x' });
  inv.record({ kind: 'apply', atMs: 2, node: 'r2', gpid: '1.0', incarnation: 0, decree: 1n, digest: 'x' });
  inv.record({ kind: 'primary', atMs: 3, node: 'r2', gpid: '1.0', ballot: 2n });
  inv.record({ kind: 'reset', atMs: 4, node: 'r3', gpid: '1.0', incarnation: 1, decree: 1n });
  inv.record({ kind: 'apply', atMs: 5, node: 'r3', gpid: '1.0', incarnation: 1, decree: 2n, digest: 'y' });
  t.deepEqual(inv.violations, []);
});

test('replication invariants catch two primaries, a falling ballot, a gap and diverging commits', (t) => {
  const inv = new ReplicationInvariants();
  inv.record({ kind: 'primary', atMs: 0, node: 'r1', gpid: '1.0', ballot: 1n });
  inv.record({ kind: 'primary', atMs: 0, node: 'r2', gpid: '1.0', ballot: 1n });
  inv.record({ kind: 'ballot', atMs: 0, node: 'r1', gpid: '1.0', incarnation: 0, ballot: 3n });
  inv.record({ kind: 'ballot', atMs: 1, node: 'r1', gpid: '1.0', incarnation: 0, ballot: 2n });
  inv.record({ kind: 'meta-ballot', atMs: 1, gpid: '1.0', ballot: 5n });
  inv.record({ kind: 'meta-ballot', atMs: 2, gpid: '1.0', ballot: 4n });
  inv.record({ kind: 'apply', atMs: 1, node: 'r1', gpid: '1.0', incarnation: 0, decree: 2n, digest: 'x' });
  inv.record({ kind: 'apply', atMs: 1, node: 'r2', gpid: '1.0', incarnation: 0, decree: 1n, digest: 'a' });
  inv.record({ kind: 'apply', atMs: 1, node: 'r3', gpid: '1.0', incarnation: 0, decree: 1n, digest: 'b' });
  inv.record({ kind: 'log-gc', atMs: 2, node: 'r1', gpid: '1.0', decree: 5n, durableDecree: 5n });
  inv.record({ kind: 'log-gc', atMs: 3, node: 'r1', gpid: '1.0', decree: 7n, durableDecree: 6n });
  t.deepEqual(inv.violations.map((v) => v.rule), ['one-primary-per-ballot', 'ballot-monotonic', 'meta-ballot-monotonic', 'apply-in-order', 'committed-agree', 'log-gc-bound']);
});

test('liveness: each partition must be healthy and take a write within the bound', (t) => {
  const partitions = [
    { gpid: '1.0', healthyAtMs: 1500, writeAckedAtMs: 1600 },
    { gpid: '1.1', healthyAtMs: 1500, writeAckedAtMs: undefined },
    { gpid: '1.2', healthyAtMs: 9000, writeAckedAtMs: 9100 },
  ];
  const violations = checkLiveness({ healedAtMs: 1000, boundMs: 5000, partitions });
  t.deepEqual(violations.map((v) => v.gpid), ['1.1', '1.2']);
});
