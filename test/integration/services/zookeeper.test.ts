// Proves the ZooKeeper that infra/ starts serves sessions, by creating an ephemeral node with one
// node-zookeeper-client session and watching it vanish from a second session when the first closes.
import test from 'ava';
import zookeeper from 'node-zookeeper-client';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';

function connect(): Promise<zookeeper.Client> {
  const client = zookeeper.createClient(endpoints().zookeeper.connectString, { sessionTimeout: 10_000, retries: 2 });
  return new Promise((resolveClient, reject) => {
    const timer = setTimeout(() => reject(new Error('ZooKeeper session not established within 10 s')), 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolveClient(client);
    });
    client.connect();
  });
}

function exists(client: zookeeper.Client, path: string, watcher?: (event: zookeeper.Event) => void): Promise<boolean> {
  return new Promise((resolveExists, reject) => {
    const callback = (error: Error | zookeeper.Exception | null, stat: zookeeper.Stat) => (error ? reject(error) : resolveExists(stat !== null && stat !== undefined));
    if (watcher === undefined) client.exists(path, callback);
    else client.exists(path, watcher, callback);
  });
}

test.before(async () => {
  await requireService('zookeeper');
});

test('an ephemeral node disappears when the session that created it closes', async (t) => {
  const path = `/${uniqueName('pegasus-ts-smoke')}`;
  const owner = await connect();
  const observer = await connect();
  t.teardown(() => observer.close());

  const created = await new Promise<string>((resolveCreate, reject) => {
    owner.create(path, Buffer.from('meta-leader'), zookeeper.CreateMode.EPHEMERAL, (error, createdPath) => (error ? reject(error) : resolveCreate(createdPath)));
  });
  t.is(created, path);

  const deleted = new Promise<string>((resolveDeleted) => {
    void exists(observer, path, (event) => resolveDeleted(event.getName()));
  });
  t.true(await exists(observer, path), 'the other session sees the node while its owner lives');
  const data = await new Promise<Buffer>((resolveData, reject) => {
    observer.getData(path, (error, value) => (error ? reject(error) : resolveData(value)));
  });
  t.is(data.toString(), 'meta-leader');

  owner.close();
  t.is(await deleted, 'NODE_DELETED');
  t.false(await exists(observer, path));
});
