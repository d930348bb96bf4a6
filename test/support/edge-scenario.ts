// What the edge runtime tests run inside workerd (Miniflare) and the Edge Runtime VM: a set of
// operations through the edge client bundle, against a ClientCluster on loopback. It imports
// nothing: the runtime passes the bundle's exports in, and the result is plain JSON for the test
// to check (test/support/edge-runtimes.ts holds the expectations). The function is compiled on
// its own by esbuild, so it must not reach anything outside its body.
import type * as Edge from '../../client/edge/index.ts';

export interface EdgeScenarioResult {
  /** typeof of the Node globals inside the runtime: all "undefined" there. */
  readonly nodeGlobals: Readonly<Record<string, string>>;
  readonly get: string | null;
  readonly missing: string | null;
  readonly ttl: number | null;
  readonly exist: [boolean, boolean];
  readonly multiGet: string[];
  readonly multiGetAllFetched: boolean;
  readonly sortKeys: string[];
  readonly sortKeyCount: number;
  readonly incr: string;
  readonly checkAndSet: [boolean, boolean];
  readonly checkAndMutate: boolean;
  readonly compareExchange: [boolean, string | null];
  readonly scanned: string[];
  readonly unordered: number;
  /** Items read by a scanner left after its first batch (its clear_scanner must still arrive). */
  readonly leftEarly: number;
  readonly batchGet: Array<string | null>;
  readonly delRange: number;
  readonly afterDel: string | null;
  readonly badInput: { readonly code: string; readonly isClientError: boolean; readonly message: string };
  readonly missingTable: string;
  readonly aborted: string;
}

export async function edgeScenario(edge: typeof Edge, metaServers: string[]): Promise<EdgeScenarioResult> {
  const decode = (bytes: Uint8Array | null): string | null => (bytes === null ? null : new TextDecoder().decode(bytes));
  const global = globalThis as Record<string, unknown>;
  const nodeGlobals: Record<string, string> = {};
  for (const name of ['Buffer', 'process', 'require', 'setImmediate', '__dirname']) nodeGlobals[name] = typeof global[name];

  const client = edge.createEdgeClient({ metaServers, timeoutMs: 5000 });
  const table = await client.openTable('test');

  await table.set('edge', 'greeting', 'hello from the edge', { ttlSeconds: 3600 });
  const get = decode(await table.get('edge', 'greeting'));
  const missing = decode(await table.get('edge', 'nothing'));
  const ttl = await table.ttl('edge', 'greeting');
  const exist: [boolean, boolean] = [await table.exist('edge', 'greeting'), await table.exist('edge', 'nothing')];

  const sortKeys = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
  await table.multiSet('edge-many', sortKeys.map((sortKey) => ({ sortKey, value: `v-${sortKey}` })));
  const range = await table.multiGet('edge-many', { start: 'k05', stop: 'k08' });
  const keysOnly = await table.multiGetSortKeys('edge-many', { maxFetchCount: 3 });
  const sortKeyCount = await table.sortKeyCount('edge-many');

  const incr = await table.incr('edge', 'counter', 40);
  const incrAgain = await table.incr('edge', 'counter', 2n);
  const passed = await table.checkAndSet('edge', 'counter', 'valueIntEqual', '42', 'checked', 'yes');
  const failed = await table.checkAndSet('edge', 'counter', 'valueIntEqual', '41', 'checked', 'no');
  const mutated = await table.checkAndMutate('edge', 'checked', 'valueBytesEqual', 'yes', [
    { kind: 'set', sortKey: 'mutated', value: 'm' },
    { kind: 'del', sortKey: 'checked' },
  ]);
  const exchanged = await table.compareExchange('edge', 'mutated', 'x', 'y');

  const scanned: string[] = [];
  for await (const item of table.getScanner('edge-many', '', '', { batchSize: 3 })) scanned.push(decode(item.sortKey) ?? '');
  let leftEarly = 0;
  for await (const _item of table.getScanner('edge-many', '', '', { batchSize: 3 })) if (++leftEarly === 2) break;
  let unordered = 0;
  for (const scanner of table.getUnorderedScanners(3, { batchSize: 5 })) {
    for await (const _item of scanner) unordered++;
  }

  await table.batchSet([{ hashKey: 'b1', sortKey: 's', value: 'one' }, { hashKey: 'b2', sortKey: 's', value: 'two' }]);
  const batch = await table.batchGet([{ hashKey: 'b1', sortKey: 's' }, { hashKey: 'b2', sortKey: 's' }, { hashKey: 'b3', sortKey: 's' }]);
  await table.batchDel([{ hashKey: 'b1', sortKey: 's' }]);
  const delRange = await table.delRange('edge-many', 'k10', '');
  await table.del('edge', 'mutated');
  const afterDel = decode(await table.get('edge', 'mutated'));

  const bad = await table.set('edge', 'bad', 5 as unknown as string).then(() => null, (error: unknown) => error);
  const badError = bad as { code?: string; message?: string };
  const noTable = await client.openTable('no_such_table').then(() => 'opened', (error: { code?: string }) => error.code ?? 'no code');
  const controller = new AbortController();
  controller.abort();
  const aborted = await table.get('edge', 'greeting', { signal: controller.signal }).then(() => 'answered', (error: { code?: string }) => error.code ?? 'no code');

  await client.close();
  return {
    nodeGlobals,
    get,
    missing,
    ttl,
    exist,
    multiGet: range.values.map((entry) => `${decode(entry.sortKey)}=${decode(entry.value)}`),
    multiGetAllFetched: range.allFetched,
    sortKeys: keysOnly.sortKeys.map((key) => decode(key) ?? ''),
    sortKeyCount,
    incr: `${incr},${incrAgain}`,
    checkAndSet: [passed.setSucceed, failed.setSucceed],
    checkAndMutate: mutated.mutateSucceed,
    compareExchange: [exchanged.setSucceed, decode(exchanged.actualValue)],
    scanned,
    unordered,
    leftEarly,
    batchGet: batch.map((result) => (result.ok ? decode(result.value) : `error ${result.error.code}`)),
    delRange,
    afterDel,
    badInput: { code: badError.code ?? 'none', isClientError: bad instanceof edge.PegasusClientError, message: badError.message ?? '' },
    missingTable: noTable,
    aborted,
  };
}
