// Proves the S3 server that infra/ starts serves what the backup block store needs through
// @aws-sdk/client-s3 and @aws-sdk/lib-storage: a multipart upload, paginated ListObjectsV2, a
// ranged and a whole get, a single and a batch delete, in a fresh bucket.
import { createHash } from 'node:crypto';
import test from 'ava';
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { requireService, s3ClientConfig, uniqueName } from '../../support/services.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * S3Proxy answers the CRC32 checksum headers that the SDK puts on DeleteObjects with 501
 * NotImplemented; it accepts the Content-MD5 that S3 also allows there. Runs after the SDK's own
 * checksum step and before signing.
 */
function useContentMd5ForChecksummedRequests(client: S3Client): void {
  client.middlewareStack.add((next) => async (args) => {
    const request = args.request as { headers?: Record<string, string>; body?: unknown };
    const headers = request.headers;
    if (headers !== undefined && 'x-amz-checksum-crc32' in headers && (typeof request.body === 'string' || request.body instanceof Uint8Array)) {
      delete headers['x-amz-checksum-crc32'];
      delete headers['x-amz-sdk-checksum-algorithm'];
      headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
    }
    return next(args);
  }, { step: 'build', priority: 'low', name: 'contentMd5ForChecksummedRequests' });
}

test.before(async () => {
  await requireService('s3');
});

test('multipart upload, paginated listing, get and delete round-trip', async (t) => {
  const s3 = new S3Client(s3ClientConfig());
  useContentMd5ForChecksummedRequests(s3);
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

  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'backup/t1/done' }));
  const batch = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: pages.flat().filter((key) => key !== 'backup/t1/done').map((Key) => ({ Key })) } }));
  t.is(batch.Errors?.length ?? 0, 0);
  t.is(batch.Deleted?.length, 5);
  const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  t.is(left.KeyCount, 0);
  const missing = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'backup/t1/0/meta' })).then(() => 'found', (error: { name?: string }) => error.name);
  t.is(missing, 'NotFound');
});
