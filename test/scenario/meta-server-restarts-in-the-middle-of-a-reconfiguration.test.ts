// Proves that a meta server restart in the middle of a reconfiguration neither loses a change it
// persisted nor applies one it did not: the primary's request to remove a failed secondary is
// retried against the restarted meta server and lands exactly once; scripted with the real meta
// core and the scenario driver, with the expected trace.
import test from 'ava';
import { Driver, printTraceIfAsked } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';
import { RealMeta } from './real-meta.ts';

const TICK_MS = 100;

function healthyGroup(): { d: Driver; meta: RealMeta } {
  const d = new Driver({ nodes: ['n1', 'n2', 'n3'], core: SCENARIO_OPTIONS });
  const meta = new RealMeta(d, ['n1', 'n2', 'n3']);
  step(d, meta);
  meta.createTable('t');
  for (let i = 0; i < 60; i += 1) step(d, meta);
  return { d, meta };
}

function step(d: Driver, meta: RealMeta): void {
  meta.advance(TICK_MS);
  d.tick();
  d.deliverAll();
}

function removalInterruptedByMetaCrash(heldWritesLand: boolean): { d: Driver; write: number } {
  const { d, meta } = healthyGroup();
  d.write('n1', 'a', '1');
  for (let i = 0; i < 8; i += 1) step(d, meta);
  d.clearTrace();
  d.note('n3 crashes; the next write times out on it and n1 asks meta to remove n3');
  meta.persistHeld = true;
  d.crash('n3');
  const write = d.write('n1', 'b', '2');
  for (let i = 0; i < 10; i += 1) step(d, meta);
  d.note('meta crashes before its store write completes, and is down for a while');
  meta.crash({ heldWritesLand });
  meta.persistHeld = false;
  for (let i = 0; i < 6; i += 1) step(d, meta);
  meta.restart();
  for (let i = 0; i < 8; i += 1) step(d, meta);
  return { d, write };
}

test('meta server restarts in the middle of a reconfiguration: an unpersisted change is asked again and lands once', (t) => {
  const { d, write } = removalInterruptedByMetaCrash(false);
  printTraceIfAsked('TRACE_LOST', d.trace.filter(notReplication));
  t.deepEqual(d.trace.filter(notReplication), TRACE_LOST);
  t.like(d.outcomes.get(write), { ok: true });
  t.deepEqual(d.states(), ['n1 primary b4 c3 a3', 'n2 secondary b4 c2 a2']);
});

test('meta server restarts in the middle of a reconfiguration: a persisted change survives and the retry is idempotent', (t) => {
  const { d, write } = removalInterruptedByMetaCrash(true);
  printTraceIfAsked('TRACE_LANDED', d.trace.filter(notReplication));
  t.deepEqual(d.trace.filter(notReplication), TRACE_LANDED);
  t.like(d.outcomes.get(write), { ok: true });
  t.deepEqual(d.states(), ['n1 primary b4 c3 a3', 'n2 secondary b4 c2 a2']);
});

/** The trace without the routine replica-to-replica traffic, which the other scenarios pin down. */
function notReplication(line: string): boolean {
  return !/ (group_check|group_check_ack|prepare_ack|prepare) /.test(`${line} `);
}

const TRACE_LOST: string[] = [
  '-- n3 crashes; the next write times out on it and n1 asks meta to remove n3',
  'n3 crashes (log keeps 2 entries, storage at d0)',
  'n1->meta downgrade_to_inactive n3 b4 [primary=n1 secondaries=n2]',
  'n1 becomes inactive (b3)',
  'meta writes apps/1/0 to its store (held)',
  '-- meta crashes before its store write completes, and is down for a while',
  'meta crashes (held store writes lost)',
  'n1->meta downgrade_to_inactive n3 b4 [primary=n1 secondaries=n2]',
  'meta is down: n1\'s downgrade_to_inactive is lost',
  'meta restarts from its store: b3 [primary=n1 secondaries=n2,n3]',
  'n1->meta downgrade_to_inactive n3 b4 [primary=n1 secondaries=n2]',
  'meta writes apps/1/0 to its store',
  'n1 becomes primary (b4)',
  'meta->n1 proposal add_secondary n3 (b4)',
  'n1 answers write #2: ok',
];
const TRACE_LANDED: string[] = [
  '-- n3 crashes; the next write times out on it and n1 asks meta to remove n3',
  'n3 crashes (log keeps 2 entries, storage at d0)',
  'n1->meta downgrade_to_inactive n3 b4 [primary=n1 secondaries=n2]',
  'n1 becomes inactive (b3)',
  'meta writes apps/1/0 to its store (held)',
  '-- meta crashes before its store write completes, and is down for a while',
  'meta crashes (held store writes landed)',
  'n1->meta downgrade_to_inactive n3 b4 [primary=n1 secondaries=n2]',
  'meta is down: n1\'s downgrade_to_inactive is lost',
  'meta restarts from its store: b4 [primary=n1 secondaries=n2]',
  'n1->meta downgrade_to_inactive n3 b4 [primary=n1 secondaries=n2]',
  'n1 becomes primary (b4)',
  'n1 answers write #2: ok',
  'meta->n1 proposal add_secondary n3 (b4)',
];
