// The edge client bundle inside workerd, the Cloudflare Workers runtime (through Miniflare), with
// no Node compatibility: a Worker module imports the bundle and runs the edge scenario against a
// ClientCluster on loopback with workerd's own fetch; the test checks what it returns and what it
// left on the servers. workerd has no Buffer, no process and no `node:` modules without the
// nodejs_compat flag, so a bundle that needed any of them would fail to load or to run here.
import test from 'ava';
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { ClientCluster } from '../../support/client-cluster.ts';
import { assertScenario, assertSelfContained, edgeArtifacts } from '../../support/edge-runtimes.ts';
import type { EdgeScenarioResult } from '../../support/edge-scenario.ts';

const WORKER = `
import * as edge from './pegasus-edge.mjs';
import { edgeScenario } from './scenario.mjs';
export default {
  async fetch(request) {
    const meta = new URL(request.url).searchParams.get('meta');
    try {
      return Response.json(await edgeScenario(edge, [meta]));
    } catch (error) {
      return Response.json({ failed: String(error && error.stack || error) }, { status: 500 });
    }
  },
};`;

test('the bundle runs the client API inside workerd against servers on loopback', async (t) => {
  const artifacts = await edgeArtifacts();
  assertSelfContained(t, artifacts.bundle);
  const cluster = await ClientCluster.start();
  const worker = new Miniflare({
    modules: [
      { type: 'ESModule', path: 'worker.mjs', contents: WORKER },
      { type: 'ESModule', path: 'pegasus-edge.mjs', contents: artifacts.bundle.code },
      { type: 'ESModule', path: 'scenario.mjs', contents: artifacts.scenarioModule },
    ],
    compatibilityDate: '2026-04-01',
    compatibilityFlags: [],
  });
  try {
    const reply = await worker.dispatchFetch(`http://worker.test/?meta=${encodeURIComponent(cluster.metaAddresses[0] ?? '')}`);
    const body = await reply.json() as EdgeScenarioResult | { failed: string };
    if ('failed' in body) t.fail(body.failed);
    else await assertScenario(t, body, cluster);
  } finally {
    await worker.dispose();
    await cluster.stop();
  }
});

test('a Worker that imports a Node module fails to load: the runtime really has no Node compatibility', async (t) => {
  let stderr = '';
  const worker = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.mjs', contents: `import { Buffer } from 'node:buffer'; export default { fetch: () => new Response(typeof Buffer) };` }],
    compatibilityDate: '2026-04-01',
    handleRuntimeStdio: (stdout: Readable, errors: Readable) => {
      stdout.resume();
      errors.on('data', (chunk: Uint8Array) => { stderr += new TextDecoder().decode(chunk); });
    },
  });
  try {
    await t.throwsAsync(worker.ready);
    t.regex(stderr, /No such module "node:buffer"/);
  } finally {
    await worker.dispose().catch(() => undefined);
  }
});
