// Proves the beacon failure detector is perfect: a replica server's lease always runs out before
// the meta server declares it dead, shown on hand-written timelines and, with fast-check, for
// arbitrary beacon and ack delays and losses on one shared timeline.
import test from 'ava';
import fc from 'fast-check';
import { MasterLiveness } from '../../../cluster/meta/core/master-liveness.ts';
import { DEFAULT_FAILURE_DETECTOR_OPTIONS, type FailureDetectorOptions } from '../../../cluster/meta/core/options.ts';
import { WorkerLease } from '../../../cluster/meta/core/worker-lease.ts';

const options: FailureDetectorOptions = { beaconIntervalMs: 1000, checkIntervalMs: 500, leaseMs: 5000, graceMs: 6000 };

test('options that let a worker outlive its grace are refused', (t) => {
  t.throws(() => new MasterLiveness({ ...options, graceMs: 5000 }), { message: /grace must exceed lease/ });
  t.throws(() => new WorkerLease({ metaServer: 'm', options: { ...options, leaseMs: 1500 } }), { message: /two beacon intervals/ });
  t.notThrows(() => new MasterLiveness(DEFAULT_FAILURE_DETECTOR_OPTIONS));
});

test('a worker beacons every interval and serves only while acked beacons are recent', (t) => {
  const worker = new WorkerLease({ metaServer: 'meta', options });
  t.false(worker.isValid(0), 'no lease before the first ack');
  t.deepEqual(worker.tick(0), [{ kind: 'send_beacon', to: 'meta', sentMs: 0 }]);
  t.deepEqual(worker.tick(500), []);
  t.deepEqual(worker.onBeaconAck(600, { sentMs: 0, allowed: true }), [{ kind: 'lease_renewed' }]);
  t.true(worker.isValid(600));
  t.deepEqual(worker.tick(1000), [{ kind: 'send_beacon', to: 'meta', sentMs: 1000 }]);
  // No further ack: the lease counted from the beacon sent at 0 ends at 5000; the check at 4500
  // gives up one check interval early.
  t.deepEqual(worker.tick(4000).filter((o) => o.kind === 'lease_expired'), []);
  t.deepEqual(worker.tick(4500).filter((o) => o.kind === 'lease_expired'), [{ kind: 'lease_expired' }]);
  t.false(worker.isValid(4600));
  // A late ack for the beacon sent at 1000 would only last until 6000: too short to serve again.
  t.deepEqual(worker.onBeaconAck(5600, { sentMs: 1000, allowed: true }), []);
  t.false(worker.isValid(5600));
  // An ack for a fresh beacon renews it.
  worker.tick(6000);
  t.deepEqual(worker.onBeaconAck(6100, { sentMs: 6000, allowed: true }), [{ kind: 'lease_renewed' }]);
  t.true(worker.isValid(6100));
});

test('acks that are refused or for beacons never sent renew nothing', (t) => {
  const worker = new WorkerLease({ metaServer: 'meta', options });
  worker.tick(0);
  t.deepEqual(worker.onBeaconAck(10, { sentMs: 0, allowed: false }), []);
  t.deepEqual(worker.onBeaconAck(10, { sentMs: 99_999, allowed: true }), []);
  t.false(worker.isValid(10));
});

test('the master declares a silent worker dead only after the grace period', (t) => {
  const master = new MasterLiveness(options);
  t.deepEqual(master.onBeacon(100, 'rs1'), { allowed: true, change: { node: 'rs1', alive: true } });
  t.deepEqual(master.tick(6100), []);
  t.deepEqual(master.tick(6101), [{ node: 'rs1', alive: false }]);
  t.false(master.isAlive('rs1'));
  t.deepEqual(master.onBeacon(7000, 'rs1').change, { node: 'rs1', alive: true });
});

test('a node known only from stored configurations gets one grace period to speak up', (t) => {
  const master = new MasterLiveness(options);
  master.register(1000, 'rs9');
  t.true(master.isAlive('rs9'));
  t.deepEqual(master.tick(7000), []);
  t.deepEqual(master.tick(7001), [{ node: 'rs9', alive: false }]);
});

interface Exchange {
  /** Beacon delay to the master, or undefined when the beacon is lost. */
  readonly beaconDelayMs: number | undefined;
  /** Ack delay back to the worker, or undefined when the ack is lost. */
  readonly ackDelayMs: number | undefined;
}

/** Runs worker and master on one timeline and returns the violations of "dead => not serving". */
function runTimeline(exchanges: readonly Exchange[], masterTickMs: number, workerLeaseMs = options.leaseMs): string[] {
  // The worker never reads graceMs; it is raised only to pass the option check.
  const worker = new WorkerLease({ metaServer: 'meta', options: { ...options, leaseMs: workerLeaseMs, graceMs: Math.max(options.graceMs, workerLeaseMs + 1) } });
  const master = new MasterLiveness(options);
  type Event =
    | { atMs: number; seq: number; kind: 'worker_tick' }
    | { atMs: number; seq: number; kind: 'master_tick' }
    | { atMs: number; seq: number; kind: 'beacon'; sentMs: number; ackDelayMs: number | undefined }
    | { atMs: number; seq: number; kind: 'ack'; sentMs: number };
  const events: Event[] = [];
  let seq = 0;
  const endMs = exchanges.length * options.beaconIntervalMs + 3 * options.graceMs;
  for (let at = 0; at <= endMs; at += options.checkIntervalMs) events.push({ atMs: at, seq: seq++, kind: 'worker_tick' });
  for (let at = 0; at <= endMs; at += masterTickMs) events.push({ atMs: at, seq: seq++, kind: 'master_tick' });
  let beaconIndex = 0;
  const violations: string[] = [];
  const before = (a: Event, b: Event) => a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  events.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
  events.reverse(); // latest first, so the next event pops off the end
  const schedule = (event: Event) => {
    let low = 0;
    let high = events.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (before(events[middle]!, event)) high = middle;
      else low = middle + 1;
    }
    events.splice(low, 0, event);
  };
  while (events.length > 0) {
    const event = events.pop()!;
    const now = event.atMs;
    switch (event.kind) {
      case 'worker_tick':
        for (const output of worker.tick(now)) {
          if (output.kind !== 'send_beacon') continue;
          const exchange = exchanges[beaconIndex++];
          if (exchange?.beaconDelayMs === undefined) continue;
          schedule({ atMs: now + exchange.beaconDelayMs, seq: seq++, kind: 'beacon', sentMs: output.sentMs, ackDelayMs: exchange.ackDelayMs });
        }
        break;
      case 'master_tick':
        for (const change of master.tick(now)) {
          if (!change.alive && worker.isValid(now)) violations.push(`declared dead at ${now} while the worker still serves`);
        }
        break;
      case 'beacon':
        master.onBeacon(now, 'rs1');
        if (event.ackDelayMs !== undefined) schedule({ atMs: now + event.ackDelayMs, seq: seq++, kind: 'ack', sentMs: event.sentMs });
        break;
      case 'ack':
        worker.onBeaconAck(now, { sentMs: event.sentMs, allowed: true });
        break;
    }
    if (master.nodes().length > 0 && !master.isAlive('rs1') && worker.isValid(now)) {
      violations.push(`at ${now} the master holds the worker dead while it serves`);
    }
  }
  return violations;
}

test('for any beacon and ack delays and losses, a worker stops serving before it is declared dead', (t) => {
  const delay = fc.option(fc.integer({ min: 0, max: 12_000 }), { nil: undefined, freq: 4 });
  const exchange = fc.record({ beaconDelayMs: delay, ackDelayMs: delay });
  fc.assert(
    fc.property(fc.array(exchange, { minLength: 1, maxLength: 40 }), fc.integer({ min: 20, max: 700 }), (exchanges, masterTickMs) => {
      t.deepEqual(runTimeline(exchanges, masterTickMs), []);
    }),
    { numRuns: 100 },
  );
});

test('the timeline check catches a worker whose lease outlives the master\'s grace', (t) => {
  // Prompt beacons, then silence: with a lease longer than the grace, the worker still serves
  // when it is declared dead.
  const exchanges = Array.from({ length: 10 }, () => ({ beaconDelayMs: 5, ackDelayMs: 5 }));
  t.deepEqual(runTimeline(exchanges, 100), []);
  t.not(runTimeline(exchanges, 100, 8000).length, 0);
});
