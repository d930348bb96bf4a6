// Proves that learn responses are bounded by bytes as well as by count, and that a learner still
// catches up: LT_LOG rounds carry as many mutations as fit the byte bound (one oversized mutation
// travels alone), the LT_CACHE round cut inside the primary's uncommitted tail hands the rest over
// as prepares (prepare_start right after the cut), and the learner ends a secondary holding every
// value; scripted with the scenario driver and its expected trace.
import test from 'ava';
import { mutationBytes } from '../../cluster/replication/mutation-bytes.ts';
import type { LearnResponseMessage } from '../../cluster/replication/messages.ts';
import { Driver, encodeWrite, printTraceIfAsked } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

const LEARN_BYTES_MAX = 1100;
const value = (i: number): string => (i === 5 ? 'B' : String.fromCharCode(96 + i)).repeat(i === 5 ? 2000 : 400);

test('a learner catches up over byte-bounded learn rounds', (t) => {
  const d = new Driver({
    nodes: ['n1', 'n2', 'n3'],
    core: { ...SCENARIO_OPTIONS, prepareListCapacity: 4, mutationsInFlightMax: 2, learnResponseBytesMax: LEARN_BYTES_MAX },
  });
  d.formGroup('n1', ['n2']);
  for (let i = 1; i <= 8; i += 1) {
    d.write('n1', `k${i}`, value(i));
    d.settle();
  }
  d.note('n2 log IO stalls: d9 and d10 stay uncommitted on n1');
  d.logHeld.add('n2');
  d.write('n1', 'k9', value(9));
  d.write('n1', 'k10', value(10));
  d.settle();
  d.clearTrace();

  const responses: LearnResponseMessage[] = [];
  const push = d.network.push.bind(d.network);
  d.network.push = (...items) => {
    for (const item of items) if (item.message.kind === 'learn_response') responses.push(item.message);
    return push(...items);
  };
  d.note('meta adds n3: decrees 1-6 only in the log, 7-10 in the prepare list, about 500 bytes each and 2 KB at d5');
  d.propose('n1', 'add_secondary', 'n3');
  d.settle();
  d.note('n2 log IO resumes');
  d.logHeld.delete('n2');
  d.completeLog('n2');
  d.settle(6);
  printTraceIfAsked('TRACE', d.trace);
  t.deepEqual(d.trace, TRACE);

  // Every response within the byte bound, or a single mutation.
  for (const response of responses) {
    const bytes = response.mutations.reduce((sum, m) => sum + mutationBytes(m), 0);
    t.true(bytes <= LEARN_BYTES_MAX || response.mutations.length === 1, `${bytes} bytes in ${response.mutations.length} mutations`);
  }
  t.is(mutationBytes({ ballot: 1n, decree: 1n, lastCommittedDecree: 0n, timestampUs: 0n, requests: [encodeWrite('k5', value(5))], sizeBytes: 0 }) > LEARN_BYTES_MAX, true);
  for (let i = 1; i <= 10; i += 1) t.is(d.value('n3', `k${i}`), value(i), `k${i}`);
  t.deepEqual(d.states(), ['n1 primary b3 c11 a11', 'n2 secondary b3 c10 a10', 'n3 secondary b3 c10 a10']);
});

const TRACE: string[] = [
  '-- meta adds n3: decrees 1-6 only in the log, 7-10 in the prepare list, about 500 bytes each and 2 KB at d5',
  'meta->n1 proposal add_secondary n3 (b2)',
  'n1->n3 group_check b2 committed=8 (learner invite)',
  'n3 becomes potential_secondary (b0)',
  'n1->n2 prepare b2 d10 committed=8',
  'n3->n1 learn_request committed=0',
  'n3->n1 group_check_ack ERR_OK',
  'n1->n3 learn_response LT_LOG mutations=d1..d2',
  'n3->n1 learn_request committed=2',
  'n1->n3 learn_response LT_LOG mutations=d3..d4',
  'n3->n1 learn_request committed=4',
  'n1->n3 learn_response LT_LOG mutations=d5..d5',
  'n3->n1 learn_request committed=5',
  'n1->n3 learn_response LT_LOG mutations=d6..d6',
  'n3->n1 learn_request committed=6',
  'n1->n3 learn_response LT_CACHE mutations=d7..d8 prepare_start=d9',
  'n1->n3 prepare b2 d9 committed=8',
  'n1->n3 prepare b2 d10 committed=8',
  'n3->n1 learn_completion_notify',
  'n1->meta upgrade_to_secondary n3 b3 [primary=n1 secondaries=n2,n3]',
  'n1 becomes inactive (b2)',
  'meta config b3 [primary=n1 secondaries=n2,n3] (upgrade_to_secondary n3)',
  'n1 becomes primary (b3)',
  'n3->n1 prepare_ack b2 d9 ERR_OK',
  'n3->n1 prepare_ack b2 d10 ERR_OK',
  'n1->n2 prepare b3 d9 committed=8',
  'n1->n3 prepare b3 d9 committed=8',
  'n3 becomes secondary (b3)',
  'n1->n2 prepare b3 d10 committed=8',
  'n1->n3 prepare b3 d10 committed=8',
  'n1->n2 group_check b3 committed=8',
  'n1->n3 group_check b3 committed=8',
  'n3->n1 prepare_ack b3 d9 ERR_OK',
  'n3->n1 prepare_ack b3 d10 ERR_OK',
  'n2->n1 group_check_ack ERR_OK',
  'n3->n1 group_check_ack ERR_OK',
  '-- n2 log IO resumes',
  'n2->n1 prepare_ack b3 d9 ERR_OK',
  'n1 answers write #9: ok',
  'n2->n1 prepare_ack b3 d10 ERR_OK',
  'n1 answers write #10: ok',
  'n1->n2 prepare b3 d11 (empty) committed=10',
  'n1->n3 prepare b3 d11 (empty) committed=10',
  'n2->n1 prepare_ack b3 d11 ERR_OK',
  'n3->n1 prepare_ack b3 d11 ERR_OK',
];
