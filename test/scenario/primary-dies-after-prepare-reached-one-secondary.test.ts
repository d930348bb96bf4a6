// Proves PacificA's reconciliation when the primary dies after a prepare reached only one
// secondary: a new primary re-prepares its tail under its ballot, so the write survives if the
// secondary holding it is promoted and is overwritten if the other one is; scripted with the
// scenario driver and its expected trace.
import test from 'ava';
import { Driver, printTraceIfAsked } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

function groupWithOnePrepareOnN2(): Driver {
  const d = new Driver({ nodes: ['n1', 'n2', 'n3'], core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2', 'n3']);
  d.write('n1', 'a', '1');
  d.settle(6);
  d.clearTrace();
  d.write('n1', 'b', '2');
  d.deliverOne((m) => m.to === 'n2' && m.message.kind === 'prepare');
  d.crash('n1');
  d.metaDropPrimary();
  d.sync('n2');
  d.sync('n3');
  return d;
}

test('primary dies after a prepare reached one secondary: promoting that secondary commits the write', (t) => {
  const d = groupWithOnePrepareOnN2();
  d.propose('n2', 'upgrade_to_primary', 'n2');
  d.settle();
  d.read('n2', 'b');
  d.write('n2', 'c', '3');
  d.settle(6);
  printTraceIfAsked('TRACE_PROMOTE_HOLDER', d.trace);
  t.deepEqual(d.trace, TRACE_PROMOTE_HOLDER);
  t.deepEqual(d.states(), ['n2 primary b5 c5 a5', 'n3 secondary b5 c4 a4']);
  t.is(d.value('n3', 'b'), '2');
});

test('primary dies after a prepare reached one secondary: promoting the other secondary drops the write', (t) => {
  const d = groupWithOnePrepareOnN2();
  d.propose('n3', 'upgrade_to_primary', 'n3');
  d.settle();
  d.read('n3', 'b');
  d.write('n3', 'c', '3');
  d.settle(6);
  printTraceIfAsked('TRACE_PROMOTE_OTHER', d.trace);
  t.deepEqual(d.trace, TRACE_PROMOTE_OTHER);
  t.is(d.value('n2', 'b'), undefined);
  t.is(d.value('n2', 'c'), '3');
});

const TRACE_PROMOTE_HOLDER: string[] = [
  'n1->n2 prepare b3 d3 committed=2',
  'n1 crashes (log keeps 3 entries, storage at d0)',
  'meta config b4 [primary=- secondaries=n2,n3] (primary n1 dead)',
  'meta->n2 proposal upgrade_to_primary n2 (b4)',
  'n2->meta upgrade_to_primary n2 b5 [primary=n2 secondaries=n3]',
  'n2 becomes inactive (b4)',
  'meta config b5 [primary=n2 secondaries=n3] (upgrade_to_primary n2)',
  'n2 becomes primary (b5)',
  'n2->n3 prepare b5 d3 committed=2',
  'n2->n3 group_check b5 committed=2',
  'n3->n2 prepare_ack b5 d3 ERR_OK',
  'n3->n2 group_check_ack ERR_OK',
  'n2 answers read #3: ok b=2',
  'n2->n3 prepare b5 d4 committed=3',
  'n3->n2 prepare_ack b5 d4 ERR_OK',
  'n2 answers write #4: ok',
  'n2->n3 prepare b5 d5 (empty) committed=4',
  'n3->n2 prepare_ack b5 d5 ERR_OK',
];
const TRACE_PROMOTE_OTHER: string[] = [
  'n1->n2 prepare b3 d3 committed=2',
  'n1 crashes (log keeps 3 entries, storage at d0)',
  'meta config b4 [primary=- secondaries=n2,n3] (primary n1 dead)',
  'meta->n3 proposal upgrade_to_primary n3 (b4)',
  'n3->meta upgrade_to_primary n3 b5 [primary=n3 secondaries=n2]',
  'n3 becomes inactive (b4)',
  'meta config b5 [primary=n3 secondaries=n2] (upgrade_to_primary n3)',
  'n3 becomes primary (b5)',
  'n3->n2 prepare b5 d2 (empty) committed=1',
  'n3->n2 group_check b5 committed=1',
  'n2->n3 prepare_ack b5 d2 ERR_OK',
  'n2->n3 group_check_ack ERR_OK',
  'n3 answers read #3: ok b=(none)',
  'n3->n2 prepare b5 d3 committed=2',
  'n2->n3 prepare_ack b5 d3 ERR_OK',
  'n3 answers write #4: ok',
  'n3->n2 prepare b5 d4 (empty) committed=3',
  'n2->n3 prepare_ack b5 d4 ERR_OK',
];
