// npm run sim -- --seeds N [--from F]   run N seeds (F, F+1, ...), print progress and a summary
// npm run sim -- --seed S [--verbose [--messages]]  replay one seed exactly, optionally with the
//                                        whole trace (and every message delivered)
// --bug ack-before-replicated|stale-reads|ignore-lease runs with a deliberately injected bug (checker demo)
// --meta minimal                        drive the minimal meta core instead of cluster/meta/core
// --no-record                            do not append failing seeds to regressions.json
import { execSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import type { InjectedBug } from './context.ts';
import { MinimalMetaCore } from './minimal-meta.ts';
import { realMetaCore } from './real-meta.ts';
import { recordRegression } from './regressions.ts';
import { runSeed } from './simulation.ts';
import type { SeedResult } from './simulation.ts';
import { describeSwarm } from './swarm.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string' },
    seed: { type: 'string' },
    from: { type: 'string', default: '1' },
    verbose: { type: 'boolean', default: false },
    messages: { type: 'boolean', default: false },
    bug: { type: 'string', default: 'none' },
    'no-record': { type: 'boolean', default: false },
    'stop-on-failure': { type: 'boolean', default: false },
    meta: { type: 'string', default: 'real' },
  },
});

const bug = values.bug as InjectedBug;
if (values.meta !== 'real' && values.meta !== 'minimal') throw new Error(`unknown --meta ${values.meta}`);
const metaFactory = values.meta === 'minimal' ? MinimalMetaCore.factory : realMetaCore;
if (!['none', 'ack-before-replicated', 'stale-reads', 'ignore-lease'].includes(bug)) throw new Error(`unknown --bug ${bug}`);

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown';
  }
}

function reproduce(seed: number): string {
  return `npm run sim -- --seed ${seed}${bug === 'none' ? '' : ` --bug ${bug}`}${values.meta === 'real' ? '' : ` --meta ${values.meta}`} --verbose`;
}

function report(result: SeedResult): void {
  console.log(`\nFAIL seed ${result.seed} (commit ${commit()}): ${describeSwarm(result.swarm)}`);
  for (const violation of result.violations) console.log(`  ${violation}`);
  console.log('  last trace lines:');
  for (const line of result.traceTail.slice(-25)) console.log(`    ${line}`);
  console.log(`  reproduce: ${reproduce(result.seed)}`);
  if (!values['no-record']) {
    const added = recordRegression({
      seed: result.seed,
      status: 'open',
      issue: 'unclassified',
      found: `${new Date().toISOString().slice(0, 10)} at ${commit()}`,
      violation: (result.violations[0] ?? '').split('\n')[0] ?? '',
      ...(bug === 'none' ? {} : { bug }),
    });
    if (added) console.log('  recorded in test/sim/regressions.json as open');
  }
}

if (values.seed !== undefined) {
  const seed = Number(values.seed);
  const started = performance.now();
  const result = runSeed(seed, { verbose: values.verbose, traceMessages: values.messages, bug, metaFactory });
  console.log(`seed ${seed}: ${describeSwarm(result.swarm)}`);
  for (const partition of result.needsOperator) console.log(`needs an operator (by design): ${partition}`);
  console.log(`faults: ${JSON.stringify(result.faults)} network: ${JSON.stringify(result.network)}`);
  console.log(`virtual ${result.virtualMs} ms, ${result.events} events, ops ${JSON.stringify(result.operations)}, wall ${Math.round(performance.now() - started)} ms`);
  if (result.ok) console.log('PASS');
  else report(result);
  process.exitCode = result.ok ? 0 : 1;
} else {
  const count = Number(values.seeds ?? '100');
  const from = Number(values.from);
  const started = performance.now();
  const failures: number[] = [];
  let virtualMs = 0;
  let operations = 0;
  const needsOperator: number[] = [];
  const faultTotals = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const seed = from + i;
    const result = runSeed(seed, { bug, metaFactory });
    for (const [name, count] of Object.entries(result.faults)) faultTotals.set(name, (faultTotals.get(name) ?? 0) + count);
    virtualMs += result.virtualMs;
    if (result.needsOperator.length > 0) needsOperator.push(seed);
    operations += result.operations.ok + result.operations.failed + result.operations.unknown;
    if (!result.ok) {
      failures.push(seed);
      report(result);
      if (values['stop-on-failure']) break;
    }
    if ((i + 1) % 50 === 0 || i + 1 === count) {
      const elapsed = (performance.now() - started) / 1000;
      console.log(`${i + 1}/${count} seeds, ${failures.length} failed, ${elapsed.toFixed(1)} s wall, ${((i + 1) / elapsed).toFixed(1)} seeds/s`);
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  console.log(`\nsummary: seeds ${from}..${from + count - 1}, ${failures.length} failed${failures.length > 0 ? ` (${failures.join(', ')})` : ''}, ${operations} client operations, ${needsOperator.length} seeds left a partition for an operator by design${needsOperator.length > 0 ? ` (${needsOperator.slice(0, 20).join(', ')}${needsOperator.length > 20 ? ', ...' : ''})` : ''}, ${(virtualMs / 1000).toFixed(0)} s virtual, ${elapsed.toFixed(1)} s wall, commit ${commit()}`);
  console.log(`faults injected: ${[...faultTotals].map(([name, count]) => `${name} ${count}`).join(', ')}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}
