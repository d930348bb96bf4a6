// Proves the prepare list's bounds and commit rules by driving it directly: room, replacement by
// a higher ballot, in-order commit of logged entries only, dropping committed entries for room,
// truncation and ranges.
import test from 'ava';
import { AssertionError } from '../../../common/assert.ts';
import { PrepareList } from '../../../cluster/replication/prepare-list.ts';
import type { Mutation } from '../../../cluster/replication/types.ts';

function mutation(ballot: bigint, decree: bigint): Mutation {
  return { ballot, decree, lastCommittedDecree: 0n, timestampUs: decree, requests: [], sizeBytes: 0 };
}

function entry(ballot: bigint, decree: bigint, logged = true) {
  return { mutation: mutation(ballot, decree), logged, appendSeq: 0, ackTo: undefined };
}

test('commits in decree order and only logged entries', (t) => {
  const list = new PrepareList(8, 0n);
  list.put(entry(1n, 2n));
  list.put(entry(1n, 1n, false));
  t.is(list.commitNext(), undefined, 'decree 1 is not logged yet');
  const first = list.get(1n);
  if (first) first.logged = true;
  t.is(list.commitNext()?.decree, 1n);
  t.is(list.commitNext()?.decree, 2n);
  t.is(list.commitNext(), undefined, 'decree 3 is missing');
  t.is(list.committedDecree, 2n);
  t.is(list.maxDecree, 2n);
});

test('has room only within capacity above the committed decree', (t) => {
  const list = new PrepareList(4, 10n);
  t.false(list.hasRoomFor(10n));
  t.true(list.hasRoomFor(11n));
  t.true(list.hasRoomFor(14n));
  t.false(list.hasRoomFor(15n));
  t.throws(() => list.put(entry(1n, 15n)), { instanceOf: AssertionError });
});

test('a higher ballot replaces a prepared mutation; a lower one is refused', (t) => {
  const list = new PrepareList(4, 0n);
  list.put(entry(2n, 1n));
  list.put(entry(3n, 1n));
  t.is(list.get(1n)?.mutation.ballot, 3n);
  t.throws(() => list.put(entry(2n, 1n)), { instanceOf: AssertionError });
});

test('committed entries are dropped from the low end to make room, and kept until then for LT_CACHE', (t) => {
  const list = new PrepareList(3, 0n);
  for (let d = 1n; d <= 3n; d += 1n) list.put(entry(1n, d));
  while (list.commitNext() !== undefined);
  t.is(list.minDecree, 1n);
  list.put(entry(1n, 4n));
  list.put(entry(1n, 5n));
  t.is(list.minDecree, 3n);
  t.deepEqual(list.range(3n, 5n)?.map((m) => m.decree), [3n, 4n, 5n]);
  t.is(list.range(2n, 5n), undefined);
});

test('ballots never decrease along committed decrees', (t) => {
  const list = new PrepareList(4, 0n);
  list.put(entry(3n, 1n));
  list.put(entry(2n, 2n));
  list.commitNext();
  t.throws(() => list.commitNext(), { instanceOf: AssertionError, message: /ballots never decrease/ });
});

test('truncation keeps committed entries and drops the uncommitted tail', (t) => {
  const list = new PrepareList(8, 0n);
  for (let d = 1n; d <= 4n; d += 1n) list.put(entry(1n, d));
  list.commitNext();
  list.truncateAfter(1n);
  t.is(list.maxDecree, 1n);
  t.deepEqual(list.uncommitted(), []);
  t.throws(() => list.truncateAfter(0n), { instanceOf: AssertionError });
  list.reset(7n);
  t.is(list.committedDecree, 7n);
  t.is(list.minDecree, 8n);
});
