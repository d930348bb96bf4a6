// Proves that a learner whose round succeeded, which meta upgraded to secondary and then promoted
// to primary, takes over safely when the configuration naming it primary is the first it hears of
// (the ones naming it secondary were lost): it passes through secondary to primary, re-prepares its
// tail, and every acknowledged write survives; scripted with the scenario driver and its trace.
import test from 'ava';
import { Driver, describeConfig, printTraceIfAsked, type InFlight } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

test('a learner that misses its upgrade and is named primary takes over safely', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2', 'n3'], fsync: 'always', core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2']);
  const first = d.write('n1', 'k1', 'v1');
  d.settle();
  d.clearTrace();

  d.note('meta adds n3; n3 learns d1, logs d2 past its prepare start, and n1 asks meta to upgrade it');
  const completion = (m: InFlight): boolean => m.message.kind === 'learn_completion_notify';
  d.metaHeld = true;
  d.propose('n1', 'add_secondary', 'n3');
  d.deliverAll((m) => !completion(m));
  const second = d.write('n1', 'k2', 'v2');
  d.deliverAll((m) => !completion(m));
  d.deliverAll();

  d.note('meta upgrades n3 (b3); every message to n3 is lost, so a write at b3 is never acknowledged');
  d.metaHeld = false;
  d.metaAnswer();
  const unacknowledged = d.write('n1', 'k3', 'v3');
  d.deliverAll((m) => m.to !== 'n3');
  d.drop((m) => m.to === 'n3');
  t.is(d.core('n3').info().role, 'potential_secondary');

  d.note('n1 dies; meta drops it (b4) and promotes n3 (b5); n3 hears only of b5');
  d.crash('n1');
  d.metaDropPrimary();
  const b4 = d.metaConfig;
  d.metaConfig = { ...b4, ballot: b4.ballot + 1n, primary: 'n3', secondaries: ['n2'] };
  d.trace.push(`meta config b${d.metaConfig.ballot} ${describeConfig(d.metaConfig)} (upgrade_to_primary n3)`);
  d.sync('n2');
  d.sync('n3');
  d.settle(6);
  const fourth = d.write('n3', 'k4', 'v4');
  d.read('n3', 'k2');
  d.settle(6);
  printTraceIfAsked('TRACE', d.trace);
  t.deepEqual(d.trace, TRACE);

  for (const write of [first, second, fourth]) t.true(d.outcomes.get(write)?.ok);
  t.is(d.outcomes.get(unacknowledged), undefined);
  t.deepEqual(d.states(), ['n2 secondary b5 c4 a4', 'n3 primary b5 c5 a5']);
  for (const node of ['n2', 'n3']) {
    t.is(d.value(node, 'k1'), 'v1');
    t.is(d.value(node, 'k2'), 'v2');
    t.is(d.value(node, 'k3'), undefined);
    t.is(d.value(node, 'k4'), 'v4');
  }
});

const TRACE: string[] = [
  '-- meta adds n3; n3 learns d1, logs d2 past its prepare start, and n1 asks meta to upgrade it',
  'meta->n1 proposal add_secondary n3 (b2)',
  'n1->n3 group_check b2 committed=1 (learner invite)',
  'n3 becomes potential_secondary (b0)',
  'n3->n1 learn_request committed=0',
  'n3->n1 group_check_ack ERR_OK',
  'n1->n3 learn_response LT_CACHE mutations=d1..d1 prepare_start=d2',
  'n1->n2 prepare b2 d2 committed=1',
  'n1->n3 prepare b2 d2 committed=1',
  'n2->n1 prepare_ack b2 d2 ERR_OK',
  'n3->n1 prepare_ack b2 d2 ERR_OK',
  'n1 answers write #2: ok',
  'n3->n1 learn_completion_notify',
  'n1->meta upgrade_to_secondary n3 b3 [primary=n1 secondaries=n2,n3]',
  'n1 becomes inactive (b2)',
  '-- meta upgrades n3 (b3); every message to n3 is lost, so a write at b3 is never acknowledged',
  'meta config b3 [primary=n1 secondaries=n2,n3] (upgrade_to_secondary n3)',
  'n1 becomes primary (b3)',
  'n1->n2 group_check b3 committed=2',
  'n1->n2 prepare b3 d3 committed=2',
  'n2->n1 group_check_ack ERR_OK',
  'n2->n1 prepare_ack b3 d3 ERR_OK',
  'n1->n3 prepare b3 d3 committed=2 (dropped)',
  'n1->n3 group_check b3 committed=2 (dropped)',
  '-- n1 dies; meta drops it (b4) and promotes n3 (b5); n3 hears only of b5',
  'n1 crashes (log keeps 3 entries, storage at d0)',
  'meta config b4 [primary=- secondaries=n2,n3] (primary n1 dead)',
  'meta config b5 [primary=n3 secondaries=n2] (upgrade_to_primary n3)',
  'n3 becomes primary (b5)',
  'n3->n2 prepare b5 d2 committed=1',
  'n3->n2 group_check b5 committed=1',
  'n2->n3 prepare_ack b5 d2 ERR_OK',
  'n2->n3 group_check_ack ERR_OK',
  'n3->n2 prepare b5 d3 (empty) committed=2',
  'n2->n3 prepare_ack b5 d3 ERR_OK',
  'n3 answers read #5: ok k2=v2',
  'n3->n2 prepare b5 d4 committed=3',
  'n2->n3 prepare_ack b5 d4 ERR_OK',
  'n3 answers write #4: ok',
  'n3->n2 prepare b5 d5 (empty) committed=4',
  'n2->n3 prepare_ack b5 d5 ERR_OK',
];
