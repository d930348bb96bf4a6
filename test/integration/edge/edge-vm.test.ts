// The edge client bundle inside the Edge Runtime VM (@edge-runtime/vm, the runtime of Vercel Edge
// Functions and Next.js middleware): a context with Web APIs only, no Buffer, no process, no
// require. The bundle is loaded as a script (the VM evaluates scripts, not modules) and runs the
// edge scenario with the VM's own fetch against a ClientCluster on loopback.
import test from 'ava';
import { EdgeVM } from '@edge-runtime/vm';
import { ClientCluster } from '../../support/client-cluster.ts';
import { assertScenario, assertSelfContained, edgeArtifacts } from '../../support/edge-runtimes.ts';
import type { EdgeScenarioResult } from '../../support/edge-scenario.ts';

test('the bundle runs the client API inside the Edge Runtime VM against servers on loopback', async (t) => {
  const artifacts = await edgeArtifacts();
  assertSelfContained(t, artifacts.bundle);
  const cluster = await ClientCluster.start();
  try {
    const vm = new EdgeVM();
    t.is(vm.evaluate<string>('typeof Buffer + typeof process + typeof require'), 'undefinedundefinedundefined');
    vm.evaluate(artifacts.bundleScript);
    vm.evaluate(artifacts.scenarioScript);
    t.is(vm.evaluate<string>('typeof PegasusEdge.createEdgeClient'), 'function');
    const meta = JSON.stringify(cluster.metaAddresses[0] ?? '');
    // JSON across the realm boundary: the VM's objects have their own prototypes.
    const json = await vm.evaluate<Promise<string>>(`EdgeScenario.edgeScenario(PegasusEdge, [${meta}]).then((result) => JSON.stringify(result))`);
    await assertScenario(t, JSON.parse(json) as EdgeScenarioResult, cluster);
  } finally {
    await cluster.stop();
  }
});

test('the bundle in the VM fails a call to a server that is not there with a retriable error, not a crash', async (t) => {
  const artifacts = await edgeArtifacts();
  const vm = new EdgeVM();
  vm.evaluate(artifacts.bundleScript);
  const outcome = await vm.evaluate<Promise<string>>(`
    PegasusEdge.createEdgeClient({ metaServers: ['127.0.0.1:1'], timeoutMs: 300 }).openTable('test').then(
      () => 'opened',
      (error) => JSON.stringify({ name: error.name, isClientError: error instanceof PegasusEdge.PegasusClientError, code: error.code, retriable: error.retriable }),
    )`);
  const error = JSON.parse(outcome) as { name: string; isClientError: boolean; code: string; retriable: boolean };
  t.is(error.name, 'PegasusClientError');
  t.true(error.isClientError);
  t.true(['ERR_SESSION_RESET', 'ERR_TIMEOUT'].includes(error.code), error.code);
  t.true(error.retriable);
});
