// Proves the role transition table and that the core changes roles only along it: error is
// terminal, an inactive replica becomes primary only once meta confirms, a primary is never its
// own secondary; checked on the table and on cores driven with meta messages.
import test from 'ava';
import { AssertionError } from '../../../common/assert.ts';
import { LEGAL_PREDECESSORS, isLegalTransition } from '../../../cluster/replication/roles.ts';
import { ReplicaCore } from '../../../cluster/replication/core.ts';
import type { PartitionConfiguration } from '../../../cluster/replication/configuration.ts';
import type { ReplicaRole } from '../../../cluster/replication/types.ts';

const gpid = { appId: 1, partitionIndex: 0 };
const roles: ReplicaRole[] = ['primary', 'secondary', 'potential_secondary', 'inactive', 'error'];

function config(ballot: bigint, primary: string, secondaries: string[] = []): PartitionConfiguration {
  return { gpid, ballot, maxReplicaCount: 3, primary, secondaries, lastDrops: [], lastCommittedDecree: 0n };
}

test('error is terminal and reachable from every role', (t) => {
  for (const to of roles) t.is(isLegalTransition('error', to), to === 'error', `error -> ${to}`);
  for (const from of roles) t.true(isLegalTransition(from, 'error'));
});

test('a learner becomes secondary but never primary directly', (t) => {
  t.true(isLegalTransition('potential_secondary', 'secondary'));
  t.false(isLegalTransition('potential_secondary', 'primary'));
  t.deepEqual([...LEGAL_PREDECESSORS.primary].sort(), ['inactive', 'primary', 'secondary']);
});

test('assign_primary takes effect only when meta confirms', (t) => {
  const core = new ReplicaCore({ gpid, self: 'n1' });
  core.step({ kind: 'meta', message: { kind: 'config_proposal', type: 'assign_primary', node: 'n1', config: config(0n, '') } });
  const ready = core.ready();
  t.is(core.role, 'inactive');
  t.deepEqual(ready.requestsToMeta.map((r) => [r.kind, r.node, r.config.ballot, r.config.primary]), [['assign_primary', 'n1', 1n, 'n1']]);
  core.advance(ready);
  core.step({ kind: 'meta', message: { kind: 'config_change_reply', error: 'ERR_OK', config: config(1n, 'n1') } });
  t.is(core.role, 'primary');
  t.is(core.ready().ballotToPersist, 1n);
  t.is(core.ready().roleChanged, 'primary');
});

test('a refused request leaves the replica where meta says; a non-member keeps its own ballot', (t) => {
  const core = new ReplicaCore({ gpid, self: 'n1' });
  core.step({ kind: 'meta', message: { kind: 'config_proposal', type: 'assign_primary', node: 'n1', config: config(0n, '') } });
  core.advance(core.ready());
  core.step({ kind: 'meta', message: { kind: 'config_change_reply', error: 'ERR_INVALID_VERSION', config: config(2n, 'n2') } });
  t.is(core.role, 'inactive');
  t.is(core.info().ballot, 0n);
  t.is(core.info().config?.ballot, 2n);
});

test('after a local failure the replica stays in error and refuses everything', (t) => {
  const core = new ReplicaCore({ gpid, self: 'n1' });
  core.step({ kind: 'local_failure', reason: 'disk' });
  t.is(core.role, 'error');
  core.step({ kind: 'meta', message: { kind: 'config_sync', config: config(5n, 'n1') } });
  core.step({ kind: 'client_read', requestId: 1 });
  t.is(core.role, 'error');
  t.like(core.ready().replyReads[0], { requestId: 1, outcome: { ok: false, code: 'ERR_INVALID_STATE' } });
});

test('a configuration naming the primary as its own secondary is refused by assertion', (t) => {
  const core = new ReplicaCore({ gpid, self: 'n2' });
  t.throws(() => core.step({ kind: 'meta', message: { kind: 'config_sync', config: config(1n, 'n1', ['n1', 'n2']) } }), {
    instanceOf: AssertionError, message: /never its own secondary/,
  });
});

test('a ballot never decreases: an older configuration is ignored', (t) => {
  const core = new ReplicaCore({ gpid, self: 'n2', recovered: { ballot: 4n, appliedDecree: 0n, checkpointDecree: 0n, logTruncatedDecree: 0n, log: [] } });
  core.step({ kind: 'meta', message: { kind: 'config_sync', config: config(3n, 'n1', ['n2']) } });
  t.is(core.info().ballot, 4n);
  t.is(core.info().config, undefined);
});
