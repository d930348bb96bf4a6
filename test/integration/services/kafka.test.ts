// Proves the Kafka that infra/ starts takes idempotent writes and serves them to a consumer group,
// by producing keyed messages with a kafkajs idempotent producer (acks=all) and consuming them back.
import test from 'ava';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';

test.before(async () => {
  await requireService('kafka');
});

test('an idempotent producer\'s messages are consumed back in order with their keys', async (t) => {
  const kafka = new Kafka({ clientId: 'pegasus-ts-smoke', brokers: [...endpoints().kafka.brokers], logLevel: logLevel.ERROR });
  const topic = uniqueName('pegasus-ts-smoke');
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  t.true(await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true }));

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const sent = Array.from({ length: 5 }, (_, decree) => ({ key: 'partition-0', value: `mutation ${decree + 1}` }));
  const records = await producer.send({ topic, acks: -1, messages: sent });
  await producer.disconnect();
  t.is(records.length, 1, 'one key, one partition');
  t.is(records[0]?.errorCode, 0);

  const consumer = kafka.consumer({ groupId: uniqueName('pegasus-ts-smoke-group') });
  await consumer.connect();
  t.teardown(() => consumer.disconnect());
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const received: { key: string; value: string }[] = [];
  await new Promise<void>((resolveAll, reject) => {
    const timer = setTimeout(() => reject(new Error(`consumed ${received.length} of ${sent.length} within 60 s`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
        if (received.length === sent.length) {
          clearTimeout(timer);
          resolveAll();
        }
      },
    }).catch(reject);
  });
  t.deepEqual(received, sent);
});
