// The expiry sweep on a ReplicaHost: primaries only, never ahead of the last applied mutation.
import test from 'ava';
import { ManualClock } from '../../../common/clock.ts';
import { encodeKey } from '../../../cluster/storage/key-schema.ts';
import { epoch2016SecondsFromUnixMs } from '../../../cluster/storage/value-schema.ts';
import { HostCluster } from './host-cluster.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

test('the primary sweeps expired records only once a mutation at least as late was applied', async (t) => {
  const clock = new ManualClock();
  const cluster = await HostCluster.start({ nodes: ['n1:1', 'n2:1'], clock, tuning: { expirySweepIntervalMs: 0 } });
  t.teardown(() => cluster.stop());
  await cluster.formGroup('n1:1', ['n2:1']);
  const primary = cluster.host('n1:1');
  const expireTsSeconds = epoch2016SecondsFromUnixMs(clock.nowMs()) + 10;
  await primary.write({ kind: 'put', key: encodeKey(text('h'), text('short-lived')), value: text('v'), expireTsSeconds });
  await primary.write({ kind: 'put', key: encodeKey(text('h'), text('forever')), value: text('v'), expireTsSeconds: 0 });

  clock.advance(20_000);
  const passes = primary.expirySweepTotals().passesCompleted;
  await cluster.until('two sweep passes after the clock moved', () => primary.expirySweepTotals().passesCompleted >= passes + 2);
  t.is(primary.expirySweepTotals().deleted, 0, 'no mutation since the expiry: the sweep must not delete yet');
  const hidden = await cluster.read('n1:1', { kind: 'get', key: encodeKey(text('h'), text('short-lived')) });
  t.is(hidden.error, 1, 'reads hide it already');

  await primary.write({ kind: 'put', key: encodeKey(text('h'), text('later')), value: text('v'), expireTsSeconds: 0 });
  await cluster.until('the expired record swept', () => primary.expirySweepTotals().deleted === 1);
  t.is(cluster.host('n2:1').expirySweepTotals().passesCompleted, 0, 'secondaries do not sweep');
});
