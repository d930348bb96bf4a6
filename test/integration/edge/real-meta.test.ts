// The edge client against the real meta server process (cluster/server/meta-main.ts, file store):
// from Node and from inside workerd, `query_cfg` over POST /rpc on the meta server's port opens a
// table created through its HTTP API, with the partition count and app id the meta server gave
// it, and a table it does not have is ERR_OBJECT_NOT_FOUND. (No replica server serves the
// partitions yet, so data calls are not part of this test.)
import test from 'ava';
import { Miniflare } from 'miniflare';
import { createEdgeClient, PegasusClientError } from '../../../client/edge/index.ts';
import { edgeArtifacts } from '../../support/edge-runtimes.ts';
import { httpJson, startMetaProcess, until } from '../../support/meta-server.ts';
import { temporaryMetaDirectory } from '../../support/meta-stores.ts';

const WORKER = `
import { createEdgeClient } from './pegasus-edge.mjs';
export default {
  async fetch(request) {
    const meta = new URL(request.url).searchParams.get('meta');
    const client = createEdgeClient({ metaServers: [meta], timeoutMs: 5000 });
    const table = await client.openTable('edge_table');
    const missing = await client.openTable('nope').then(() => 'opened', (error) => error.code);
    await client.close();
    return Response.json({ appId: table.appId, partitionCount: table.partitionCount, missing });
  },
};`;

test('the edge client opens a table of the real meta server, from Node and from workerd', async (t) => {
  const directory = await temporaryMetaDirectory();
  const meta = await startMetaProcess(['--port', '0', '--data', directory.path]);
  const artifacts = await edgeArtifacts();
  const worker = new Miniflare({
    modules: [
      { type: 'ESModule', path: 'worker.mjs', contents: WORKER },
      { type: 'ESModule', path: 'pegasus-edge.mjs', contents: artifacts.bundle.code },
    ],
    compatibilityDate: '2026-04-01',
  });
  try {
    await until('the meta server leads', async () => ((await httpJson(meta.address, '/v1/cluster')).body['leader'] === meta.address ? true : undefined));
    const created = await httpJson(meta.address, '/v1/tables', { method: 'POST', body: { name: 'edge_table', partitionCount: 4, replicaCount: 3 } });
    t.is(created.status, 201);
    const appId = created.body['appId'] as number;

    const client = createEdgeClient({ metaServers: [meta.address], timeoutMs: 5000 });
    try {
      const table = await client.openTable('edge_table');
      t.is(table.appId, appId);
      t.is(table.partitionCount, 4);
      const missing = await t.throwsAsync(client.openTable('nope'), { instanceOf: PegasusClientError });
      t.is(missing?.code, 'ERR_OBJECT_NOT_FOUND');
    } finally {
      await client.close();
    }

    const reply = await worker.dispatchFetch(`http://worker.test/?meta=${encodeURIComponent(meta.address)}`);
    t.deepEqual(await reply.json(), { appId, partitionCount: 4, missing: 'ERR_OBJECT_NOT_FOUND' });
  } finally {
    await worker.dispose();
    t.is(await meta.stop(), 0);
    await directory.remove();
  }
});
