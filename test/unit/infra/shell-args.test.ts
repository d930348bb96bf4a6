// Proves that the `pegasus` command line turns every command's arguments into the right typed
// command, and that each command's bad arguments give a UsageError naming what is wrong.
import test from 'ava';
import { CHECK_TYPES, DEFAULT_META, UsageError, helpText, parseShellArgs, type Command } from '../../../infra/shell/args.ts';
import { ONEBOX_DEFAULTS } from '../../../infra/onebox/options.ts';

const CWD = '/somewhere';

function parse(line: string): Command {
  return parseShellArgs(split(line), CWD).command;
}

function split(line: string): string[] {
  return line === '' ? [] : line.split(' ');
}

function usageError(t: import('ava').ExecutionContext, line: string, pattern: RegExp): void {
  const error = t.throws(() => parseShellArgs(split(line), CWD), { instanceOf: UsageError }, line);
  t.regex(error?.message ?? '', pattern, line);
}

test('globals: --meta lists meta servers anywhere on the line; --json; default meta', (t) => {
  t.deepEqual(parseShellArgs(['ls'], CWD).globals, { metas: [DEFAULT_META], json: false });
  t.deepEqual(parseShellArgs(['--meta', 'a:1,b:2', 'ls', '--json'], CWD).globals, { metas: ['a:1', 'b:2'], json: true });
  t.deepEqual(parseShellArgs(['nodes', '--meta=10.0.0.1:34601'], CWD).globals.metas, ['10.0.0.1:34601']);
  usageError(t, 'ls --meta nohost', /--meta: "nohost" is not host:port/);
  usageError(t, 'ls --meta a:99999', /--meta: "a:99999" is not host:port/);
  usageError(t, 'ls --meta ,', /--meta must list/);
});

test('no command or help gives help; an unknown command is refused', (t) => {
  t.deepEqual(parse(''), { kind: 'help' });
  t.deepEqual(parse('help'), { kind: 'help' });
  t.deepEqual(parse('help create'), { kind: 'help', topic: 'create' });
  t.deepEqual(parse('create --help'), { kind: 'help', topic: 'create' });
  usageError(t, 'help nosuch', /unknown command "nosuch"/);
  usageError(t, 'frobnicate', /unknown command "frobnicate"/);
  usageError(t, 'ls --bogus', /ls: Unknown option '--bogus'/);
});

test('help lists every command and each command has usage, summary and example', (t) => {
  const all = helpText(undefined, CWD);
  for (const name of ['onebox', 'ls', 'create', 'drop', 'recall', 'app', 'nodes', 'cluster_info', 'set_meta_level', 'set', 'get', 'del', 'multi_set', 'multi_get', 'multi_del', 'incr', 'check_and_set', 'exist', 'ttl', 'count', 'hash_scan', 'full_scan', 'hash']) {
    t.regex(all, new RegExp(`\\n  ${name} `), name);
    const one = helpText(name, CWD);
    t.regex(one, new RegExp(`^usage: pegasus ${name}`), name);
    t.regex(one, new RegExp(`example: pegasus ${name}`), name);
  }
});

test('onebox start, stop, clean and their bad arguments', (t) => {
  t.deepEqual(parse('onebox start'), { kind: 'onebox_start', options: ONEBOX_DEFAULTS, foreground: false });
  t.deepEqual(parse('onebox start --metas 3 --zk --base-port 40000 --dir ob --fsync never --foreground'), {
    kind: 'onebox_start',
    options: { metas: 3, zk: true, basePort: 40000, dir: '/somewhere/ob', fsync: 'never' },
    foreground: true,
  });
  t.deepEqual(parse('onebox stop'), { kind: 'onebox_stop', dir: ONEBOX_DEFAULTS.dir });
  t.deepEqual(parse('onebox clean --dir /tmp/x'), { kind: 'onebox_clean', dir: '/tmp/x' });
  usageError(t, 'onebox', /missing start, stop or clean/);
  usageError(t, 'onebox restart', /unknown action "restart"/);
  usageError(t, 'onebox start now', /unexpected argument "now"/);
  usageError(t, 'onebox start --metas 3', /--metas 3 needs --zk/);
  usageError(t, 'onebox start --metas 4 --zk', /--metas must be a whole number from 1 to 3/);
  usageError(t, 'onebox start --base-port 80', /--base-port must be a whole number from 1024/);
  usageError(t, 'onebox start --base-port 65500', /--base-port must be/);
  usageError(t, 'onebox start --fsync sometimes', /--fsync must be always or never/);
  usageError(t, 'onebox stop --zk', /--zk only applies to onebox start/);
  usageError(t, 'onebox start --dir', /option '--dir <value>' needs a value/);
});

test('table commands', (t) => {
  t.deepEqual(parse('ls'), { kind: 'ls', all: false });
  t.deepEqual(parse('ls -a'), { kind: 'ls', all: true });
  usageError(t, 'ls extra', /ls: unexpected argument "extra"/);
  t.deepEqual(parse('create t'), { kind: 'create', table: 't', partitionCount: 4, replicaCount: 3 });
  t.deepEqual(parse('create t -p 16 -r 1'), { kind: 'create', table: 't', partitionCount: 16, replicaCount: 1 });
  usageError(t, 'create', /create: missing <table>/);
  usageError(t, 'create t -p 6', /power of two, got 6/);
  usageError(t, 'create t -p x', /--partitions must be a whole number/);
  usageError(t, 'create t -p 0', /--partitions must be a whole number from 1/);
  usageError(t, 'create t -r 0', /--replicas must be a whole number from 1 to 9/);
  usageError(t, 'create t u', /unexpected argument "u"/);
  t.deepEqual(parse('drop t'), { kind: 'drop', table: 't' });
  t.deepEqual(parse('drop t --reserve-seconds 60'), { kind: 'drop', table: 't', reserveSeconds: 60 });
  usageError(t, 'drop', /drop: missing <table>/);
  usageError(t, 'drop t --reserve-seconds -1', /--reserve-seconds must be a whole number from 0/);
  t.deepEqual(parse('recall 3'), { kind: 'recall', appId: 3 });
  t.deepEqual(parse('recall 3 back'), { kind: 'recall', appId: 3, newName: 'back' });
  usageError(t, 'recall', /recall: missing <app_id>/);
  usageError(t, 'recall t', /<app_id> must be a whole number/);
  usageError(t, 'recall 3 a b', /unexpected argument "b"/);
  t.deepEqual(parse('app temp'), { kind: 'app', table: 'temp' });
  usageError(t, 'app', /app: missing <table>/);
});

test('cluster commands', (t) => {
  t.deepEqual(parse('nodes'), { kind: 'nodes' });
  t.deepEqual(parse('cluster_info'), { kind: 'cluster_info' });
  t.deepEqual(parse('set_meta_level lively'), { kind: 'set_meta_level', level: 'lively' });
  usageError(t, 'nodes x', /nodes: unexpected argument "x"/);
  usageError(t, 'cluster_info x', /cluster_info: unexpected argument "x"/);
  usageError(t, 'set_meta_level', /set_meta_level: missing <level>/);
  usageError(t, 'set_meta_level wild', /unknown level "wild"; expected one of stopped, blind, freezed, steady, lively/);
});

test('point data commands: set, get, del, exist, ttl, hash', (t) => {
  t.deepEqual(parse('set t h s v'), { kind: 'set', table: 't', hashKey: 'h', sortKey: 's', value: 'v', ttlSeconds: 0 });
  t.deepEqual(parse('set t h s v --ttl 30'), { kind: 'set', table: 't', hashKey: 'h', sortKey: 's', value: 'v', ttlSeconds: 30 });
  t.deepEqual(parse('set t h s -5'), { kind: 'set', table: 't', hashKey: 'h', sortKey: 's', value: '-5', ttlSeconds: 0 }, 'a negative number is a value, not an option');
  t.deepEqual(parse('set t h -- -s -v'), { kind: 'set', table: 't', hashKey: 'h', sortKey: '-s', value: '-v', ttlSeconds: 0 }, 'after --, dashes are data');
  usageError(t, 'set t h s -abc', /set: Unknown option '-a'/);
  usageError(t, 'set t h s', /set: missing <value>/);
  usageError(t, 'set t h s v w', /unexpected argument "w"/);
  usageError(t, 'set t h s v --ttl -1', /--ttl .* must be a whole number from 0/);
  usageError(t, 'set t h s v --ttl', /set: option '-l, --ttl <value>' needs a value/);
  for (const kind of ['get', 'del', 'exist', 'ttl', 'hash'] as const) {
    t.deepEqual(parse(`${kind} t h s`), { kind, table: 't', hashKey: 'h', sortKey: 's' });
    usageError(t, `${kind} t h`, new RegExp(`${kind}: missing <sort_key>`));
    usageError(t, `${kind}`, new RegExp(`${kind}: missing <table>`));
    usageError(t, `${kind} t h s x`, new RegExp(`${kind}: unexpected argument "x"`));
  }
  t.throws(() => parseShellArgs(['get', 't', 'h'.repeat(0xffff), 's'], CWD), { instanceOf: UsageError, message: /shorter than 65535 bytes/ });
  t.throws(() => parseShellArgs(['get', ' ', 'h', 's'], CWD), { instanceOf: UsageError, message: /<table> must not be empty/ });
});

test('multi commands', (t) => {
  t.deepEqual(parse('multi_set t h a 1 b 2 --ttl 5'), { kind: 'multi_set', table: 't', hashKey: 'h', entries: [['a', '1'], ['b', '2']], ttlSeconds: 5 });
  usageError(t, 'multi_set t h a', /multi_set: missing <value>/);
  usageError(t, 'multi_set t h a 1 b', /sort key "b" has no value/);
  usageError(t, 'multi_set t', /multi_set: missing <hash_key>/);
  t.deepEqual(parse('multi_get t h'), { kind: 'multi_get', table: 't', hashKey: 'h', sortKeys: [], limits: { max: 100, noValue: false } });
  t.deepEqual(parse('multi_get t h a b -n 5 -i'), { kind: 'multi_get', table: 't', hashKey: 'h', sortKeys: ['a', 'b'], limits: { max: 5, noValue: true } });
  usageError(t, 'multi_get t', /multi_get: missing <hash_key>/);
  usageError(t, 'multi_get t h --max 0', /--max must be a whole number from 1 to 100000/);
  t.deepEqual(parse('multi_del t h a b'), { kind: 'multi_del', table: 't', hashKey: 'h', sortKeys: ['a', 'b'] });
  usageError(t, 'multi_del t h', /multi_del: missing <sort_key>/);
  const many = ['multi_del', 't', 'h', ...Array.from({ length: 1001 }, (_, i) => `k${i}`)];
  t.throws(() => parseShellArgs(many, CWD), { instanceOf: UsageError, message: /at most 1000 sort keys/ });
});

test('incr, check_and_set, count', (t) => {
  t.deepEqual(parse('incr t h s'), { kind: 'incr', table: 't', hashKey: 'h', sortKey: 's', increment: 1n, ttlSeconds: 0 });
  t.deepEqual(parse('incr t h s -7'), { kind: 'incr', table: 't', hashKey: 'h', sortKey: 's', increment: -7n, ttlSeconds: 0 });
  t.deepEqual(parse('incr t h s 9223372036854775807').kind === 'incr' && (parse('incr t h s 9223372036854775807') as { increment: bigint }).increment, 2n ** 63n - 1n);
  usageError(t, 'incr t h s 1.5', /increment must be a 64-bit whole number, got "1.5"/);
  usageError(t, 'incr t h s 9223372036854775808', /64-bit whole number/);
  usageError(t, 'incr t h', /incr: missing <sort_key>/);
  t.deepEqual(parse('check_and_set t h -c a -t not_exist -v x'), {
    kind: 'check_and_set', table: 't', hashKey: 'h', checkSortKey: 'a', checkType: 'not_exist', operand: '', setSortKey: 'a', value: 'x', ttlSeconds: 0, returnCheckValue: false,
  });
  t.deepEqual(parse('check_and_set t h --check-sort-key a --check-type bytes_equal --operand o --set-sort-key b --value x --ttl 9 -r'), {
    kind: 'check_and_set', table: 't', hashKey: 'h', checkSortKey: 'a', checkType: 'bytes_equal', operand: 'o', setSortKey: 'b', value: 'x', ttlSeconds: 9, returnCheckValue: true,
  });
  t.is(Object.keys(CHECK_TYPES).length, 18, 'every cas_check_type has a name');
  usageError(t, 'check_and_set t h -t exist -v x', /missing --check-sort-key/);
  usageError(t, 'check_and_set t h -c a -v x', /missing --check-type/);
  usageError(t, 'check_and_set t h -c a -t exist', /missing --value/);
  usageError(t, 'check_and_set t h -c a -t maybe -v x', /unknown check type "maybe"/);
  usageError(t, 'check_and_set t', /check_and_set: missing <hash_key>/);
  t.deepEqual(parse('count t h'), { kind: 'count', table: 't', hashKey: 'h' });
  usageError(t, 'count t', /count: missing <hash_key>/);
});

test('scans', (t) => {
  t.deepEqual(parse('hash_scan t h'), { kind: 'hash_scan', table: 't', hashKey: 'h', start: '', stop: '', limits: { max: 100, noValue: false } });
  t.deepEqual(parse('hash_scan t h a z -n 3'), { kind: 'hash_scan', table: 't', hashKey: 'h', start: 'a', stop: 'z', limits: { max: 3, noValue: false } });
  usageError(t, 'hash_scan t', /hash_scan: missing <hash_key>/);
  usageError(t, 'hash_scan t h a z q', /unexpected argument "q"/);
  usageError(t, 'hash_scan t h --max 100001', /--max must be a whole number from 1 to 100000/);
  t.deepEqual(parse('full_scan t --no-value'), { kind: 'full_scan', table: 't', limits: { max: 100, noValue: true } });
  usageError(t, 'full_scan', /full_scan: missing <table>/);
  usageError(t, 'full_scan t --max many', /--max must be a whole number/);
});
