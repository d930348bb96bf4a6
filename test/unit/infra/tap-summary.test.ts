// Proves the closing line `npm test` prints for CI matches ava's own counts, by feeding it TAP
// written the way ava's TAP reporter writes it, with and without a summary.
import test from 'ava';
import { closingLine, countTapResults } from '../../../infra/tap-summary.ts';

const withSummary = [
  'TAP version 13',
  'ok 1 - unit › a',
  'not ok 2 - unit › b',
  '  ---',
  '    message: boom',
  '  ...',
  'ok 3 - unit › c # SKIP',
  '',
  '1..3',
  '# tests 3',
  '# pass 1',
  '# skip 1',
  '# fail 1',
  '',
].join('\n');

test('counts come from the TAP summary', (t) => {
  t.deepEqual(countTapResults(withSummary), { passed: 1, failed: 1, skipped: 1 });
  t.is(closingLine(countTapResults(withSummary), 1), '1 passed, 1 failed, 1 skipped');
});

test('without a summary the result lines are counted', (t) => {
  const cut = withSummary.slice(0, withSummary.indexOf('\n1..3'));
  t.deepEqual(countTapResults(cut), { passed: 1, failed: 1, skipped: 1 });
});

test('a green run has no skipped part', (t) => {
  t.is(closingLine({ passed: 12, failed: 0, skipped: 0 }, 0), '12 passed, 0 failed');
});

test('a run that failed never closes with 0 failed', (t) => {
  t.is(closingLine(countTapResults('TAP version 13\n'), 1), '0 passed, 1 failed');
});
