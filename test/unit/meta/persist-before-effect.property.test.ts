// Proves, with fast-check over random interleavings of beacons, silences, replica requests (good
// and bogus), store completions in any order, lost acknowledgements and meta restarts, that
// nothing takes effect before it is persisted: the configuration in effect is always the stored
// one or one ballot behind it, ballots rise by exactly one, and every OK reply and notification
// carries a configuration already in the store. Drops and recalls of the table are mixed in: a
// table is dropped or available in effect only once the store says so, and nothing of a dropped
// table's partitions is written.
import test from 'ava';
import fc from 'fast-check';
import { applyChange } from '../../../cluster/meta/core/config-change.ts';
import { decodeEntry, seedTableEntries } from '../../../cluster/meta/core/codec.ts';
import { MetaCore } from '../../../cluster/meta/core/meta-core.ts';
import type { ConfigChangeKind, MetaAction, PartitionConfiguration, PersistAction, ProposalAction } from '../../../cluster/meta/core/types.ts';
import { testOptions } from './meta-harness.ts';

const nodes = ['a', 'b', 'c', 'd'] as const;
const changes: ConfigChangeKind[] = ['assign_primary', 'upgrade_to_primary', 'add_secondary', 'upgrade_to_secondary', 'downgrade_to_secondary', 'downgrade_to_inactive', 'remove'];

type Op =
  | { kind: 'time'; ms: number; silent: boolean[] }
  | { kind: 'complete'; pick: number }
  | { kind: 'write_and_crash'; pick: number }
  | { kind: 'carry_out'; pick: number }
  | { kind: 'settle' }
  | { kind: 'ddl'; drop: boolean }
  | { kind: 'bogus'; from: number; node: number; change: number; ballotDelta: number; partition: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 10, max: 2000 }), silent: fc.array(fc.integer({ min: 0, max: 5 }).map((n) => n === 0), { minLength: 4, maxLength: 4 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('write_and_crash' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('carry_out' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'settle' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('ddl' as const), drop: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bogus' as const),
      from: fc.nat({ max: 3 }),
      node: fc.nat({ max: 3 }),
      change: fc.nat({ max: changes.length - 1 }),
      ballotDelta: fc.integer({ min: -1, max: 2 }),
      partition: fc.nat({ max: 1 }),
    }),
  },
);

function run(ops: readonly Op[]): { problems: string[]; final: PartitionConfiguration[] } {
  const problems: string[] = [];
  const store = new Map<string, string>(seedTableEntries({ appId: 1, name: 't', partitionCount: 2, maxReplicaCount: 3 }));
  let now = 0;
  let core = MetaCore.recover(testOptions, now, store).core;
  let pending: PersistAction[] = [];
  let proposals: ProposalAction[] = [];
  const stored = (index: number): PartitionConfiguration => {
    const entry = decodeEntry(`apps/1/${index}`, store.get(`apps/1/${index}`)!);
    if (entry.kind !== 'partition') throw new Error('not a partition');
    return entry.config;
  };
  const applied = (index: number) => core.config({ appId: 1, partitionIndex: index })!;
  let lastBallots = [0n, 0n];

  const storedStatus = () => (JSON.parse(store.get('apps/1')!) as { status: string }).status;
  const check = (actions: readonly MetaAction[], where: string) => {
    for (const action of actions) {
      if (action.kind === 'persist' && action.key !== 'apps/1' && core.tableById(1)?.status === 'dropped') problems.push(`${where}: ${action.key} written while the table is dropped`);
      if (action.kind === 'drop_table_reply' && action.error === 'ERR_OK' && storedStatus() !== 'dropped') problems.push(`${where}: drop answered before it is stored`);
      if (action.kind === 'recall_table_reply' && action.error === 'ERR_OK' && storedStatus() !== 'available') problems.push(`${where}: recall answered before it is stored`);
      if (action.kind === 'persist') pending.push(action);
      if (action.kind === 'proposal') proposals.push(action);
      const shown = action.kind === 'notify_config' ? action.config : action.kind === 'config_update_reply' && action.error === 'ERR_OK' ? action.config : undefined;
      if (shown !== undefined && shown.ballot > stored(shown.gpid.partitionIndex).ballot) problems.push(`${where}: ${action.kind} shows ballot ${shown.ballot} before it is stored`);
    }
    for (const index of [0, 1]) {
      const inEffect = applied(index);
      const inStore = stored(index);
      if (inStore.ballot !== inEffect.ballot && inStore.ballot !== inEffect.ballot + 1n) problems.push(`${where}: store ballot ${inStore.ballot}, in effect ${inEffect.ballot}`);
      if (inStore.ballot === inEffect.ballot && JSON.stringify(inStore, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v)) !== JSON.stringify(inEffect, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))) {
        problems.push(`${where}: same ballot ${inStore.ballot} but different configurations in store and in effect`);
      }
      const delta = inEffect.ballot - lastBallots[index]!;
      if (delta < 0n || delta > 1n) problems.push(`${where}: ballot went from ${lastBallots[index]} to ${inEffect.ballot}`);
      if (inEffect.primary !== '' && inEffect.secondaries.includes(inEffect.primary)) problems.push(`${where}: primary is its own secondary`);
    }
    const inEffect = core.tableById(1)?.status;
    if (inEffect === 'available' && storedStatus() !== 'available' && !pending.some((p) => p.key === 'apps/1')) problems.push(`${where}: available in effect, ${storedStatus()} in store`);
    if (inEffect === 'dropped' && storedStatus() !== 'dropped' && !pending.some((p) => p.key === 'apps/1')) problems.push(`${where}: dropped in effect, ${storedStatus()} in store`);
    if (inEffect === 'available' && storedStatus() === 'dropped') problems.push(`${where}: the table serves while the store says dropped`);
    lastBallots = [applied(0).ballot, applied(1).ballot];
  };

  for (const [step, o] of ops.entries()) {
    const where = `op ${step} ${o.kind}`;
    switch (o.kind) {
      case 'time': {
        const end = now + o.ms;
        while (now < end) {
          now = Math.min(end, now + 50);
          for (const [i, node] of nodes.entries()) if (!o.silent[i]) check(core.step({ kind: 'beacon', nowMs: now, from: node, sentMs: now }), where);
          check(core.step({ kind: 'tick', nowMs: now }), where);
        }
        break;
      }
      case 'complete': {
        const action = pending.splice(o.pick % Math.max(1, pending.length), 1)[0];
        if (action === undefined) break;
        store.set(action.key, action.value);
        check(core.step({ kind: 'persisted', nowMs: now, key: action.key, version: action.version }), where);
        break;
      }
      case 'write_and_crash': {
        const action = pending[o.pick % Math.max(1, pending.length)];
        if (action !== undefined) store.set(action.key, action.value);
        const recovered = MetaCore.recover(testOptions, now, store);
        core = recovered.core;
        pending = [];
        proposals = [];
        lastBallots = [applied(0).ballot, applied(1).ballot];
        check(recovered.actions, where);
        break;
      }
      case 'carry_out': {
        // Mostly the newest proposal, as a replica would act on it; sometimes an older one.
        const index = o.pick % 3 === 0 ? o.pick % Math.max(1, proposals.length) : proposals.length - 1;
        const proposal = proposals.splice(index, 1)[0];
        if (proposal === undefined) break;
        const change = proposal.change === 'add_secondary' ? 'upgrade_to_secondary' : proposal.change;
        const outcome = applyChange(proposal.config, change, proposal.node, proposal.config.lastCommittedDecree);
        if (outcome.ok) check(core.step({ kind: 'config_update', nowMs: now, from: proposal.to, change, node: proposal.node, config: outcome.next }), where);
        break;
      }
      case 'settle': {
        // Replicas act on every proposal, then the store completes every write.
        const all = proposals;
        proposals = [];
        for (const proposal of all) {
          const change = proposal.change === 'add_secondary' ? 'upgrade_to_secondary' : proposal.change;
          const outcome = applyChange(proposal.config, change, proposal.node, proposal.config.lastCommittedDecree);
          if (outcome.ok) check(core.step({ kind: 'config_update', nowMs: now, from: proposal.to, change, node: proposal.node, config: outcome.next }), where);
        }
        const writes = pending;
        pending = [];
        for (const action of writes) {
          store.set(action.key, action.value);
          check(core.step({ kind: 'persisted', nowMs: now, key: action.key, version: action.version }), where);
        }
        break;
      }
      case 'ddl':
        check(o.drop
          ? core.step({ kind: 'drop_table', nowMs: now, requestId: step, name: 't', reserveMs: 3_600_000, wallMs: 0 })
          : core.step({ kind: 'recall_table', nowMs: now, requestId: step, appId: 1, wallMs: 0 }), where);
        break;
      case 'bogus': {
        const current = applied(o.partition);
        const change = changes[o.change]!;
        const node = nodes[o.node]!;
        const outcome = applyChange(current, change, node, current.lastCommittedDecree);
        const config = outcome.ok ? { ...outcome.next, ballot: current.ballot + BigInt(o.ballotDelta) } : { ...current, ballot: current.ballot + BigInt(o.ballotDelta) };
        check(core.step({ kind: 'config_update', nowMs: now, from: nodes[o.from]!, change, node, config }), where);
        break;
      }
    }
  }
  return { problems, final: [applied(0), applied(1)] };
}

test('nothing takes effect before it is persisted, under any interleaving', (t) => {
  let changed = 0;
  fc.assert(
    fc.property(fc.array(op, { minLength: 5, maxLength: 80 }), (ops) => {
      const { problems, final } = run(ops);
      t.deepEqual(problems, []);
      if (final.some((config) => config.ballot >= 2n)) changed++;
    }),
    { numRuns: 150 },
  );
  t.true(changed >= 30, `only ${changed} of 150 runs made two or more changes`);
  t.log(`${changed} of 150 runs made two or more changes`);
});

test('the interleavings do reach changes: a plain run makes partitions healthy', (t) => {
  const ops: Op[] = [];
  for (let i = 0; i < 12; i++) ops.push({ kind: 'time', ms: 400, silent: [false, false, false, false] }, { kind: 'carry_out', pick: 0 }, { kind: 'carry_out', pick: 0 }, { kind: 'complete', pick: 0 }, { kind: 'complete', pick: 0 });
  const { problems, final } = run(ops);
  t.deepEqual(problems, []);
  t.deepEqual(final.map((config) => 1 + config.secondaries.length), [3, 3]);
});
