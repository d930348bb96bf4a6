// Proves that a learner whose state is ahead of its primary discards it and starts empty: after a
// power loss with fsync `never`, an operator forces the replica that kept nothing to be primary;
// the one that kept more is told to discard and ends up matching the primary; scripted with the
// scenario driver and its expected trace.
import test from 'ava';
import { Driver, printTraceIfAsked } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

test('a learner ahead of its primary discards its state and starts empty', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], fsync: 'never', core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2']);
  for (let i = 1; i <= 3; i += 1) {
    d.write('n1', `k${i}`, `v${i}`);
    d.settle(6);
  }
  d.osFlush('n2');
  d.clearTrace();
  d.note('power fails; only n2 had its log written back');
  d.crash('n1');
  d.crash('n2');
  d.restart('n1');
  d.restart('n2');
  d.syncAll();
  d.settle(5);
  d.syncAll();
  d.settle(5);
  d.note('an operator forces n1 to be primary and adds n2');
  d.propose('n1', 'assign_primary', 'n1');
  d.settle();
  d.propose('n1', 'add_secondary', 'n2');
  d.settle(6);
  printTraceIfAsked('TRACE', d.trace);
  t.deepEqual(d.trace, TRACE);
  t.is(d.value('n2', 'k1'), undefined);
  t.deepEqual(d.states(), ['n1 primary b6 c0 a0', 'n2 secondary b6 c0 a0']);
});

const TRACE: string[] = [
  '-- power fails; only n2 had its log written back',
  'n1 crashes (log keeps 0 entries, storage at d0)',
  'n2 crashes (log keeps 6 entries, storage at d0)',
  'n1 restarts: b2 committed d0 prepared d0',
  'n2 restarts: b2 committed d5 prepared d6',
  'n1->meta downgrade_to_inactive n1 b3 [primary=- secondaries=n2]',
  'meta config b3 [primary=- secondaries=n2] (downgrade_to_inactive n1)',
  'n2->meta downgrade_to_inactive n2 b4 [primary=- secondaries=-]',
  'meta config b4 [primary=- secondaries=-] (downgrade_to_inactive n2)',
  '-- an operator forces n1 to be primary and adds n2',
  'meta->n1 proposal assign_primary n1 (b4)',
  'n1->meta assign_primary n1 b5 [primary=n1 secondaries=-]',
  'meta config b5 [primary=n1 secondaries=-] (assign_primary n1)',
  'n1 becomes primary (b5)',
  'meta->n1 proposal add_secondary n2 (b5)',
  'n1->n2 group_check b5 committed=0 (learner invite)',
  'n2 drops its log after d5',
  'n2 becomes potential_secondary (b3)',
  'n2->n1 learn_request committed=5',
  'n2->n1 group_check_ack ERR_OK',
  'n1->n2 learn_response discard-your-state',
  'n2 discards its state',
  'n2->n1 learn_request committed=0',
  'n1->n2 learn_response LT_CACHE mutations=none prepare_start=d1',
  'n2->n1 learn_completion_notify',
  'n1->meta upgrade_to_secondary n2 b6 [primary=n1 secondaries=n2]',
  'n1 becomes inactive (b5)',
  'meta config b6 [primary=n1 secondaries=n2] (upgrade_to_secondary n2)',
  'n1 becomes primary (b6)',
  'n1->n2 group_check b6 committed=0',
  'n2 becomes secondary (b6)',
  'n2->n1 group_check_ack ERR_OK',
];
