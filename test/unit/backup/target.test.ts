import test from 'ava';
import { BlockStoreError, checkBlockPath } from '../../../backup/block-store/block-store.ts';
import { parseBlockTarget } from '../../../backup/block-store/target.ts';

test('the three target forms parse into their parts', (t) => {
  t.deepEqual(parseBlockTarget('s3://backups/cluster-a/daily/'), { kind: 's3', bucket: 'backups', prefix: 'cluster-a/daily' });
  t.deepEqual(parseBlockTarget('hdfs://namenode:9870/pegasus'), { kind: 'hdfs', host: 'namenode', port: 9870, path: '/pegasus' });
  t.deepEqual(parseBlockTarget('hdfs://namenode/pegasus'), { kind: 'hdfs', host: 'namenode', port: 9870, path: '/pegasus' });
  t.deepEqual(parseBlockTarget('file:///var/backups/pegasus/'), { kind: 'file', dir: '/var/backups/pegasus' });
});

test('a bad target is refused with what is wrong and the accepted forms', (t) => {
  for (const [target, why] of [
    ['backups', /is not a URL/], ['ftp://host/dir', /unknown scheme ftp:/], ['file://host/dir', /names a host/],
    ['file:///', /filesystem root/], ['s3://A_bucket/x', /no valid bucket name/], ['s3://bucket/x?y=1', /query or fragment/],
  ] as const) {
    const error = t.throws(() => parseBlockTarget(target), { instanceOf: BlockStoreError }, target);
    t.regex(error.message, why);
    t.regex(error.message, /expected s3:\/\/bucket\/prefix/);
    t.is(error.code, 'ERR_INVALID_PARAMETERS');
  }
});

test('block paths are plain relative segments', (t) => {
  t.notThrows(() => checkBlockPath('onebox/1700000000000/temp_1/0/part-00000'));
  t.notThrows(() => checkBlockPath('', { allowRoot: true }));
  for (const path of ['', '/abs', 'a//b', 'a/../b', 'trailing/', 'sp ace', 'a/./b']) {
    t.throws(() => checkBlockPath(path), { instanceOf: BlockStoreError }, path);
  }
});
