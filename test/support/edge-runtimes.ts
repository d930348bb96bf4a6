// The edge client bundle and the scenario (test/support/edge-scenario.ts) in the forms the edge
// runtime tests load: ES modules for workerd, scripts defining globals for the Edge Runtime VM
// (which evaluates scripts, not modules), plus what a run of the scenario must return.
import type { ExecutionContext } from 'ava';
import { build, transform } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEdgeBundle, type EdgeBundle } from '../../infra/bundle/edge-bundle.ts';
import { createClient, partitionOf } from '../../client/node/index.ts';
import type { ClientCluster } from './client-cluster.ts';
import type { EdgeScenarioResult } from './edge-scenario.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface EdgeArtifacts {
  readonly bundle: EdgeBundle;
  /** The bundle's ES module rewritten as a script that sets globalThis.PegasusEdge. */
  readonly bundleScript: string;
  /** The scenario as an ES module exporting edgeScenario. */
  readonly scenarioModule: string;
  /** The scenario as a script that sets globalThis.EdgeScenario.edgeScenario. */
  readonly scenarioScript: string;
}

export async function edgeArtifacts(): Promise<EdgeArtifacts> {
  const bundle = await buildEdgeBundle(root);
  // Only the module wrapper changes: the same minified code, its exports gathered in a global.
  const bundleScript = (await transform(bundle.code, { format: 'iife', globalName: 'PegasusEdge', minify: true, target: 'es2022' })).code;
  const scenario = async (format: 'esm' | 'iife'): Promise<string> => {
    const result = await build({
      absWorkingDir: root,
      entryPoints: ['test/support/edge-scenario.ts'],
      bundle: true,
      format,
      platform: 'neutral',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      ...(format === 'iife' ? { globalName: 'EdgeScenario' } : {}),
    });
    const text = result.outputFiles[0]?.text;
    if (text === undefined) throw new Error('esbuild produced no scenario');
    return text;
  };
  return { bundle, bundleScript, scenarioModule: await scenario('esm'), scenarioScript: await scenario('iife') };
}

/** The bundle is one self-contained module: no import statement and nothing from node_modules. */
export function assertSelfContained(t: ExecutionContext, bundle: EdgeBundle): void {
  t.false(/(^|[;}])\s*import[\s{*"']/.test(bundle.code), 'the bundle imports nothing');
  t.false(/\bimport\(/.test(bundle.code), 'the bundle loads nothing at run time');
  t.deepEqual(bundle.inputs.filter((input) => !/^(client|cluster|common)\//.test(input)), [], 'only the project\'s own modules');
  t.false(bundle.inputs.some((input) => input.startsWith('client/node/') || input.includes('/node/')), 'no Node transport or Node shell');
}

/** What the scenario returns when every operation did what it should, and what it left on the servers. */
export async function assertScenario(t: ExecutionContext, result: EdgeScenarioResult, cluster: ClientCluster): Promise<void> {
  t.deepEqual(result.nodeGlobals, { Buffer: 'undefined', process: 'undefined', require: 'undefined', setImmediate: 'undefined', __dirname: 'undefined' });
  t.is(result.get, 'hello from the edge');
  t.is(result.missing, null);
  t.true(result.ttl !== null && result.ttl > 3500 && result.ttl <= 3600, `ttl ${result.ttl}`);
  t.deepEqual(result.exist, [true, false]);
  t.deepEqual(result.multiGet, ['k05=v-k05', 'k06=v-k06', 'k07=v-k07']);
  t.true(result.multiGetAllFetched);
  t.deepEqual(result.sortKeys, ['k00', 'k01', 'k02']);
  t.is(result.sortKeyCount, 20);
  t.is(result.incr, '40,42');
  t.deepEqual(result.checkAndSet, [true, false]);
  t.true(result.checkAndMutate);
  t.deepEqual(result.compareExchange, [false, 'm']);
  t.deepEqual(result.scanned, Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`));
  t.is(result.unordered, 23, 'edge: greeting, counter, mutated; edge-many: 20');
  t.deepEqual(result.batchGet, ['one', 'two', null]);
  t.is(result.delRange, 10);
  t.is(result.afterDel, null);
  t.deepEqual(result.badInput, { code: 'ERR_INVALID_PARAMETERS', isClientError: true, message: result.badInput.message });
  t.regex(result.badInput.message, /value must be a Uint8Array or a string, got number/);
  t.is(result.missingTable, 'ERR_OBJECT_NOT_FOUND');
  t.is(result.aborted, 'ERR_ABORTED');
  t.is(result.leftEarly, 2);
  // close() waited for the clear_scanner of the scanner left early: the runtime did not drop it.
  const scanHost = cluster.replicas[cluster.hostOf(partitionOf('edge-many', cluster.partitionCount))];
  t.is(scanHost?.cleared.length, 1, 'one clear_scanner, from the scanner left early');
  t.true(cluster.replicas.every((replica) => replica.served.length > 0), 'both replica servers answered');
  t.is(cluster.metas[0]?.queries, 2, 'one routing query for the table, one for the missing table');
  // What the runtime wrote is on the servers: read it back over TCP.
  const client = createClient({ metaServers: cluster.metaAddresses });
  try {
    const table = await client.openTable(cluster.tableName);
    const text = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));
    t.is(text(await table.get('edge', 'greeting')), 'hello from the edge');
    t.is(text(await table.get('edge', 'counter')), '42');
    t.is(await table.get('b1', 's'), null);
    t.is(text(await table.get('b2', 's')), 'two');
    t.is(await table.sortKeyCount('edge-many'), 10);
    t.is(await table.get('edge', 'bad'), null, 'bad input wrote nothing');
  } finally {
    await client.close();
  }
}
