// The pure backup cores: policy validation refuses each kind of bad field with a message naming
// it, modify keeps what is not given, the first start time follows HH:MM UTC, and retention picks
// exactly the backups beyond keep (and abandoned older incomplete ones).
import test from 'ava';
import { BackupError } from '../../../backup/core/backup-error.ts';
import { modifyPolicy, nextStartMs, policyFromInput } from '../../../backup/core/policy.ts';
import { backupsBeyondKeep } from '../../../backup/core/retention.ts';

const tables = new Set(['temp', 'orders']);
const good = { name: 'daily', tables: 'temp,orders', target: 'file:///backups', interval: '3600', keep: '3' };

test('a good policy is normalized', (t) => {
  t.deepEqual(policyFromInput({ ...good, start: '02:30' }, tables), {
    name: 'daily', tables: ['temp', 'orders'], target: 'file:///backups', schedule: { kind: 'interval', seconds: 3600 }, start: '02:30', keep: 3, enabled: true,
  });
  t.deepEqual(policyFromInput({ ...good, interval: undefined, cron: '0  2 * * *' }, tables).schedule, { kind: 'cron', pattern: '0 2 * * *' });
});

test('each bad field is refused naming it', (t) => {
  const refuse = (input: Record<string, unknown>, message: RegExp, code: BackupError['code'] = 'ERR_INVALID_PARAMETERS') => {
    const error = t.throws(() => policyFromInput(input, tables), { instanceOf: BackupError, message });
    t.is(error?.code, code);
  };
  refuse({ ...good, name: '1x' }, /policy name "1x"/);
  refuse({ ...good, tables: 'temp,nope' }, /no table named "nope"/, 'ERR_OBJECT_NOT_FOUND');
  refuse({ ...good, tables: '' }, /--tables must name at least one table/);
  refuse({ ...good, target: 'ftp://x/y' }, /unknown scheme ftp/);
  refuse({ ...good, target: undefined }, /--target is required/);
  refuse({ ...good, interval: '0' }, /--interval "0"/);
  refuse({ ...good, interval: '1.5' }, /--interval "1.5"/);
  refuse({ ...good, cron: '0 2 * * *' }, /exactly one of --interval/);
  refuse({ ...good, interval: undefined }, /exactly one of --interval/);
  refuse({ ...good, interval: undefined, cron: 'at two' }, /is not a cron pattern/);
  refuse({ ...good, start: '24:00' }, /--start "24:00" must be HH:MM/);
  refuse({ ...good, keep: '0' }, /--keep "0"/);
  refuse({ ...good, keep: 'x' }, /--keep "x"/);
});

test('modify replaces only what is given and never renames', (t) => {
  const policy = policyFromInput({ ...good, start: '01:00' }, tables);
  const modified = modifyPolicy(policy, { keep: '7', cron: '0 3 * * *' }, tables);
  t.deepEqual(modified, { ...policy, keep: 7, schedule: { kind: 'cron', pattern: '0 3 * * *' } });
  t.false('start' in modifyPolicy(policy, { start: '' }, tables));
  t.throws(() => modifyPolicy(policy, { name: 'other' }, tables), { message: /cannot be renamed/ });
  t.throws(() => modifyPolicy(policy, { keep: '-1' }, tables), { message: /--keep/ });
});

test('the first start is the next HH:MM in UTC', (t) => {
  const noon = Date.UTC(2026, 0, 10, 12, 0);
  t.is(nextStartMs('13:15', noon), Date.UTC(2026, 0, 10, 13, 15));
  t.is(nextStartMs('02:00', noon), Date.UTC(2026, 0, 11, 2, 0));
  t.is(nextStartMs('12:00', noon), noon);
});

test('retention keeps the newest N completed and removes older incomplete ones', (t) => {
  const listing = [
    { backupId: '100', complete: true },
    { backupId: '200', complete: false },
    { backupId: '300', complete: true },
    { backupId: '400', complete: true },
    { backupId: '500', complete: false },
  ];
  t.deepEqual(backupsBeyondKeep(listing, 2), ['100', '200']);
  t.deepEqual(backupsBeyondKeep(listing, 1), ['100', '200', '300']);
  t.deepEqual(backupsBeyondKeep(listing, 5), []);
  t.deepEqual(backupsBeyondKeep([{ backupId: '1', complete: false }], 1), [], 'nothing completed: nothing removed');
});
