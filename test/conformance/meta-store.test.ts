// Proves every MetaStore implementation keeps the same contract (durable puts read back after a
// reopen, last write wins per key in call order, values and child keys independent, prefix
// listings, refusals of bad keys and values that change nothing, closed stores refuse, and a meta
// core rebuilt from the listing) by running one suite against the file store and against the
// ZooKeeper store on the real ZooKeeper.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { DEFAULT_META_OPTIONS } from '../../cluster/meta/core/options.ts';
import { MetaCore } from '../../cluster/meta/core/meta-core.ts';
import { encodePartition, partitionKey, seedTableEntries } from '../../cluster/meta/core/codec.ts';
import type { MetaStore, MetaStoreErrorCode } from '../../cluster/meta/store/meta-store.ts';
import { MetaStoreError } from '../../cluster/meta/store/meta-store.ts';
import { META_STORE_KEY_BYTES_MAX, META_STORE_VALUE_BYTES_MAX } from '../../common/limits.ts';
import type { MetaStoreLocation } from '../support/meta-stores.ts';
import { metaStoreFactories } from '../support/meta-stores.ts';

async function rejectsWith(t: ExecutionContext, promise: Promise<unknown>, code: MetaStoreErrorCode): Promise<void> {
  const error = await t.throwsAsync(promise, { instanceOf: MetaStoreError });
  t.is(error?.code, code);
}

for (const factory of metaStoreFactories) {
  const it = (title: string, body: (t: ExecutionContext, store: MetaStore, location: MetaStoreLocation) => Promise<void>) => {
    test.serial(`${factory.name}: ${title}`, async (t) => {
      const location = await factory.location();
      const store = await location.open();
      try {
        await body(t, store, location);
      } finally {
        await store.close();
        await location.remove();
      }
    });
  };

  it('an empty store lists nothing and reads nothing', async (t, store) => {
    t.deepEqual(await store.entries(), []);
    t.is(await store.get('apps/1'), undefined);
    t.deepEqual(await store.entries('apps'), []);
  });

  it('a put reads back and the last put of a key wins', async (t, store) => {
    await store.put('apps/1', '{"v":1}');
    t.is(await store.get('apps/1'), '{"v":1}');
    await store.put('apps/1', '{"v":2}');
    t.is(await store.get('apps/1'), '{"v":2}');
    t.deepEqual(await store.entries(), [['apps/1', '{"v":2}']]);
  });

  it('concurrent puts of one key apply in call order', async (t, store) => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.put('apps/7/0', `{"ballot":${i}}`)));
    t.is(await store.get('apps/7/0'), '{"ballot":19}');
  });

  it('puts of many keys at once all land', async (t, store) => {
    const keys = Array.from({ length: 30 }, (_, i) => `apps/${1 + (i % 3)}/${i}`);
    await Promise.all(keys.map((key) => store.put(key, `value of ${key}`)));
    const entries = await store.entries();
    t.deepEqual(entries.map(([key]) => key), [...keys].sort());
    for (const [key, value] of entries) t.is(value, `value of ${key}`);
  });

  it('a key and the keys below it hold values independently', async (t, store) => {
    await store.put('apps/1/0', 'partition');
    t.is(await store.get('apps/1'), undefined, 'a parent created on the way has no value');
    await store.put('apps/1', 'table');
    await store.delete('apps/1');
    t.is(await store.get('apps/1'), undefined);
    t.is(await store.get('apps/1/0'), 'partition');
    await store.delete('apps/1/0');
    await store.delete('apps/1/0');
    await store.delete('never/written');
    t.deepEqual(await store.entries(), []);
  });

  it('a prefix lists itself and the keys below it, sorted', async (t, store) => {
    for (const key of ['apps/10', 'apps/1/1', 'apps/1', 'apps/1/0', 'backup/p', 'apps/2/0']) await store.put(key, key);
    t.deepEqual((await store.entries('apps/1')).map(([key]) => key), ['apps/1', 'apps/1/0', 'apps/1/1']);
    t.deepEqual((await store.entries('apps/2')).map(([key]) => key), ['apps/2/0']);
    t.deepEqual((await store.entries('backup')).map(([key]) => key), ['backup/p']);
    t.deepEqual((await store.entries()).map(([key]) => key), ['apps/1', 'apps/1/0', 'apps/1/1', 'apps/10', 'apps/2/0', 'backup/p']);
  });

  it('values are kept byte for byte, non-ASCII and large ones included', async (t, store) => {
    const unicode = '{"name":"表格 ✓ \\u0000","emoji":"🦄"}\n';
    const large = 'x'.repeat(META_STORE_VALUE_BYTES_MAX);
    await store.put('apps/3', unicode);
    await store.put('apps/4', large);
    t.is(await store.get('apps/3'), unicode);
    t.is((await store.get('apps/4'))?.length, large.length);
  });

  it('bad keys and values are refused and change nothing', async (t, store) => {
    for (const key of ['', '/apps', 'apps/', 'apps//1', 'apps/../x', 'apps/.', 'a b', 'apps~1', 'é', 'k'.repeat(META_STORE_KEY_BYTES_MAX + 1)]) {
      await rejectsWith(t, store.put(key, 'v'), 'ERR_INVALID_PARAMETERS');
    }
    await rejectsWith(t, store.put('apps/1', ''), 'ERR_INVALID_PARAMETERS');
    await rejectsWith(t, store.put('apps/1', 'x'.repeat(META_STORE_VALUE_BYTES_MAX + 1)), 'ERR_INVALID_PARAMETERS');
    await rejectsWith(t, store.get('apps//1'), 'ERR_INVALID_PARAMETERS');
    await rejectsWith(t, store.entries('/'), 'ERR_INVALID_PARAMETERS');
    const error = await t.throwsAsync(store.put('apps/1', ''), { instanceOf: MetaStoreError });
    t.false(error?.retriable);
    t.deepEqual(await store.entries(), []);
  });

  it('what was put survives closing and reopening', async (t, store, location) => {
    await store.put('apps/1', 'table');
    await store.put('apps/1/0', 'p0');
    await store.put('apps/1/0', 'p0 again');
    await store.delete('apps/1');
    await store.close();
    const reopened = await location.open();
    try {
      t.deepEqual(await reopened.entries(), [['apps/1/0', 'p0 again']]);
    } finally {
      await reopened.close();
    }
  });

  it('a closed store refuses every call', async (t, store) => {
    await store.close();
    await store.close();
    await rejectsWith(t, store.put('apps/1', 'v'), 'ERR_INVALID_STATE');
    await rejectsWith(t, store.delete('apps/1'), 'ERR_INVALID_STATE');
    await rejectsWith(t, store.get('apps/1'), 'ERR_INVALID_STATE');
    await rejectsWith(t, store.entries(), 'ERR_INVALID_STATE');
  });

  it('a meta core rebuilt from the listing sees the tables and configurations written', async (t, store, location) => {
    for (const [key, value] of seedTableEntries({ appId: 1, name: 'temp', partitionCount: 4, maxReplicaCount: 3 })) await store.put(key, value);
    const changed = { gpid: { appId: 1, partitionIndex: 2 }, ballot: 3n, maxReplicaCount: 3, primary: 'n1:1', secondaries: ['n2:1', 'n3:1'], lastDrops: [], lastCommittedDecree: 12345678901234567n };
    await store.put(partitionKey(changed.gpid), encodePartition(changed));
    await store.close();
    const reopened = await location.open();
    try {
      const { core } = MetaCore.recover(DEFAULT_META_OPTIONS, 0, await reopened.entries());
      const configs = core.tableConfigs('temp');
      t.is(configs?.length, 4);
      t.deepEqual(core.config(changed.gpid), changed);
    } finally {
      await reopened.close();
    }
  });
}
