// The example Worker of docs/examples/edge-worker, bundled the way wrangler bundles it (esbuild,
// with the `pegasus-ts/edge` alias of its wrangler.toml) and run in workerd through Miniflare with
// its wrangler.toml's compatibility date and no Node compatibility, against a ClientCluster on
// loopback: every route of its HTTP API, bad input, and the gateway token option.
import test from 'ava';
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { ClientCluster } from '../../support/client-cluster.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const exampleDir = join(root, 'docs', 'examples', 'edge-worker');

async function workerModule(): Promise<string> {
  const result = await build({
    absWorkingDir: exampleDir,
    entryPoints: ['src/index.ts'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    alias: { 'pegasus-ts/edge': join(root, 'client', 'edge', 'index.ts') },
    write: false,
    logLevel: 'silent',
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error('no output');
  return text;
}

function compatibilityDate(): string {
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(exampleDir, 'wrangler.toml'), 'utf8'))?.[1];
  if (date === undefined) throw new Error('wrangler.toml has no compatibility_date');
  return date;
}

test('the example Worker serves PUT, GET, list and DELETE from a pegasus-ts table', async (t) => {
  const cluster = await ClientCluster.start();
  const worker = new Miniflare({
    modules: [{ type: 'ESModule', path: 'index.mjs', contents: await workerModule() }],
    compatibilityDate: compatibilityDate(),
    bindings: { PEGASUS_META: cluster.metaAddresses.join(','), PEGASUS_TABLE: cluster.tableName },
  });
  const call = (method: string, path: string, body?: string) =>
    worker.dispatchFetch(`http://example.test${path}`, { method, ...(body === undefined ? {} : { body }) });
  try {
    t.is((await call('PUT', '/kv/user1/name', 'Ada')).status, 204);
    t.is((await call('PUT', '/kv/user1/city?ttl=60', 'London')).status, 204);
    const got = await call('GET', '/kv/user1/name');
    t.is(got.status, 200);
    t.is(await got.text(), 'Ada');
    t.deepEqual(await (await call('GET', '/kv/user1')).json(), { sortKeys: ['city', 'name'], allFetched: true });
    t.is((await call('DELETE', '/kv/user1/name')).status, 204);
    const gone = await call('GET', '/kv/user1/name');
    t.is(gone.status, 404);
    t.deepEqual(await gone.json(), { error: 'no_such_record' });
    const bad = await call('PUT', '/kv/user1/x?ttl=-5', 'v');
    t.is(bad.status, 400);
    t.like(await bad.json(), { error: 'ERR_INVALID_PARAMETERS' });
    t.is((await call('GET', '/elsewhere')).status, 404);
  } finally {
    await worker.dispose();
    await cluster.stop();
  }
});

test('the example Worker maps addresses with PEGASUS_RPC_URL and sends the gateway token', async (t) => {
  const cluster = await ClientCluster.start();
  // A gateway in front of the servers: checks the token and passes /<address>/rpc on.
  const gateway = new Miniflare({
    name: 'gateway',
    modules: [{
      type: 'ESModule',
      path: 'gateway.mjs',
      contents: `export default {
        async fetch(request) {
          if (request.headers.get('authorization') !== 'Bearer s3cret') return new Response('no', { status: 401 });
          const [, address] = /^\\/([^/]+)\\/rpc$/.exec(new URL(request.url).pathname) ?? [];
          return fetch('http://' + address + '/rpc', { method: 'POST', body: await request.arrayBuffer() });
        },
      };`,
    }],
    compatibilityDate: compatibilityDate(),
  });
  const gatewayUrl = (await gateway.ready).toString().replace(/\/$/, '');
  const worker = new Miniflare({
    modules: [{ type: 'ESModule', path: 'index.mjs', contents: await workerModule() }],
    compatibilityDate: compatibilityDate(),
    bindings: {
      PEGASUS_META: cluster.metaAddresses.join(','),
      PEGASUS_TABLE: cluster.tableName,
      PEGASUS_RPC_URL: `${gatewayUrl}/{address}/rpc`,
      PEGASUS_GATEWAY_TOKEN: 's3cret',
    },
  });
  const wrongToken = new Miniflare({
    modules: [{ type: 'ESModule', path: 'index.mjs', contents: await workerModule() }],
    compatibilityDate: compatibilityDate(),
    bindings: { PEGASUS_META: cluster.metaAddresses.join(','), PEGASUS_TABLE: cluster.tableName, PEGASUS_RPC_URL: `${gatewayUrl}/{address}/rpc`, PEGASUS_GATEWAY_TOKEN: 'wrong' },
  });
  try {
    t.is((await worker.dispatchFetch('http://example.test/kv/h/s', { method: 'PUT', body: 'through the gateway' })).status, 204);
    t.is(await (await worker.dispatchFetch('http://example.test/kv/h/s')).text(), 'through the gateway');
    const refused = await wrongToken.dispatchFetch('http://example.test/kv/h/s');
    t.is(refused.status, 502, 'a gateway that refuses the token fails the call at once');
    t.like(await refused.json(), { error: 'ERR_ACL_DENY' });
  } finally {
    await worker.dispose();
    await wrongToken.dispose();
    await gateway.dispose();
    await cluster.stop();
  }
});
