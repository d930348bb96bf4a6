// Proves the replica server's meta link beacons the meta server in use, follows a redirect to the
// leader, moves to the next configured meta server when the one in use stays silent, and reports
// lease expiry and renewal, by driving a MetaLink with explicit times and recording what it sends.
import test from 'ava';
import { MetaLink, type MetaLinkEvents } from '../../../../cluster/replica/server/meta-link.ts';
import type { ReplicaToMetaMessage } from '../../../../cluster/rpc/cluster-messages.ts';

const failureDetector = { beaconIntervalMs: 1000, checkIntervalMs: 500, leaseMs: 5000 };

function harness(metaServers: string[]) {
  const sent: Array<{ to: string; message: ReplicaToMetaMessage }> = [];
  const events: string[] = [];
  const sink: MetaLinkEvents = {
    send: (to, message) => sent.push({ to, message }),
    leaseExpired: () => events.push('expired'),
    leaseRenewed: () => events.push('renewed'),
    metaChanged: (to) => events.push(`meta ${to}`),
  };
  const link = new MetaLink({ self: 'r1:1', metaServers, failureDetector, events: sink });
  const beaconsTo = () => sent.filter((item) => item.message.kind === 'beacon').map((item) => item.to);
  return { link, sent, events, beaconsTo };
}

test('beacons go to the first meta server; an ack renews the lease, silence expires it', (t) => {
  const { link, events, beaconsTo } = harness(['m1:1', 'm2:1']);
  link.check(0);
  t.deepEqual(beaconsTo(), ['m1:1']);
  t.false(link.isLeaseValid(0));
  link.onBeaconAck(100, 'm1:1', { kind: 'beacon_ack', to: 'r1:1', sentMs: 0, allowed: true });
  t.deepEqual(events, ['renewed']);
  t.true(link.isLeaseValid(100));
  // m1 keeps answering nothing else; the lease from the beacon at 0 runs out before 5000.
  for (let now = 500; now <= 1500; now += 500) link.check(now);
  link.onBeaconAck(1600, 'm1:1', { kind: 'beacon_ack', to: 'r1:1', sentMs: 1000, allowed: true });
  for (let now = 2000; now <= 6000; now += 500) link.check(now);
  t.true(events.includes('expired'));
  t.false(link.isLeaseValid(6000));
});

test('a redirect moves beacons and requests to the named leader', (t) => {
  const { link, sent, events, beaconsTo } = harness(['m1:1', 'm2:1']);
  link.check(0);
  link.onForward(50, 'm1:1', { kind: 'forward', to: 'r1:1', leader: 'm3:1' });
  t.is(link.metaServer, 'm3:1', 'a leader not configured is followed too');
  t.true(events.includes('meta m3:1'));
  link.check(1000);
  t.deepEqual(beaconsTo(), ['m1:1', 'm3:1']);
  link.send({ kind: 'replica_reports', from: 'r1:1', replicas: [], absent: [], configSync: true });
  t.is(sent.at(-1)?.to, 'm3:1');
  // No leader known yet: stay.
  link.onForward(1100, 'm3:1', { kind: 'forward', to: 'r1:1', leader: '' });
  t.is(link.metaServer, 'm3:1');
});

test('a silent meta server is replaced by the next configured one, in turn', (t) => {
  const { link, beaconsTo } = harness(['m1:1', 'm2:1']);
  for (let now = 0; now <= 2500; now += 500) link.check(now);
  t.is(link.metaServer, 'm2:1', 'nothing heard from m1 for more than two beacon intervals');
  for (let now = 3000; now <= 5500; now += 500) link.check(now);
  t.is(link.metaServer, 'm1:1', 'wraps around');
  t.true(beaconsTo().includes('m2:1'));
  // An answering meta server is kept.
  for (let now = 6000; now <= 12000; now += 500) {
    link.check(now);
    link.onHeard(now, link.metaServer);
  }
  t.is(link.metaServer, 'm1:1');
});

test('acks that do not allow renew nothing', (t) => {
  const { link, events } = harness(['m1:1']);
  link.check(0);
  link.onBeaconAck(10, 'm1:1', { kind: 'beacon_ack', to: 'r1:1', sentMs: 0, allowed: false });
  t.false(link.isLeaseValid(10));
  t.deepEqual(events, []);
});
