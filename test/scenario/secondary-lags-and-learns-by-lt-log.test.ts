// Proves that a secondary cut off long enough to be removed comes back by learning: the mutations
// it missed have left the primary's prepare list, so it learns them from the primary's log
// (LT_LOG), then the tail from the prepare list (LT_CACHE), and is upgraded; scripted with the
// scenario driver and its expected trace.
import test from 'ava';
import { Driver, printTraceIfAsked } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

test('secondary lags and learns by LT_LOG', (t) => {
  const d = new Driver({
    nodes: ['n1', 'n2', 'n3'],
    core: { ...SCENARIO_OPTIONS, prepareListCapacity: 4, mutationsInFlightMax: 2 },
  });
  d.formGroup('n1', ['n2', 'n3']);
  d.write('n1', 'k0', 'v0');
  d.settle();
  d.partition('n1', 'n3');
  d.clearTrace();

  d.note('n3 is cut off: the next prepare times out and n1 asks meta to remove it');
  d.write('n1', 'k1', 'v1');
  d.settle(10);
  d.note('n1 and n2 go on without n3; n1 prepare list keeps only the last 4 decrees');
  for (let i = 2; i <= 7; i += 1) {
    d.write('n1', `k${i}`, `v${i}`);
    d.settle();
  }
  d.heal();
  d.note('meta adds n3 back: it learns');
  d.propose('n1', 'add_secondary', 'n3');
  d.settle();
  printTraceIfAsked('TRACE', d.trace);
  t.deepEqual(d.trace, TRACE);
  d.settle(6);
  t.deepEqual(d.states(), ['n1 primary b5 c8 a8', 'n2 secondary b5 c8 a8', 'n3 secondary b5 c8 a8']);
  for (let i = 0; i <= 7; i += 1) t.is(d.value('n3', `k${i}`), `v${i}`);
});

const TRACE: string[] = [
  '-- n3 is cut off: the next prepare times out and n1 asks meta to remove it',
  'n1->n2 prepare b3 d2 committed=1',
  'n1->n3 prepare b3 d2 committed=1 (lost: partitioned)',
  'n2->n1 prepare_ack b3 d2 ERR_OK',
  'n1->n3 prepare b3 d2 committed=1 (lost: partitioned)',
  'n1->n3 prepare b3 d2 committed=1 (lost: partitioned)',
  'n1->n3 prepare b3 d2 committed=1 (lost: partitioned)',
  'n1->meta downgrade_to_inactive n3 b4 [primary=n1 secondaries=n2]',
  'n1 becomes inactive (b3)',
  'meta config b4 [primary=n1 secondaries=n2] (downgrade_to_inactive n3)',
  'n1 becomes primary (b4)',
  'n1->n2 prepare b4 d2 committed=1',
  'n1->n2 group_check b4 committed=1',
  'n1->n3 remove_replica b4 (lost: partitioned)',
  'n2->n1 prepare_ack b4 d2 ERR_OK',
  'n1 answers write #2: ok',
  'n2->n1 group_check_ack ERR_OK',
  '-- n1 and n2 go on without n3; n1 prepare list keeps only the last 4 decrees',
  'n1->n2 prepare b4 d3 committed=2',
  'n2->n1 prepare_ack b4 d3 ERR_OK',
  'n1 answers write #3: ok',
  'n1->n2 prepare b4 d4 committed=3',
  'n2->n1 prepare_ack b4 d4 ERR_OK',
  'n1 answers write #4: ok',
  'n1->n2 prepare b4 d5 committed=4',
  'n2->n1 prepare_ack b4 d5 ERR_OK',
  'n1 answers write #5: ok',
  'n1->n2 prepare b4 d6 committed=5',
  'n2->n1 prepare_ack b4 d6 ERR_OK',
  'n1 answers write #6: ok',
  'n1->n2 prepare b4 d7 committed=6',
  'n2->n1 prepare_ack b4 d7 ERR_OK',
  'n1 answers write #7: ok',
  'n1->n2 prepare b4 d8 committed=7',
  'n2->n1 prepare_ack b4 d8 ERR_OK',
  'n1 answers write #8: ok',
  '-- meta adds n3 back: it learns',
  'meta->n1 proposal add_secondary n3 (b4)',
  'n1->n3 group_check b4 committed=8 (learner invite)',
  'n3 drops its log after d0',
  'n3 becomes potential_secondary (b3)',
  'n3->n1 learn_request committed=0',
  'n3->n1 group_check_ack ERR_OK',
  'n1->n3 learn_response LT_LOG mutations=d1..d4',
  'n3->n1 learn_request committed=4',
  'n1->n3 learn_response LT_CACHE mutations=d5..d8 prepare_start=d9',
  'n3->n1 learn_completion_notify',
  'n1->meta upgrade_to_secondary n3 b5 [primary=n1 secondaries=n2,n3]',
  'n1 becomes inactive (b4)',
  'meta config b5 [primary=n1 secondaries=n2,n3] (upgrade_to_secondary n3)',
  'n1 becomes primary (b5)',
  'n1->n2 group_check b5 committed=8',
  'n1->n3 group_check b5 committed=8',
  'n3 becomes secondary (b5)',
  'n2->n1 group_check_ack ERR_OK',
  'n3->n1 group_check_ack ERR_OK',
];
