// Proves the S3 server that infra/ starts serves what the backup block store needs through
// @aws-sdk/client-s3 and @aws-sdk/lib-storage: a multipart upload, paginated ListObjectsV2, a
// ranged and a whole get, and deletes, in a fresh bucket. (S3Proxy answers DeleteObjects sent with
// the SDK's CRC32 checksum headers with NotImplemented, so objects are deleted one by one.)
import { createHash } from 'node:crypto';
import test from 'ava';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { requireService, s3ClientConfig, uniqueName } from '../../support/services.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test.before(async () => {
  await requireService('s3');
});

test('multipart upload, paginated listing, get and delete round-trip', async (t) => {
  const s3 = new S3Client(s3ClientConfig());
  const bucket = uniqueName('pegasus-ts-smoke');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  t.teardown(async () => {
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3.destroy();
  });

  const partSize = 5 * 1024 * 1024;
  const big = new Uint8Array(2 * partSize + 1234).map((_, index) => (index * 31) % 251);
  const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: 'backup/t1/0/data.sst', Body: big }, partSize, queueSize: 2 });
  const parts = new Set<number>();
  upload.on('httpUploadProgress', (progress) => { if (progress.part !== undefined) parts.add(progress.part); });
  const done = await upload.done();
  t.deepEqual([...parts].sort(), [1, 2, 3]);
  t.regex(done.ETag ?? '', /-3"?$/, 'the ETag of a multipart object counts its parts');

  const keys = ['backup/t1/0/meta', 'backup/t1/1/meta', 'backup/t1/2/meta', 'backup/t1/3/meta', 'backup/t1/done'];
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  const pages: string[][] = [];
  for await (const page of paginateListObjectsV2({ client: s3, pageSize: 2 }, { Bucket: bucket, Prefix: 'backup/t1/' })) {
    pages.push((page.Contents ?? []).map((object) => object.Key ?? ''));
  }
  t.deepEqual(pages.map((page) => page.length), [2, 2, 2]);
  t.deepEqual(pages.flat(), ['backup/t1/0/data.sst', ...keys].sort());

  const whole = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'backup/t1/0/data.sst' }));
  t.is(sha256(await whole.Body!.transformToByteArray()), sha256(big));
  const range = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'backup/t1/0/data.sst', Range: `bytes=${partSize}-${partSize + 9}` }));
  t.deepEqual(await range.Body!.transformToByteArray(), big.slice(partSize, partSize + 10));

  for (const key of pages.flat()) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  t.is(left.KeyCount, 0);
  const missing = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'backup/t1/0/meta' })).then(() => 'found', (error: { name?: string }) => error.name);
  t.is(missing, 'NotFound');
});
