// Proves the seeded world is deterministic: the event queue runs events in time order with ties
// in scheduling order, jumps the clock, honours cancellation, and equal seeds draw equal streams.
import test from 'ava';
import { EventQueue } from './event-queue.ts';
import { RandomStream } from './random-stream.ts';

test('events run in time order, ties in the order they were scheduled', (t) => {
  const queue = new EventQueue();
  const order: string[] = [];
  queue.after(10, 'b', () => order.push('b@10'));
  queue.after(5, 'a', () => order.push('a@5'));
  queue.after(10, 'c', () => order.push('c@10'));
  queue.after(0, 'z', () => order.push('z@0'));
  while (queue.step());
  t.deepEqual(order, ['z@0', 'a@5', 'b@10', 'c@10']);
  t.is(queue.nowMs, 10);
});

test('the clock jumps to the next event and events may schedule more events', (t) => {
  const queue = new EventQueue();
  const times: number[] = [];
  const tick = (): void => {
    times.push(queue.nowMs);
    if (times.length < 4) queue.after(1000, 'tick', tick);
  };
  queue.after(1000, 'tick', tick);
  queue.runUntil(10_000);
  t.deepEqual(times, [1000, 2000, 3000, 4000]);
  t.is(queue.nowMs, 10_000);
  t.is(queue.clock.nowMs() - queue.clock.monotonicMs(), Date.UTC(2026, 0, 1));
});

test('a cancelled timer never runs', (t) => {
  const queue = new EventQueue();
  let ran = false;
  const timer = queue.after(5, 'x', () => { ran = true; });
  timer.cancel();
  queue.runUntil(100);
  t.false(ran);
  t.is(queue.executedCount, 0);
});

test('scheduling in the past is a programmer error', (t) => {
  const queue = new EventQueue();
  queue.runUntil(50);
  t.throws(() => queue.at(10, 'past', () => {}), { message: /past/ });
});

test('equal seeds give equal streams; forks are independent of later parent draws', (t) => {
  const a = RandomStream.fromSeed(42);
  const b = RandomStream.fromSeed(42);
  const drawsA = Array.from({ length: 20 }, () => a.int(1000));
  const drawsB = Array.from({ length: 20 }, () => b.int(1000));
  t.deepEqual(drawsA, drawsB);
  const forkA = a.fork();
  const forkB = b.fork();
  a.int(10);
  t.deepEqual([forkA.next(), forkA.next()], [forkB.next(), forkB.next()]);
  t.notDeepEqual(drawsA, Array.from({ length: 20 }, () => RandomStream.fromSeed(43).int(1000)));
});

test('range is inclusive and shuffle is a permutation', (t) => {
  const random = RandomStream.fromSeed(7);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(random.range(1, 3));
  t.deepEqual([...seen].sort(), [1, 2, 3]);
  t.deepEqual(random.shuffle([1, 2, 3, 4, 5]).sort(), [1, 2, 3, 4, 5]);
});
