// Proves what a whole-cluster restart keeps under each fsync policy: with `always` every
// acknowledged write survives; with `never` only what the OS wrote back survives, as in Pegasus.
// Restarted replicas ask meta to drop them, meta picks the most advanced one as primary, it
// re-prepares its tail alone and the others learn; scripted with the scenario driver.
import test from 'ava';
import { Driver, printTraceIfAsked, type FsyncPolicy } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

function restartWholeCluster(fsync: FsyncPolicy): { d: Driver; readA: number; readB: number } {
  const d = new Driver({ nodes: ['n1', 'n2', 'n3'], fsync, core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2', 'n3']);
  d.write('n1', 'a', '1');
  d.settle(6);
  d.note('the OS writes back its page cache on every node');
  for (const node of ['n1', 'n2', 'n3']) d.osFlush(node);
  d.write('n1', 'b', '2');
  d.settle(6);
  d.clearTrace();
  d.note('power fails everywhere, then every node restarts');
  for (const node of ['n1', 'n2', 'n3']) d.crash(node);
  for (const node of ['n1', 'n2', 'n3']) d.restart(node);
  d.note('meta still lists them; each restarted replica asks to be dropped');
  for (let round = 0; round < 3; round += 1) {
    d.syncAll();
    d.settle(5);
  }
  d.note('all were dropped: meta compares the last two dropped replicas and assigns the primary');
  const primary = d.metaAssignPrimaryFromReports() ?? '';
  d.settle();
  for (const node of ['n1', 'n2', 'n3'].filter((n) => n !== primary)) {
    d.propose(primary, 'add_secondary', node);
    d.settle();
  }
  d.settle(6);
  const readA = d.read(primary, 'a');
  const readB = d.read(primary, 'b');
  return { d, readA, readB };
}

test('whole-cluster restart with fsync always keeps every acknowledged write', (t) => {
  const { d, readA, readB } = restartWholeCluster('always');
  printTraceIfAsked('TRACE_ALWAYS', d.trace);
  t.deepEqual(d.trace, TRACE_ALWAYS);
  t.is(d.readValues.get(readA), '1');
  t.is(d.readValues.get(readB), '2');
});

test('whole-cluster restart with fsync never loses the acknowledged write not yet written back', (t) => {
  const { d, readA, readB } = restartWholeCluster('never');
  printTraceIfAsked('TRACE_NEVER', d.trace);
  t.deepEqual(d.trace, TRACE_NEVER);
  t.is(d.readValues.get(readA), '1');
  t.is(d.readValues.get(readB), undefined);
});

const TRACE_ALWAYS: string[] = [
  '-- power fails everywhere, then every node restarts',
  'n1 crashes (log keeps 4 entries, storage at d0)',
  'n2 crashes (log keeps 4 entries, storage at d0)',
  'n3 crashes (log keeps 4 entries, storage at d0)',
  'n1 restarts: b3 committed d3 prepared d4',
  'n2 restarts: b3 committed d3 prepared d4',
  'n3 restarts: b3 committed d3 prepared d4',
  '-- meta still lists them; each restarted replica asks to be dropped',
  'n1->meta downgrade_to_inactive n1 b4 [primary=- secondaries=n2,n3]',
  'meta config b4 [primary=- secondaries=n2,n3] (downgrade_to_inactive n1)',
  'n2->meta downgrade_to_inactive n2 b5 [primary=- secondaries=n3]',
  'meta config b5 [primary=- secondaries=n3] (downgrade_to_inactive n2)',
  'n3->meta downgrade_to_inactive n3 b6 [primary=- secondaries=-]',
  'meta config b6 [primary=- secondaries=-] (downgrade_to_inactive n3)',
  '-- all were dropped: meta compares the last two dropped replicas and assigns the primary',
  'meta reports: n2(b4 c3 p4) n3(b5 c3 p4)',
  'meta->n3 proposal assign_primary n3 (b6)',
  'n3->meta assign_primary n3 b7 [primary=n3 secondaries=-]',
  'meta config b7 [primary=n3 secondaries=-] (assign_primary n3)',
  'n3 becomes primary (b7)',
  'meta->n3 proposal add_secondary n1 (b7)',
  'n3->n1 group_check b7 committed=4 (learner invite)',
  'n1 drops its log after d3',
  'n1 becomes potential_secondary (b3)',
  'n1->n3 learn_request committed=3',
  'n1->n3 group_check_ack ERR_OK',
  'n3->n1 learn_response LT_CACHE mutations=d4..d4 prepare_start=d5',
  'n1->n3 learn_completion_notify',
  'n3->meta upgrade_to_secondary n1 b8 [primary=n3 secondaries=n1]',
  'n3 becomes inactive (b7)',
  'meta config b8 [primary=n3 secondaries=n1] (upgrade_to_secondary n1)',
  'n3 becomes primary (b8)',
  'n3->n1 group_check b8 committed=4',
  'n1 becomes secondary (b8)',
  'n1->n3 group_check_ack ERR_OK',
  'meta->n3 proposal add_secondary n2 (b8)',
  'n3->n2 group_check b8 committed=4 (learner invite)',
  'n2 drops its log after d3',
  'n2 becomes potential_secondary (b4)',
  'n2->n3 learn_request committed=3',
  'n2->n3 group_check_ack ERR_OK',
  'n3->n2 learn_response LT_CACHE mutations=d4..d4 prepare_start=d5',
  'n2->n3 learn_completion_notify',
  'n3->meta upgrade_to_secondary n2 b9 [primary=n3 secondaries=n1,n2]',
  'n3 becomes inactive (b8)',
  'meta config b9 [primary=n3 secondaries=n1,n2] (upgrade_to_secondary n2)',
  'n3 becomes primary (b9)',
  'n3->n1 group_check b9 committed=4',
  'n3->n2 group_check b9 committed=4',
  'n2 becomes secondary (b9)',
  'n1->n3 group_check_ack ERR_OK',
  'n2->n3 group_check_ack ERR_OK',
  'n3 answers read #3: ok a=1',
  'n3 answers read #4: ok b=2',
];
const TRACE_NEVER: string[] = [
  '-- power fails everywhere, then every node restarts',
  'n1 crashes (log keeps 2 entries, storage at d0)',
  'n2 crashes (log keeps 2 entries, storage at d0)',
  'n3 crashes (log keeps 2 entries, storage at d0)',
  'n1 restarts: b3 committed d1 prepared d2',
  'n2 restarts: b3 committed d1 prepared d2',
  'n3 restarts: b3 committed d1 prepared d2',
  '-- meta still lists them; each restarted replica asks to be dropped',
  'n1->meta downgrade_to_inactive n1 b4 [primary=- secondaries=n2,n3]',
  'meta config b4 [primary=- secondaries=n2,n3] (downgrade_to_inactive n1)',
  'n2->meta downgrade_to_inactive n2 b5 [primary=- secondaries=n3]',
  'meta config b5 [primary=- secondaries=n3] (downgrade_to_inactive n2)',
  'n3->meta downgrade_to_inactive n3 b6 [primary=- secondaries=-]',
  'meta config b6 [primary=- secondaries=-] (downgrade_to_inactive n3)',
  '-- all were dropped: meta compares the last two dropped replicas and assigns the primary',
  'meta reports: n2(b4 c1 p2) n3(b5 c1 p2)',
  'meta->n3 proposal assign_primary n3 (b6)',
  'n3->meta assign_primary n3 b7 [primary=n3 secondaries=-]',
  'meta config b7 [primary=n3 secondaries=-] (assign_primary n3)',
  'n3 becomes primary (b7)',
  'meta->n3 proposal add_secondary n1 (b7)',
  'n3->n1 group_check b7 committed=2 (learner invite)',
  'n1 drops its log after d1',
  'n1 becomes potential_secondary (b3)',
  'n1->n3 learn_request committed=1',
  'n1->n3 group_check_ack ERR_OK',
  'n3->n1 learn_response LT_CACHE mutations=d2..d2 prepare_start=d3',
  'n1->n3 learn_completion_notify',
  'n3->meta upgrade_to_secondary n1 b8 [primary=n3 secondaries=n1]',
  'n3 becomes inactive (b7)',
  'meta config b8 [primary=n3 secondaries=n1] (upgrade_to_secondary n1)',
  'n3 becomes primary (b8)',
  'n3->n1 group_check b8 committed=2',
  'n1 becomes secondary (b8)',
  'n1->n3 group_check_ack ERR_OK',
  'meta->n3 proposal add_secondary n2 (b8)',
  'n3->n2 group_check b8 committed=2 (learner invite)',
  'n2 drops its log after d1',
  'n2 becomes potential_secondary (b4)',
  'n2->n3 learn_request committed=1',
  'n2->n3 group_check_ack ERR_OK',
  'n3->n2 learn_response LT_CACHE mutations=d2..d2 prepare_start=d3',
  'n2->n3 learn_completion_notify',
  'n3->meta upgrade_to_secondary n2 b9 [primary=n3 secondaries=n1,n2]',
  'n3 becomes inactive (b8)',
  'meta config b9 [primary=n3 secondaries=n1,n2] (upgrade_to_secondary n2)',
  'n3 becomes primary (b9)',
  'n3->n1 group_check b9 committed=2',
  'n3->n2 group_check b9 committed=2',
  'n2 becomes secondary (b9)',
  'n1->n3 group_check_ack ERR_OK',
  'n2->n3 group_check_ack ERR_OK',
  'n3 answers read #3: ok a=1',
  'n3 answers read #4: ok b=(none)',
];
