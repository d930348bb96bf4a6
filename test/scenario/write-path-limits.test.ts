// Proves the primary's write-path rules with the scenario driver: consecutive writes are batched
// into one mutation up to the byte bound, a full write queue answers ERR_CAPACITY_EXCEEDED, too few
// members answer ERR_NOT_ENOUGH_MEMBER, a secondary refuses reads, and a client is answered only
// after every member logged the write.
import test from 'ava';
import { Driver, encodeWrite } from './driver.ts';
import { SCENARIO_OPTIONS } from './options.ts';

test('writes arriving while a mutation is in flight are batched into one mutation', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2']);
  d.clearTrace();
  d.write('n1', 'a', '1');
  for (let i = 0; i < 5; i += 1) d.write('n1', `k${i}`, 'x');
  d.settle();
  const prepares = d.trace.filter((line) => line.startsWith('n1->n2 prepare '));
  t.deepEqual(prepares, ['n1->n2 prepare b2 d1 committed=0', 'n1->n2 prepare b2 d2 committed=1']);
  t.is(d.value('n1', 'k4'), 'x');
});

test('a batch closes at the byte bound', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], core: { ...SCENARIO_OPTIONS, mutationBatchBytesMax: 8 } });
  d.formGroup('n1', ['n2']);
  d.clearTrace();
  d.write('n1', 'a', '1');
  for (let i = 0; i < 4; i += 1) d.write('n1', `k${i}`, 'x'); // 4 bytes each
  d.settle();
  t.is(d.trace.filter((line) => line.startsWith('n1->n2 prepare ')).length, 3);
});

test('a full write queue answers ERR_CAPACITY_EXCEEDED', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], core: { ...SCENARIO_OPTIONS, writeQueueRequestsMax: 2 } });
  d.formGroup('n1', ['n2']);
  d.logHeld.add('n2');
  const ids = [d.write('n1', 'a', '1'), d.write('n1', 'b', '2'), d.write('n1', 'c', '3'), d.write('n1', 'd', '4')];
  t.like(d.outcomes.get(ids[3] ?? 0), { ok: false, code: 'ERR_CAPACITY_EXCEEDED', retriable: true });
  t.is(d.outcomes.get(ids[0] ?? 0), undefined, 'not answered before n2 logged it');
  d.deliverAll();
  t.is(d.outcomes.get(ids[0] ?? 0), undefined, 'still not answered: n2 has not logged');
  d.logHeld.delete('n2');
  d.completeLog('n2');
  d.settle();
  t.like(d.outcomes.get(ids[0] ?? 0), { ok: true });
  t.like(d.outcomes.get(ids[2] ?? 0), { ok: true });
});

test('a primary alone answers ERR_NOT_ENOUGH_MEMBER; a secondary refuses reads and writes', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], core: SCENARIO_OPTIONS });
  d.formGroup('n1', []);
  const alone = d.write('n1', 'a', '1');
  t.like(d.outcomes.get(alone), { ok: false, code: 'ERR_NOT_ENOUGH_MEMBER' });
  d.propose('n1', 'add_secondary', 'n2');
  d.settle();
  const read = d.read('n2', 'a');
  const write = d.write('n2', 'a', '1');
  t.like(d.outcomes.get(read), { ok: false, code: 'ERR_INVALID_STATE' });
  t.like(d.outcomes.get(write), { ok: false, code: 'ERR_INVALID_STATE' });
});

test('an idle primary sends an empty write so secondaries commit the tail', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2']);
  d.write('n1', 'a', '1');
  d.settle();
  t.is(d.value('n2', 'a'), undefined, 'n2 logged a=1 but does not know it committed');
  d.settle(5);
  t.is(d.value('n2', 'a'), '1');
  t.deepEqual(d.states(), ['n1 primary b2 c2 a2', 'n2 secondary b2 c1 a1']);
});

test('a write that is not batchable gets a mutation of its own', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2']);
  d.clearTrace();
  d.write('n1', 'a', '1');
  d.write('n1', 'b', '2');
  const payload = encodeWrite('c', '3');
  d.input('n1', { kind: 'client_write', requestId: 100, payload, sizeBytes: payload.length, batchable: false, timestampUs: 0n });
  d.write('n1', 'e', '5');
  d.settle();
  const prepares = d.trace.filter((line) => line.startsWith('n1->n2 prepare '));
  t.deepEqual(prepares.map((line) => line.split(' ')[3]), ['d1', 'd2', 'd3', 'd4']);
  t.like(d.outcomes.get(100), { ok: true });
});

test('a write over the write body limit is refused by its payload, whatever size it declares', (t) => {
  const d = new Driver({ nodes: ['n1', 'n2'], core: { ...SCENARIO_OPTIONS, writeBodyBytesMax: 64 } });
  d.formGroup('n1', ['n2']);
  d.clearTrace();
  const fits = encodeWrite('a', 'x'.repeat(62));
  const over = encodeWrite('b', 'x'.repeat(63));
  d.input('n1', { kind: 'client_write', requestId: 100, payload: fits, sizeBytes: fits.length, batchable: true, timestampUs: 0n });
  d.input('n1', { kind: 'client_write', requestId: 101, payload: over, sizeBytes: over.length, batchable: true, timestampUs: 0n });
  d.input('n1', { kind: 'client_write', requestId: 102, payload: over, sizeBytes: 1, batchable: true, timestampUs: 0n });
  d.settle();
  t.like(d.outcomes.get(100), { ok: true });
  t.like(d.outcomes.get(101), { ok: false, code: 'ERR_INVALID_DATA' });
  t.like(d.outcomes.get(102), { ok: false, code: 'ERR_INVALID_DATA' });
  t.is(d.value('n2', 'b'), undefined);
  t.deepEqual(d.trace.filter((line) => line.startsWith('n1->n2 prepare ')), ['n1->n2 prepare b2 d1 committed=0']);
});
