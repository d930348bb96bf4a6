// Proves BullMQ runs jobs on the Redis that infra/ provides, by adding a job to a fresh queue and
// waiting for a worker (ioredis connection) to complete it with the expected return value.
import test from 'ava';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';

test.before(async () => {
  await requireService('redis');
});

test('a BullMQ job added to a queue is completed by a worker', async (t) => {
  const { host, port } = endpoints().redis;
  const connection = { host, port, maxRetriesPerRequest: null };
  const name = uniqueName('pegasus-ts-smoke');
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  const worker = new Worker(name, async (job) => {
    const { partitions } = job.data as { partitions: number };
    await job.updateProgress(100);
    return { uploaded: partitions };
  }, { connection });
  t.teardown(async () => {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });
  await events.waitUntilReady();

  const job = await queue.add('backup-table', { partitions: 8 });
  const result: unknown = await job.waitUntilFinished(events, 30_000);
  t.deepEqual(result, { uploaded: 8 });
  const finished = await queue.getJob(job.id ?? '');
  t.is(await finished?.getState(), 'completed');
  t.is(finished?.progress, 100);
});
