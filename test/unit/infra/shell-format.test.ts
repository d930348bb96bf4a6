// Proves what the `pegasus` command prints for each kind of answer: aligned columns for people,
// escaped bytes, and JSON that carries the same facts for scripts.
import test from 'ava';
import {
  alignedTable, bytesJson, bytesText, formatCheckAndSet, formatClusterInfo, formatNodes, formatPlacement, formatRecords,
  formatTableConfig, formatTables, formatTtl, formatValue, toJson,
} from '../../../infra/shell/format.ts';
import { describeOnebox } from '../../../infra/onebox/plan.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

test('alignedTable pads every column but the last to its widest cell', (t) => {
  t.is(alignedTable(['a', 'bb', 'c'], [['xxx', 'y', 'z'], ['1', '22222', '']]), [
    'a    bb     c',
    'xxx  y      z',
    '1    22222',
  ].join('\n'));
});

test('bytes: UTF-8 shown quoted with control characters, quotes and backslashes escaped; other bytes as \\xHH', (t) => {
  t.is(bytesText(utf8('héllo')), '"héllo"');
  t.is(bytesText(utf8('a"b\\c\n')), '"a\\"b\\\\c\\x0a"');
  t.is(bytesText(new Uint8Array([0x61, 0xff, 0x00, 0x22])), '"a\\xff\\x00\\""');
  t.is(bytesJson(utf8('plain')), 'plain');
  t.deepEqual(bytesJson(new Uint8Array([0xff, 0x01])), { hex: 'ff01' });
});

test('ls: aligned tables, dropped ones only with --all, recall window when shown', (t) => {
  const tables = [
    { appId: 1, name: 'temp', status: 'available' as const, partitionCount: 8, replicaCount: 3 },
    { appId: 2, name: 'old', status: 'dropped' as const, partitionCount: 4, replicaCount: 3, dropExpireAtMs: 70_000 },
  ];
  const visible = formatTables(tables, false, 10_000);
  t.is(visible.text, 'app_id  name  status     partitions  replicas\n1       temp  available  8           3\n\n1 table');
  t.deepEqual(visible.json, { tables: [tables[0]] });
  const all = formatTables(tables, true, 10_000);
  t.regex(all.text, /2\s+old\s+dropped\s+4\s+3\s+for 60 s more/);
  t.regex(formatTables([], false, 0).text, /no tables/);
});

test('app: one row per partition with ballot, primary, secondaries, and the health count', (t) => {
  const output = formatTableConfig({
    appId: 1, name: 'temp', status: 'available', partitionCount: 2, replicaCount: 3,
    partitions: [
      { index: 0, ballot: 3, primary: '127.0.0.1:34801', secondaries: ['127.0.0.1:34802', '127.0.0.1:34803'], lastCommittedDecree: 10, healthy: true },
      { index: 1, ballot: 5, primary: '', secondaries: [], lastCommittedDecree: 0, healthy: false },
    ],
  });
  const lines = output.text.split('\n');
  t.is(lines[0], 'table temp (app_id 1): available, 2 partitions, 3 replicas');
  t.regex(lines[2] ?? '', /^pidx\s+ballot\s+primary\s+secondaries\s+committed\s+healthy$/);
  t.regex(lines[3] ?? '', /^0\s+3\s+127\.0\.0\.1:34801\s+127\.0\.0\.1:34802,127\.0\.0\.1:34803\s+10\s+yes$/);
  t.regex(lines[4] ?? '', /^1\s+5\s+-\s+-\s+0\s+NO$/);
  t.is(lines.at(-1), '1/2 partitions healthy');
});

test('nodes and cluster_info', (t) => {
  const nodes = formatNodes([
    { address: '127.0.0.1:34801', alive: true, primaries: 3, secondaries: 5 },
    { address: '127.0.0.1:34802', alive: false, primaries: 0, secondaries: 0 },
  ]);
  t.regex(nodes.text, /127\.0\.0\.1:34801\s+alive\s+3\s+5\s+8/);
  t.regex(nodes.text, /127\.0\.0\.1:34802\s+UNALIVE/);
  t.regex(nodes.text, /1 alive, 1 unalive$/);
  const info = formatClusterInfo({ cluster: 'onebox', self: '127.0.0.1:34601', leader: '127.0.0.1:34601', metas: ['127.0.0.1:34601'], level: 'steady', tables: 1, nodes: { alive: 3, dead: 0 } }, 'x');
  t.regex(info.text, /^cluster\s+onebox$/m);
  t.regex(info.text, /^meta_leader\s+127\.0\.0\.1:34601$/m);
  t.regex(info.text, /^alive_nodes\s+3$/m);
});

test('values, records, ttl and check_and_set outcomes', (t) => {
  t.deepEqual(formatValue(undefined), { text: '(not found)', json: { found: false } });
  t.deepEqual(formatValue(utf8('v')), { text: '"v"', json: { found: true, value: 'v' } });
  const records = formatRecords([{ hashKey: utf8('h'), sortKey: utf8('a'), value: utf8('1') }, { hashKey: utf8('h'), sortKey: utf8('b'), value: utf8('2') }], true, 2, true);
  t.is(records.text, 'hash_key  sort_key  value\n"h"       "a"       "1"\n"h"       "b"       "2"\n\n2 records shown; more remain (raise --max, now 2)');
  t.deepEqual(records.json, { records: [{ hashKey: 'h', sortKey: 'a', value: '1' }, { hashKey: 'h', sortKey: 'b', value: '2' }], more: true });
  const keysOnly = formatRecords([{ hashKey: utf8('h'), sortKey: utf8('a') }], false, 100, false);
  t.is(keysOnly.text, 'sort_key\n"a"\n\n1 record');
  t.deepEqual(formatTtl(undefined).json, { found: false });
  t.is(formatTtl(-1).text, 'no ttl (never expires)');
  t.is(formatTtl(42).text, '42 s');
  t.is(formatCheckAndSet({ setSucceed: false, checkValueReturned: true, checkValueExist: true, checkValue: utf8('old') }).text, 'not set: the check failed\ncheck value: "old"');
  t.deepEqual(formatCheckAndSet({ setSucceed: true, checkValueReturned: false, checkValueExist: false }).json, { setSucceed: true });
});

test('hash: partition, gpid, hash and servers; JSON with a hex hash', (t) => {
  const output = formatPlacement({ table: 'temp', appId: 1, partitionCount: 8, partitionIndex: 4, partitionHash: 0x8c2f8445b4cbfc3cn, ballot: 3, primary: 'p:1', secondaries: ['s:1', 's:2'] });
  t.regex(output.text, /^partition_index\s+4 of 8$/m);
  t.regex(output.text, /^gpid\s+1\.4$/m);
  t.regex(output.text, /^partition_hash\s+0x8c2f8445b4cbfc3c$/m);
  t.regex(output.text, /^secondaries\s+s:1,s:2$/m);
  t.is((output.json as { partitionHash: string }).partitionHash, '0x8c2f8445b4cbfc3c');
});

test('toJson writes bigints as numbers when exact and as strings otherwise', (t) => {
  t.is(toJson({ a: 5n, b: 2n ** 63n - 1n }), '{\n  "a": 5,\n  "b": "9223372036854775807"\n}');
});

test('the onebox summary lists every server and a first command to try', (t) => {
  const text = describeOnebox('/repo/onebox', [
    { name: 'meta-1', role: 'meta', address: '127.0.0.1:34601', pid: 10, logFile: '/repo/onebox/meta-1/meta-1.log' },
    { name: 'replica-1', role: 'replica', address: '127.0.0.1:34801', pid: 11, logFile: '/repo/onebox/replica-1/replica-1.log' },
  ], ['127.0.0.1:34601'], true);
  t.regex(text, /meta-1\s+127\.0\.0\.1:34601\s+pid 10/);
  t.regex(text, /replica-1\s+127\.0\.0\.1:34801\s+pid 11/);
  t.regex(text, /npx pegasus set temp h s v\n/);
  t.regex(text, /Ctrl-C/);
  const elsewhere = describeOnebox('/tmp/ob', [], ['127.0.0.1:40000'], false);
  t.regex(elsewhere, /npx pegasus set temp h s v --meta 127\.0\.0\.1:40000/);
  t.regex(elsewhere, /npx pegasus onebox stop --dir \/tmp\/ob/);
});
