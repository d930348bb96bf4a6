// Three ReplicaHosts over real RocksDB and real private logs: writes, reads, refusals.
import test from 'ava';
import { ReplicaRefusal } from '../../../cluster/replica/host/index.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import type { WriteRequest } from '../../../cluster/storage/requests.ts';
import type { WriteResponse } from '../../../cluster/storage/responses.ts';
import { EVERY_WRITE_KIND } from '../../support/every-write-kind.ts';
import { HostCluster } from './host-cluster.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);
const put = (hashKey: string, sortKey: string, value: string): WriteRequest => ({
  kind: 'put', key: encodeKey(text(hashKey), text(sortKey)), value: text(value), expireTsSeconds: 0,
});

test('a write is acknowledged only after every member logged it; the primary reads it back', async (t) => {
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1', 'n3:1'] });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1', 'n3:1']);
  const primary = cluster.host('n1:1');

  const logged = new Map<bigint, Set<string>>();
  cluster.onDeliver = ({ from, to, message }) => {
    if (to === 'n1:1' && message.kind === 'prepare_ack' && message.error === 'ERR_OK') {
      const nodes = logged.get(message.decree) ?? new Set<string>();
      nodes.add(from);
      logged.set(message.decree, nodes);
    }
  };
  const loggedAtAck: string[][] = [];
  const acknowledged = (response: WriteResponse): WriteResponse => {
    loggedAtAck.push([...(logged.get(response.decree) ?? [])].sort());
    return response;
  };
  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => primary.write(put('h', `s${i}`, `v${i}`)).then(acknowledged)));
  t.true(responses.every((r) => r.error === 0 && r.decree > 0n));
  t.deepEqual(loggedAtAck, responses.map(() => ['n2:1', 'n3:1']), 'both secondaries acknowledged the prepare before the client was answered');

  const read = await cluster.read('n1:1', { kind: 'get', key: encodeKey(text('h'), text('s7')) });
  t.is(read.error, 0);
  t.is(new TextDecoder().decode(read.value), 'v7');
  await cluster.until('secondaries applied', () => ['n2:1', 'n3:1'].every((n) => cluster.host(n).info().appliedDecree >= responses.at(-1)!.decree));
});

test('every write kind goes through the payload codec, the log and apply on every replica', async (t) => {
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1', 'n3:1'] });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1', 'n3:1']);
  const primary = cluster.host('n1:1');
  const kinds: string[] = [];
  const responses: WriteResponse[] = [];
  for (const request of EVERY_WRITE_KIND) {
    const response = await primary.write(request);
    responses.push(response);
    kinds.push(`${request.kind}:${response.kind}`);
    t.true(response.decree > 0n, `${request.kind} got a decree`);
  }
  t.deepEqual(kinds, [
    'put:update_response', 'multi_put:update_response', 'remove:update_response', 'multi_remove:multi_remove_response',
    'incr:incr_response', 'check_and_set:check_and_set_response', 'check_and_mutate:check_and_mutate_response',
  ]);
  // multi_put wrote h/s1 and h/s2, multi_remove removed them; incr created h/c at -5;
  // check_and_set found h/c and wrote h/s with an expiry long past (invisible); check_and_mutate
  // (check "value not exist" on h/c, which exists) did nothing.
  const cas = responses[5];
  t.true(cas?.kind === 'check_and_set_response' && cas.error === 0 && cas.checkValueExist && new TextDecoder().decode(cas.checkValue) === '-5');
  t.true(responses[6]?.kind === 'check_and_mutate_response' && responses[6].error !== 0, 'the failed check is the storage answer');
  const sortKeys = await cluster.read('n1:1', {
    kind: 'multi_get', hashKey: text('h'), sortKeys: [], maxKvCount: 0, maxKvSize: 0, noValue: false,
    startSortkey: new Uint8Array(0), stopSortkey: new Uint8Array(0), startInclusive: true, stopInclusive: false,
    sortKeyFilterType: 0, sortKeyFilterPattern: new Uint8Array(0), reverse: false,
  });
  t.deepEqual(sortKeys.kvs.map((kv) => `${new TextDecoder().decode(kv.key)}=${new TextDecoder().decode(kv.value)}`), ['c=-5']);
  const decree = responses.at(-1)!.decree;
  await cluster.until('secondaries applied everything', () => ['n2:1', 'n3:1'].every((n) => cluster.host(n).info().appliedDecree >= decree));
});

test('a bad write is refused at once and never replicated; a secondary refuses clients', async (t) => {
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1', 'n3:1'] });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1', 'n3:1']);
  const primary = cluster.host('n1:1');
  const before = primary.info().preparedDecree;
  const refused = await primary.write({ kind: 'multi_put', hashKey: text('h'), kvs: [], expireTsSeconds: 0 });
  t.is(refused.error, 4);
  t.is(refused.decree, -1n);
  t.is(primary.info().preparedDecree, before, 'no decree was consumed');

  const secondary = cluster.host('n2:1');
  const writeError = await t.throwsAsync(secondary.write(put('h', 's', 'v')), { instanceOf: ReplicaRefusal });
  t.is(writeError?.code, 'ERR_INVALID_STATE');
  const readError = await t.throwsAsync(secondary.read({ kind: 'get', key: encodeKey(text('h'), text('s')) }), { instanceOf: ReplicaRefusal });
  t.is(readError?.code, 'ERR_INVALID_STATE');
});
