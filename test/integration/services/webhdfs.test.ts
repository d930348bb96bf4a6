// Proves the HDFS that infra/ starts speaks WebHDFS the way the backup block store will use it, by
// following the NameNode's CREATE and OPEN redirects to a DataNode on 127.0.0.1 to write and read a
// file, and listing and deleting it, over fetch (the DataNode PUT itself goes through node:http, see
// putToDataNode).
import { request } from 'node:http';
import test from 'ava';
import { endpoints, requireService, uniqueName } from '../../support/services.ts';

const hdfs = () => endpoints().hdfs;

function url(path: string, op: string, parameters: Record<string, string> = {}): string {
  const query = new URLSearchParams({ op, 'user.name': hdfs().user, ...parameters });
  return `${hdfs().webhdfsUrl}${path}?${query.toString()}`;
}

/** The NameNode answers CREATE and OPEN with a 307 to a DataNode; the DataNode must be reachable here. */
async function redirectTarget(response: Response): Promise<URL> {
  await response.body?.cancel();
  if (response.status !== 307) throw new Error(`expected a 307 redirect, got ${response.status}`);
  const location = response.headers.get('location');
  if (location === null) throw new Error('redirect without a Location header');
  return new URL(location);
}

/**
 * The DataNode answers every CREATE with an interim `100 Continue`, asked for or not, and Node's
 * fetch (undici) rejects an unrequested 1xx as a bad response; node:http skips interim responses.
 */
function putToDataNode(target: URL, body: Uint8Array): Promise<number> {
  return new Promise((resolvePut, reject) => {
    const put = request(target, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': body.length } }, (response) => {
      response.resume();
      response.once('end', () => resolvePut(response.statusCode ?? 0));
    });
    put.once('error', reject);
    put.end(body);
  });
}

test.before(async () => {
  await requireService('hdfs');
});

test('a file written through the DataNode redirect can be listed, read and deleted', async (t) => {
  const dir = `/pegasus-ts-smoke/${uniqueName('backup')}`;
  const file = `${dir}/partition-0.sst`;
  const content = new TextEncoder().encode('checkpoint bytes '.repeat(4096));
  t.teardown(async () => {
    await fetch(url(dir, 'DELETE', { recursive: 'true' }), { method: 'DELETE' }).then((response) => response.body?.cancel());
  });

  const create = await redirectTarget(await fetch(url(file, 'CREATE', { overwrite: 'true' }), { method: 'PUT', redirect: 'manual' }));
  t.is(create.hostname, '127.0.0.1');
  t.is(Number(create.port), hdfs().datanodeHttpPort);
  t.is(await putToDataNode(create, content), 201);

  const listing = await fetch(url(dir, 'LISTSTATUS'));
  t.is(listing.status, 200);
  const statuses = ((await listing.json()) as { FileStatuses: { FileStatus: { pathSuffix: string; length: number; type: string }[] } }).FileStatuses.FileStatus;
  t.deepEqual(statuses.map(({ pathSuffix, length, type }) => ({ pathSuffix, length, type })), [{ pathSuffix: 'partition-0.sst', length: content.length, type: 'FILE' }]);

  const open = await redirectTarget(await fetch(url(file, 'OPEN'), { redirect: 'manual' }));
  t.is(open.hostname, '127.0.0.1');
  const read = await fetch(open);
  t.is(read.status, 200);
  t.deepEqual(new Uint8Array(await read.arrayBuffer()), content);
  const followed = await fetch(url(file, 'OPEN', { offset: '5', length: '5' }));
  t.is(await followed.text(), 'point', 'fetch follows the OPEN redirect by itself, with offset and length');

  const deleted = await fetch(url(file, 'DELETE'), { method: 'DELETE' });
  t.deepEqual(await deleted.json(), { boolean: true });
  const gone = await fetch(url(file, 'GETFILESTATUS'));
  await gone.body?.cancel();
  t.is(gone.status, 404);
});
