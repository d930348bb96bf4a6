// Proves the replicated store keeps its promises under faults by running the deterministic
// simulation over a fixed seed range and replaying every recorded regression seed, and proves the
// checkers have teeth by injecting known bugs around the core and requiring a seed to catch each.
import test from 'ava';
import { MinimalMetaCore } from './minimal-meta.ts';
import { loadRegressions } from './regressions.ts';
import { runSeed } from './simulation.ts';
import type { SeedResult } from './simulation.ts';

const FRESH_SEEDS_FROM = 1;
const FRESH_SEEDS_COUNT = 500;
const CHUNK = 50;

const regressions = loadRegressions();
const openSeeds = new Map(regressions.filter((r) => r.status === 'open' && r.bug === undefined).map((r) => [r.seed, r]));

function summary(result: SeedResult, bug?: string): string {
  const flag = bug === undefined ? '' : ` --bug ${bug}`;
  return `seed ${result.seed}: ${result.violations.map((v) => v.split('\n')[0]).join(' | ')}\n  reproduce: npm run sim -- --seed ${result.seed}${flag} --verbose`;
}

test('every regression seed marked fixed passes', (t) => {
  const fixed = regressions.filter((r) => r.status === 'fixed');
  for (const regression of fixed) {
    const result = runSeed(regression.seed, regression.bug === undefined ? {} : { bug: regression.bug as 'ack-before-replicated' | 'stale-reads' });
    t.true(result.ok, summary(result));
  }
  t.log(`${fixed.length} fixed regression seeds replayed`);
  t.pass();
});

test('open regression seeds are replayed and reported', (t) => {
  for (const regression of regressions.filter((r) => r.status === 'open')) {
    const result = runSeed(regression.seed, regression.bug === undefined ? {} : { bug: regression.bug as 'ack-before-replicated' | 'stale-reads' });
    t.log(result.ok ? `seed ${regression.seed} (${regression.issue ?? 'unclassified'}) passes now: mark it fixed` : `seed ${regression.seed} still fails (${regression.issue ?? 'unclassified'}): ${result.violations[0]?.split('\n')[0] ?? ''}`);
  }
  t.pass();
});

for (let from = FRESH_SEEDS_FROM; from < FRESH_SEEDS_FROM + FRESH_SEEDS_COUNT; from += CHUNK) {
  const to = Math.min(from + CHUNK, FRESH_SEEDS_FROM + FRESH_SEEDS_COUNT) - 1;
  test(`seeds ${from}..${to} pass, apart from seeds recorded as open bugs`, (t) => {
    const unexpected: string[] = [];
    const knownFailing: number[] = [];
    const nowPassing: number[] = [];
    for (let seed = from; seed <= to; seed++) {
      const result = runSeed(seed);
      const open = openSeeds.get(seed);
      if (result.ok && open !== undefined) nowPassing.push(seed);
      else if (!result.ok && open !== undefined) knownFailing.push(seed);
      else if (!result.ok) unexpected.push(summary(result));
    }
    if (knownFailing.length > 0) t.log(`still failing with open bugs (test/sim/regressions.json): ${knownFailing.join(', ')}`);
    if (nowPassing.length > 0) t.log(`open seeds that pass now; mark them fixed in test/sim/regressions.json: ${nowPassing.join(', ')}`);
    t.deepEqual(unexpected, [], `new failing seeds:\n${unexpected.join('\n')}`);
  });
}

/** Runs seeds from 1 until a checker of the expected kind fails one; undefined if none in range does. */
function firstCaught(bug: 'ack-before-replicated' | 'stale-reads', kinds: readonly string[], limit: number): SeedResult | undefined {
  for (let seed = 1; seed <= limit; seed++) {
    const result = runSeed(seed, { bug });
    if (result.violations.some((v) => kinds.some((kind) => v.startsWith(kind)))) return result;
  }
  return undefined;
}

test('a primary that answers writes before its secondaries logged them is caught', (t) => {
  const caught = firstCaught('ack-before-replicated', ['linearizability', 'acknowledged write lost'], FRESH_SEEDS_COUNT);
  t.truthy(caught, 'no seed in range caught the injected bug');
  t.log(caught === undefined ? '' : summary(caught, 'ack-before-replicated'));
});

test('reads served by any replica instead of the primary are caught', (t) => {
  const caught = firstCaught('stale-reads', ['linearizability'], FRESH_SEEDS_COUNT);
  t.truthy(caught, 'no seed in range caught the injected bug');
  t.log(caught === undefined ? '' : summary(caught, 'stale-reads'));
});

test('the minimal meta core behind the same seam keeps seeds 1..50 passing', (t) => {
  const failing: string[] = [];
  for (let seed = 1; seed <= 50; seed++) {
    const result = runSeed(seed, { metaFactory: MinimalMetaCore.factory });
    if (!result.ok) failing.push(`${summary(result)} --meta minimal`);
  }
  t.deepEqual(failing, []);
});

test('a seed replays exactly', (t) => {
  const first = runSeed(3);
  const second = runSeed(3);
  t.deepEqual(second.operations, first.operations);
  t.is(second.events, first.events);
  t.is(second.virtualMs, first.virtualMs);
});
