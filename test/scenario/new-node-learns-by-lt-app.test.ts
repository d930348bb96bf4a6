// Proves that a new node learns from a checkpoint when the primary's log no longer reaches back
// far enough: LT_APP hands it a checkpoint reference (its shell imports the files), the log after
// the checkpoint follows, then the prepare list tail, and the node is upgraded to secondary;
// scripted with the scenario driver and its expected trace.
import test from 'ava';
import { Driver, printTraceIfAsked } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

test('new node learns by LT_APP', (t) => {
  const d = new Driver({
    nodes: ['n1', 'n2', 'n3'],
    core: { ...SCENARIO_OPTIONS, prepareListCapacity: 4, mutationsInFlightMax: 2 },
  });
  d.formGroup('n1', ['n2']);
  for (let i = 1; i <= 6; i += 1) {
    d.write('n1', `k${i}`, `v${i}`);
    d.settle();
  }
  d.clearTrace();
  d.note('n1 checkpoints at its applied decree: its log is collected up to there; its prepare list keeps 4 decrees');
  d.checkpoint('n1');
  for (let i = 7; i <= 12; i += 1) {
    d.write('n1', `k${i}`, `v${i}`);
    d.settle();
  }
  d.note('a new node is added: it has nothing, and the log no longer starts at decree 1');
  d.propose('n1', 'add_secondary', 'n3');
  d.settle();
  printTraceIfAsked('TRACE', d.trace);
  t.deepEqual(d.trace, TRACE);
  for (let i = 1; i <= 12; i += 1) t.is(d.value('n3', `k${i}`), `v${i}`, `k${i}`);
  d.read('n1', 'k12');
  d.settle(6);
  t.deepEqual(d.states(), STATES);
});

const TRACE: string[] = [
  '-- n1 checkpoints at its applied decree: its log is collected up to there; its prepare list keeps 4 decrees',
  'n1 checkpoint d6',
  'n1 log GC through d6',
  'n1->n2 prepare b2 d7 committed=6',
  'n2->n1 prepare_ack b2 d7 ERR_OK',
  'n1 answers write #7: ok',
  'n1->n2 prepare b2 d8 committed=7',
  'n2->n1 prepare_ack b2 d8 ERR_OK',
  'n1 answers write #8: ok',
  'n1->n2 prepare b2 d9 committed=8',
  'n2->n1 prepare_ack b2 d9 ERR_OK',
  'n1 answers write #9: ok',
  'n1->n2 prepare b2 d10 committed=9',
  'n2->n1 prepare_ack b2 d10 ERR_OK',
  'n1 answers write #10: ok',
  'n1->n2 prepare b2 d11 committed=10',
  'n2->n1 prepare_ack b2 d11 ERR_OK',
  'n1 answers write #11: ok',
  'n1->n2 prepare b2 d12 committed=11',
  'n2->n1 prepare_ack b2 d12 ERR_OK',
  'n1 answers write #12: ok',
  '-- a new node is added: it has nothing, and the log no longer starts at decree 1',
  'meta->n1 proposal add_secondary n3 (b2)',
  'n1->n3 group_check b2 committed=12 (learner invite)',
  'n3 becomes potential_secondary (b0)',
  'n3->n1 learn_request committed=0',
  'n3->n1 group_check_ack ERR_OK',
  'n1->n3 learn_response LT_APP checkpoint=d6 mutations=d7..d8',
  'n3 imports checkpoint d6 from n1',
  'n3->n1 learn_request committed=8',
  'n1->n3 learn_response LT_CACHE mutations=d9..d12 prepare_start=d13',
  'n3->n1 learn_completion_notify',
  'n1->meta upgrade_to_secondary n3 b3 [primary=n1 secondaries=n2,n3]',
  'n1 becomes inactive (b2)',
  'meta config b3 [primary=n1 secondaries=n2,n3] (upgrade_to_secondary n3)',
  'n1 becomes primary (b3)',
  'n1->n2 group_check b3 committed=12',
  'n1->n3 group_check b3 committed=12',
  'n3 becomes secondary (b3)',
  'n2->n1 group_check_ack ERR_OK',
  'n3->n1 group_check_ack ERR_OK',
];
const STATES = ['n1 primary b3 c12 a12', 'n2 secondary b3 c12 a12', 'n3 secondary b3 c12 a12'];
