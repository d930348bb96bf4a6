// Proves that the backup commands of `pegasus` build the requests the meta server's /v1/backup
// routes take, refuse missing or malformed arguments naming them, and that onebox --redis reaches
// the meta servers' command lines; the progress line counts finished partitions.
import test from 'ava';
import { UsageError, parseShellArgs, type Command } from '../../../infra/shell/args.ts';
import { progressLine } from '../../../infra/shell/backup-commands.ts';
import { ONEBOX_DEFAULTS, OneboxOptionError, oneboxOptionsFrom } from '../../../infra/onebox/options.ts';
import { planOnebox } from '../../../infra/onebox/plan.ts';

const parse = (line: string): Command => parseShellArgs(line.split(' '), '/x').command;
const refuse = (t: import('ava').ExecutionContext, line: string, pattern: RegExp): void => {
  const error = t.throws(() => parseShellArgs(line.split(' '), '/x'), { instanceOf: UsageError }, line);
  t.regex(error?.message ?? '', pattern, line);
};

test('policy commands', (t) => {
  t.deepEqual(parse('add_backup_policy --name daily --tables a,b --target file:///b --interval 60 --start 02:00 --keep 3'), {
    kind: 'backup', action: 'add_policy', policy: { name: 'daily', tables: 'a,b', target: 'file:///b', interval: '60', start: '02:00', keep: '3' },
  });
  t.deepEqual(parse('modify_backup_policy --name daily --keep 7'), { kind: 'backup', action: 'modify_policy', name: 'daily', policy: { keep: '7' } });
  t.deepEqual(parse('ls_backup_policy'), { kind: 'backup', action: 'ls_policy' });
  t.deepEqual(parse('disable_backup_policy --name daily'), { kind: 'backup', action: 'disable_policy', name: 'daily' });
  t.deepEqual(parse('enable_backup_policy --name daily'), { kind: 'backup', action: 'enable_policy', name: 'daily' });
  t.deepEqual(parse('query_backup_policy --name daily'), { kind: 'backup', action: 'query_policy', name: 'daily' });
  refuse(t, 'add_backup_policy --name daily --tables a --interval 60 --keep 3', /--target is required/);
  refuse(t, 'add_backup_policy --name daily --tables a --target file:///b --interval 60', /--keep is required/);
  refuse(t, 'modify_backup_policy --name daily', /at least one setting/);
  refuse(t, 'enable_backup_policy', /--name is required/);
});

test('backup_app, status and cancel', (t) => {
  t.deepEqual(parse('backup_app temp --target file:///b --wait'), { kind: 'backup', action: 'backup_app', table: 'temp', target: 'file:///b', wait: true });
  t.deepEqual(parse('query_backup_status'), { kind: 'backup', action: 'status' });
  t.deepEqual(parse('query_backup_status --backup-id 123'), { kind: 'backup', action: 'status', backupId: '123' });
  t.deepEqual(parse('cancel_backup --backup-id 123'), { kind: 'backup', action: 'cancel', backupId: '123' });
  refuse(t, 'backup_app --target file:///b', /missing <table>/);
  refuse(t, 'backup_app temp', /--target is required/);
  refuse(t, 'cancel_backup --backup-id abc', /--backup-id must be the decimal id/);
  refuse(t, 'cancel_backup', /--backup-id is required/);
});

test('onebox --redis reaches the meta servers only, and a bad one is refused', (t) => {
  const options = oneboxOptionsFrom({ redis: '127.0.0.1:6379' }, '/x');
  t.is(options.redis, '127.0.0.1:6379');
  const plan = planOnebox({ ...ONEBOX_DEFAULTS, dir: '/r', redis: '127.0.0.1:6379', redisPrefix: 'p1' });
  for (const meta of plan.metas) t.true(meta.args.join(' ').includes('--redis 127.0.0.1:6379 --redis-prefix p1'));
  for (const replica of plan.replicas) t.false(replica.args.includes('--redis'));
  t.throws(() => oneboxOptionsFrom({ redis: 'nohost' }, '/x'), { instanceOf: OneboxOptionError, message: /--redis must be host:port/ });
});

test('the progress line counts finished partitions and bytes', (t) => {
  const line = progressLine({
    backupId: '7', policyName: '', target: 'file:///b', state: 'running', startTimeMs: 0,
    tables: [{ name: 't', partitions: [
      { index: 0, state: 'completed', uploadedBytes: 1 << 20, attempts: 1 },
      { index: 1, state: 'active', uploadedBytes: 1 << 19, attempts: 1 },
    ] }],
  });
  t.is(line, `backup 7 [${'#'.repeat(15)}${'.'.repeat(15)}] 1/2 partitions, 1.5 MiB, running`);
});
