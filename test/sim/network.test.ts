// Proves the simulated network's faults each do what they say by sending counted messages
// through a two- or three-node world with one fault at a time and observing deliveries.
import test from 'ava';
import { EventQueue } from './event-queue.ts';
import { Network, QUIET_NETWORK } from './network.ts';
import type { NetworkFaults } from './network.ts';
import { RandomStream } from './random-stream.ts';

function world(faults: NetworkFaults = QUIET_NETWORK, seed = 1) {
  const queue = new EventQueue();
  const received: { to: string; from: string; message: number; atMs: number }[] = [];
  const network = new Network<number>(queue, RandomStream.fromSeed(seed), faults, (to, from, message) => {
    received.push({ to, from, message, atMs: queue.nowMs });
  });
  return { queue, network, received };
}

test('a quiet network delivers every message once, within the delay range', (t) => {
  const { queue, network, received } = world();
  for (let i = 0; i < 100; i++) network.send('a', 'b', i);
  queue.runUntil(1000);
  t.is(received.length, 100);
  t.deepEqual(received.map((r) => r.message).sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  t.true(received.every((r) => r.atMs >= 1 && r.atMs <= 5));
});

test('per-message delays reorder messages on one link', (t) => {
  const { queue, network, received } = world({ ...QUIET_NETWORK, delayMaxMs: 50, reorderProbability: 0.5, reorderDelayMaxMs: 200 });
  for (let i = 0; i < 50; i++) network.send('a', 'b', i);
  queue.runUntil(1000);
  const order = received.map((r) => r.message);
  t.is(order.length, 50);
  t.notDeepEqual(order, [...order].sort((x, y) => x - y));
});

test('loss and duplication happen at roughly their rates', (t) => {
  const lossy = world({ ...QUIET_NETWORK, lossProbability: 0.3 });
  for (let i = 0; i < 900; i++) lossy.network.send('a', 'b', i);
  lossy.queue.runUntil(1000);
  t.true(lossy.received.length > 540 && lossy.received.length < 720, `delivered ${lossy.received.length}`);
  const dup = world({ ...QUIET_NETWORK, duplicateProbability: 0.2 });
  for (let i = 0; i < 400; i++) dup.network.send('a', 'b', i);
  dup.queue.runUntil(1000);
  t.is(dup.received.length, 400 + dup.network.stats.duplicated);
  t.true(dup.network.stats.duplicated > 50 && dup.network.stats.duplicated < 110);
});

test('an asymmetric cut drops one direction only; heal restores it', (t) => {
  const { queue, network, received } = world();
  network.cutOneWay(['a'], ['b']);
  network.send('a', 'b', 1);
  network.send('b', 'a', 2);
  queue.runUntil(100);
  t.deepEqual(received.map((r) => r.message), [2]);
  network.heal();
  network.send('a', 'b', 3);
  queue.runUntil(200);
  t.deepEqual(received.map((r) => r.message), [2, 3]);
});

test('a message in flight when its link is cut is dropped on arrival', (t) => {
  const { queue, network, received } = world({ ...QUIET_NETWORK, delayMinMs: 10, delayMaxMs: 10 });
  network.send('a', 'b', 1);
  queue.runUntil(5);
  network.cutBetween(['a'], ['b']);
  queue.runUntil(100);
  t.is(received.length, 0);
  t.is(network.stats.cut, 1);
});

test('isolate-one cuts one node from all others, both ways', (t) => {
  const { queue, network, received } = world();
  const description = network.partition('isolate-one', ['a', 'b', 'c']);
  const alone = description.split(' ')[1] as string;
  for (const from of ['a', 'b', 'c']) for (const to of ['a', 'b', 'c']) if (from !== to) network.send(from, to, 0);
  queue.runUntil(100);
  t.is(received.length, 2);
  t.true(received.every((r) => r.from !== alone && r.to !== alone));
});

test('a symmetric split cuts both directions between the two halves', (t) => {
  const { network } = world();
  const description = network.partition('symmetric', ['a', 'b', 'c', 'd']);
  const [left, right] = description.replace('split ', '').split(' | ').map((group) => group.split(','));
  for (const x of left ?? []) for (const y of right ?? []) t.true(network.isLinkCut(x, y) && network.isLinkCut(y, x));
  for (const x of left ?? []) for (const y of left ?? []) t.false(network.isLinkCut(x, y));
});

test('a clogged link holds messages until the clog ends', (t) => {
  const { queue, network, received } = world();
  network.clog('a', 'b', 500);
  network.send('a', 'b', 1);
  network.send('b', 'a', 2);
  queue.runUntil(1000);
  const clogged = received.find((r) => r.message === 1);
  const free = received.find((r) => r.message === 2);
  t.true((clogged?.atMs ?? 0) >= 500);
  t.true((free?.atMs ?? Infinity) <= 5);
});
