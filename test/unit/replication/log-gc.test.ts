// Proves the log garbage-collection bound: the log is never collected past the newest checkpoint
// nor past the external bound the duplication sets, and lifting that bound lets collection catch
// up; driven through the scenario driver and its trace of gcLogThrough.
import test from 'ava';
import { Driver } from '../../scenario/driver.ts';
import { SCENARIO_OPTIONS } from '../../scenario/options.ts';

function groupWithWrites(count: number): Driver {
  const d = new Driver({ nodes: ['n1', 'n2'], core: SCENARIO_OPTIONS });
  d.formGroup('n1', ['n2']);
  for (let i = 1; i <= count; i += 1) {
    d.write('n1', `k${i}`, `v${i}`);
    d.settle();
  }
  d.clearTrace();
  return d;
}

const gcLines = (d: Driver): string[] => d.trace.filter((line) => line.includes('log GC'));

test('the log is collected up to the checkpoint, not beyond', (t) => {
  const d = groupWithWrites(4);
  d.checkpoint('n1');
  d.write('n1', 'k5', 'v5');
  d.settle();
  t.deepEqual(gcLines(d), ['n1 log GC through d4']);
});

test('the duplication bound holds collection back until it moves or is lifted', (t) => {
  const d = groupWithWrites(4);
  d.input('n1', { kind: 'gc_bound', decree: 2n });
  d.checkpoint('n1');
  t.deepEqual(gcLines(d), ['n1 log GC through d2']);
  d.input('n1', { kind: 'gc_bound', decree: 3n });
  d.input('n1', { kind: 'gc_bound', decree: undefined });
  t.deepEqual(gcLines(d), ['n1 log GC through d2', 'n1 log GC through d3', 'n1 log GC through d4']);
});

test('without a checkpoint nothing is collected', (t) => {
  const d = groupWithWrites(6);
  d.input('n1', { kind: 'gc_bound', decree: 5n });
  t.deepEqual(gcLines(d), []);
});
