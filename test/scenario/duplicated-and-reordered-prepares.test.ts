// Proves that a secondary tolerates duplicated, reordered and stale prepares: it logs each
// (ballot, decree) once, acknowledges duplicates, refuses a prepare from an older ballot, and
// commits strictly in decree order; scripted with the scenario driver and its expected trace.
import test from 'ava';
import { Driver, printTraceIfAsked, type InFlight } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

const prepareTo = (node: string, decree: bigint) => (m: InFlight): boolean =>
  m.to === node && m.message.kind === 'prepare' && m.message.mutation.decree === decree;

test('duplicated and reordered prepares', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2']);
  d.clearTrace();
  d.note('three writes become three mutations (each starts at the next event)');
  d.write('n1', 'a', '1');
  d.write('n1', 'b', '2');
  d.tick();
  d.write('n1', 'c', '3');
  d.tick();
  const inFlight = (decree: bigint): InFlight => {
    const message = d.network.find(prepareTo('n2', decree));
    if (message === undefined) throw new Error(`prepare d${decree} is in flight`);
    return message;
  };
  const [d1, d3] = [inFlight(1n), inFlight(3n)];
  d.note('n2 receives d3, then d1 twice, then d2, then d3 again');
  d.deliverOne(prepareTo('n2', 3n));
  d.network.push(d1);
  d.deliverOne(prepareTo('n2', 1n));
  d.deliverOne(prepareTo('n2', 1n));
  d.deliverOne(prepareTo('n2', 2n));
  d.network.push(d3);
  d.deliverAll();
  d.note('a prepare of the previous ballot arrives late');
  if (d1.message.kind !== 'prepare') throw new Error('unreachable');
  const old = d1.message;
  d.network.push({ ...d1, message: { ...old, config: { ...old.config, ballot: 1n }, mutation: { ...old.mutation, ballot: 1n } } });
  d.deliverAll();
  d.settle(6);
  printTraceIfAsked('TRACE', d.trace);
  t.deepEqual(d.trace, TRACE);
  t.deepEqual([d.value('n2', 'a'), d.value('n2', 'b'), d.value('n2', 'c')], ['1', '2', '3']);
  t.deepEqual(d.states(), ['n1 primary b2 c4 a4', 'n2 secondary b2 c3 a3']);
});

const TRACE: string[] = [
  '-- three writes become three mutations (each starts at the next event)',
  '-- n2 receives d3, then d1 twice, then d2, then d3 again',
  'n1->n2 prepare b2 d3 committed=0',
  'n1->n2 prepare b2 d1 committed=0',
  'n1->n2 prepare b2 d1 committed=0',
  'n1->n2 prepare b2 d2 committed=0',
  'n2->n1 prepare_ack b2 d3 ERR_OK',
  'n2->n1 prepare_ack b2 d1 ERR_OK',
  'n1 answers write #1: ok',
  'n2->n1 prepare_ack b2 d1 ERR_OK',
  'n2->n1 prepare_ack b2 d2 ERR_OK',
  'n1 answers write #2: ok',
  'n1 answers write #3: ok',
  'n1->n2 prepare b2 d3 committed=0',
  'n2->n1 prepare_ack b2 d3 ERR_OK',
  '-- a prepare of the previous ballot arrives late',
  'n1->n2 prepare b1 d1 committed=0',
  'n2->n1 prepare_ack b1 d1 ERR_VERSION_OUTDATED',
  'n1->n2 prepare b2 d4 (empty) committed=3',
  'n2->n1 prepare_ack b2 d4 ERR_OK',
];
