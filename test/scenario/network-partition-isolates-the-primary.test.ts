// Proves that an isolated primary stops serving: its write cannot commit, its lease expires so it
// refuses reads and answers the write with an unknown outcome, meta promotes a secondary which
// serves without the uncommitted write, and the old primary comes back as a learner that drops
// its uncommitted tail; scripted with the scenario driver and its expected trace.
import test from 'ava';
import { Driver, printTraceIfAsked } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

test('network partition isolates the primary', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2', 'n3'], core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2', 'n3']);
  d.write('n1', 'a', '1');
  d.settle(6);
  d.clearTrace();

  d.note('n1 is cut off from n2, n3 and meta');
  d.isolate('n1');
  const lostWrite = d.write('n1', 'b', '2');
  d.settle(10);
  d.note('the lease runs out before meta declares n1 dead (lease < grace)');
  d.leaseExpires('n1');
  const refusedRead = d.read('n1', 'a');
  d.metaDropPrimary();
  d.sync('n2');
  d.sync('n3');
  d.propose('n2', 'upgrade_to_primary', 'n2');
  d.settle();
  const newRead = d.read('n2', 'b');
  d.write('n2', 'c', '3');
  d.settle();

  d.note('the partition heals: n1 learns it was replaced, and is added back');
  d.heal();
  d.sync('n1');
  d.propose('n2', 'add_secondary', 'n1');
  d.settle(6);
  printTraceIfAsked('TRACE', d.trace);
  t.deepEqual(d.trace, TRACE);
  t.like(d.outcomes.get(lostWrite), { ok: false, code: 'ERR_TIMEOUT' });
  t.like(d.outcomes.get(refusedRead), { ok: false, code: 'ERR_INVALID_STATE' });
  t.is(d.readValues.get(newRead), undefined);
  t.is(d.value('n1', 'b'), undefined);
  t.is(d.value('n1', 'c'), '3');
  t.deepEqual(d.states(), ['n1 secondary b6 c3 a3', 'n2 primary b6 c3 a3', 'n3 secondary b6 c3 a3']);
});

const TRACE: string[] = [
  '-- n1 is cut off from n2, n3 and meta',
  'n1->n2 prepare b3 d3 committed=2 (lost: partitioned)',
  'n1->n3 prepare b3 d3 committed=2 (lost: partitioned)',
  'n1->n2 prepare b3 d3 committed=2 (lost: partitioned)',
  'n1->n3 prepare b3 d3 committed=2 (lost: partitioned)',
  'n1->n2 prepare b3 d3 committed=2 (lost: partitioned)',
  'n1->n3 prepare b3 d3 committed=2 (lost: partitioned)',
  'n1->n2 prepare b3 d3 committed=2 (lost: partitioned)',
  'n1->n3 prepare b3 d3 committed=2 (lost: partitioned)',
  'n1->meta downgrade_to_inactive n2 b4 [primary=n1 secondaries=n3] (lost: partitioned)',
  'n1 becomes inactive (b3)',
  '-- the lease runs out before meta declares n1 dead (lease < grace)',
  'n1 lease with meta expires',
  'n1 answers write #2: ERR_TIMEOUT',
  'n1 answers read #3: ERR_INVALID_STATE',
  'meta config b4 [primary=- secondaries=n2,n3] (primary n1 dead)',
  'meta->n2 proposal upgrade_to_primary n2 (b4)',
  'n2->meta upgrade_to_primary n2 b5 [primary=n2 secondaries=n3]',
  'n2 becomes inactive (b4)',
  'meta config b5 [primary=n2 secondaries=n3] (upgrade_to_primary n2)',
  'n2 becomes primary (b5)',
  'n2->n3 prepare b5 d2 (empty) committed=1',
  'n2->n3 group_check b5 committed=1',
  'n3->n2 prepare_ack b5 d2 ERR_OK',
  'n3->n2 group_check_ack ERR_OK',
  'n2 answers read #4: ok b=(none)',
  'n2->n3 prepare b5 d3 committed=2',
  'n3->n2 prepare_ack b5 d3 ERR_OK',
  'n2 answers write #5: ok',
  '-- the partition heals: n1 learns it was replaced, and is added back',
  'meta->n2 proposal add_secondary n1 (b5)',
  'n2->n1 group_check b5 committed=3 (learner invite)',
  'n1 drops its log after d2',
  'n1 becomes potential_secondary (b3)',
  'n1->n2 learn_request committed=2',
  'n1->n2 group_check_ack ERR_OK',
  'n2->n1 learn_response LT_CACHE mutations=d3..d3 prepare_start=d4',
  'n1->n2 learn_completion_notify',
  'n2->meta upgrade_to_secondary n1 b6 [primary=n2 secondaries=n3,n1]',
  'n2 becomes inactive (b5)',
  'meta config b6 [primary=n2 secondaries=n3,n1] (upgrade_to_secondary n1)',
  'n2 becomes primary (b6)',
  'n2->n3 group_check b6 committed=3',
  'n2->n1 group_check b6 committed=3',
  'n1 becomes secondary (b6)',
  'n3->n2 group_check_ack ERR_OK',
  'n1->n2 group_check_ack ERR_OK',
];
