// Proves that a learner which finished learning, restarted, and then took a late duplicate of its
// learn invitation (so it dropped the uncommitted decree it had learned) is never made a secondary
// on the strength of its earlier completion: it stops, its primary removes it, and it learns the
// decree again before it is upgraded; scripted with the scenario driver and its expected trace.
import test from 'ava';
import { Driver, printTraceIfAsked, type InFlight } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

test('a late duplicate learn invitation after learning completed never makes a secondary without the learned tail', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2', 'n3'], fsync: 'always', core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2']);
  d.write('n1', 'k1', 'v1');
  d.clearTrace();

  d.note('meta adds n3 while d1 is prepared but not yet acknowledged by n2; n3 learns d1 uncommitted');
  const toN2 = (m: InFlight): boolean => m.to === 'n2' || m.from === 'n2';
  const completion = (m: InFlight): boolean => m.message.kind === 'learn_completion_notify';
  d.metaHeld = true;
  d.propose('n1', 'add_secondary', 'n3');
  const invitation = d.network.find((m) => m.to === 'n3' && m.message.kind === 'group_check');
  if (invitation === undefined) throw new Error('no invitation in flight');
  d.deliverAll((m) => !toN2(m) && !completion(m));
  d.note('n2 acknowledges d1 and n1 commits it; then n3 reports completion and n1 asks meta to upgrade it');
  d.deliverAll((m) => !completion(m));
  d.deliverAll();

  d.note('n3 restarts, then a late copy of the invitation arrives');
  d.crash('n3');
  d.restart('n3');
  d.network.push(invitation);
  d.deliverAll();

  d.note('meta accepts the upgrade n1 asked for on the earlier completion');
  d.metaHeld = false;
  d.metaAnswer();
  d.deliverAll();
  printTraceIfAsked('TRACE', d.trace);
  t.deepEqual(d.trace, TRACE);
  t.not(d.core('n3').info().role, 'secondary');

  d.note('n1 removes the stopped n3, and meta adds it again');
  d.settle(12);
  d.propose('n1', 'add_secondary', 'n3');
  d.settle(6);
  t.deepEqual(d.states(), ['n1 primary b5 c1 a1', 'n2 secondary b5 c1 a1', 'n3 secondary b5 c1 a1']);
  t.is(d.value('n3', 'k1'), 'v1');
});

const TRACE: string[] = [
  '-- meta adds n3 while d1 is prepared but not yet acknowledged by n2; n3 learns d1 uncommitted',
  'meta->n1 proposal add_secondary n3 (b2)',
  'n1->n3 group_check b2 committed=0 (learner invite)',
  'n3 becomes potential_secondary (b0)',
  'n3->n1 learn_request committed=0',
  'n3->n1 group_check_ack ERR_OK',
  'n1->n3 learn_response LT_CACHE mutations=d1..d1 prepare_start=d2',
  '-- n2 acknowledges d1 and n1 commits it; then n3 reports completion and n1 asks meta to upgrade it',
  'n1->n2 prepare b2 d1 committed=0',
  'n2->n1 prepare_ack b2 d1 ERR_OK',
  'n1 answers write #1: ok',
  'n3->n1 learn_completion_notify',
  'n1->meta upgrade_to_secondary n3 b3 [primary=n1 secondaries=n2,n3]',
  'n1 becomes inactive (b2)',
  '-- n3 restarts, then a late copy of the invitation arrives',
  'n3 crashes (log keeps 1 entries, storage at d0)',
  'n3 restarts: b2 committed d0 prepared d1',
  'n1->n3 group_check b2 committed=0 (learner invite)',
  'n3 drops its log after d0',
  'n3 becomes potential_secondary (b2)',
  'n3->n1 learn_request committed=0',
  'n3->n1 group_check_ack ERR_OK',
  'n1->n3 learn_response ERR_INVALID_STATE',
  '-- meta accepts the upgrade n1 asked for on the earlier completion',
  'meta config b3 [primary=n1 secondaries=n2,n3] (upgrade_to_secondary n3)',
  'n1 becomes primary (b3)',
  'n1->n2 group_check b3 committed=1',
  'n1->n3 group_check b3 committed=1',
  'n3 becomes inactive (b2)',
  'n2->n1 group_check_ack ERR_OK',
  'n3->n1 group_check_ack ERR_INACTIVE_STATE',
  'n1->meta downgrade_to_inactive n3 b4 [primary=n1 secondaries=n2]',
  'n1 becomes inactive (b3)',
  'meta config b4 [primary=n1 secondaries=n2] (downgrade_to_inactive n3)',
  'n1 becomes primary (b4)',
  'n1->n2 group_check b4 committed=1',
  'n1->n3 remove_replica b4',
  'n2->n1 group_check_ack ERR_OK',
];
