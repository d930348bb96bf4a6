// Proves the disk model keeps what was synced and nothing is promised beyond it: a process crash
// keeps the page cache, a power loss keeps the synced prefix plus a random prefix of the rest, and
// a torn tail record is cut off by recovery.
import test from 'ava';
import { SimDisk, SimLog } from './disk.ts';
import { RandomStream } from './random-stream.ts';

test('synced entries always survive a power loss; unsynced ones may not', (t) => {
  for (let seed = 1; seed <= 50; seed++) {
    const log = new SimLog<number>();
    log.append([1, 2, 3]);
    log.fsync();
    log.append([4, 5, 6]);
    log.powerLoss(RandomStream.fromSeed(seed), 0.5);
    const { entries } = log.recover();
    t.deepEqual(entries.slice(0, 3), [1, 2, 3]);
    t.deepEqual(entries, [1, 2, 3, 4, 5, 6].slice(0, entries.length), 'survivors are a prefix');
  }
});

test('over many seeds the unsynced tail is sometimes lost and sometimes torn, and a torn record never survives recovery', (t) => {
  let lostSome = 0;
  let torn = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const log = new SimLog<number>();
    log.append([1, 2, 3, 4]);
    const result = log.powerLoss(RandomStream.fromSeed(seed), 0.5);
    if (result.lost > 0) lostSome++;
    const recovery = log.recover();
    t.is(recovery.tornTruncated, result.torn);
    if (result.torn) torn++;
    t.is(recovery.entries.length, 4 - result.lost);
    log.append([9]);
    t.is(log.recover().entries.at(-1), 9, 'appends continue after the truncation point');
  }
  t.true(lostSome > 100);
  t.true(torn > 50);
});

test('appending to a log with a torn tail is refused until it is recovered', (t) => {
  let seed = 1;
  for (;; seed++) {
    const log = new SimLog<number>();
    log.append([1, 2]);
    if (log.powerLoss(RandomStream.fromSeed(seed), 1).torn) {
      t.throws(() => log.append([3]), { message: /recover/ });
      log.recover();
      t.notThrows(() => log.append([3]));
      return;
    }
  }
});

test('fsync policy always makes whole-file writes durable at once; never leaves them in the cache', (t) => {
  const always = new SimDisk('always');
  always.writeFile('init-info', { ballot: 3 });
  always.powerLoss(RandomStream.fromSeed(1), 1);
  t.deepEqual(always.file('init-info').read(), { ballot: 3 });
  let reverted = false;
  for (let seed = 1; seed <= 20; seed++) {
    const never = new SimDisk('never');
    never.writeFile('init-info', { ballot: 3 });
    never.powerLoss(RandomStream.fromSeed(seed), 1);
    if (never.file('init-info').read() === undefined) reverted = true;
  }
  t.true(reverted);
});

test('truncation and prefix garbage collection keep the log consistent', (t) => {
  const log = new SimLog<number>();
  log.append([1, 2, 3, 4, 5]);
  log.fsync();
  log.dropPrefix(2);
  log.truncateTo(2);
  t.deepEqual(log.recover().entries, [3, 4]);
  t.throws(() => log.dropPrefix(3));
  log.append([5]);
  log.dropPrefix(3);
  t.deepEqual(log.recover().entries, []);
});
