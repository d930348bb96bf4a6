// The retry loop of the shared runtime with a scripted transport (a unit test of error paths;
// the real thing is tested in test/integration/client): which failures retry, which refresh the
// routing and where the retry then goes, that the deadline and the AbortSignal end the call, and
// the context the final error carries.
import test from 'ava';
import { PegasusClient } from '../../../client/runtime/client.ts';
import { TransportError, type Transport, type TransportCallOptions } from '../../../client/core/transport.ts';
import { PegasusClientError } from '../../../client/core/client-error.ts';
import type { ErrorName } from '../../../cluster/rpc/error-code.ts';
import type { RpcMethod } from '../../../cluster/rpc/rpc-methods.ts';
import type { QueryCfgResponse } from '../../../cluster/rpc/meta-structs.ts';

interface Sent {
  readonly address: string;
  readonly name: string;
  readonly options: TransportCallOptions;
}

/** Answers query_cfg from `primaries` and data calls from `script` (an error name, or ok). */
class ScriptedTransport implements Transport {
  readonly sent: Sent[] = [];
  primaries = ['10.0.0.1:1', '10.0.0.2:1'];
  script: (address: string, attempt: number) => ErrorName = () => 'ERR_OK';
  private dataCalls = 0;

  async call<Request, Response>(address: string, method: RpcMethod<Request, Response>, _request: Request, options: TransportCallOptions): Promise<Response> {
    this.sent.push({ address, name: method.name, options });
    if (method.name === 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX') return this.routing() as Response;
    const outcome = this.script(address, this.dataCalls++);
    if (outcome !== 'ERR_OK') throw new TransportError(outcome, 'scripted', address);
    return { kind: 'read_response', error: 0, value: new Uint8Array([1]), appId: 1, partitionIndex: 0, server: address } as Response;
  }

  send(): void {}

  async close(): Promise<void> {}

  dataSent(): Sent[] {
    return this.sent.filter((sent) => sent.name !== 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX');
  }

  metaQueries(): number {
    return this.sent.length - this.dataSent().length;
  }

  private routing(): QueryCfgResponse {
    return {
      err: 'ERR_OK', appId: 1, partitionCount: 2, isStateful: true,
      partitions: this.primaries.map((primary, index) => ({
        pid: { appId: 1, partitionIndex: index }, ballot: 1n, maxReplicaCount: 3, primary, secondaries: [], lastDrops: [], lastCommittedDecree: 0n, partitionFlags: 0,
      })),
    };
  }
}

async function open(transport: ScriptedTransport, timeoutMs = 2000) {
  const client = new PegasusClient({ metaServers: ['10.0.0.9:34601'], transport, timeoutMs });
  return client.openTable('t');
}

// "a" hashes to partition 0 of 2 (crc64("a") = 0x8c2f8445b4cbfc3c is even), so it goes to primaries[0].
const KEY = 'a';

test('ERR_INVALID_STATE refreshes the routing and the retry goes to the new primary', async (t) => {
  const transport = new ScriptedTransport();
  const table = await open(transport);
  const first = table.route({ kind: 'index', partitionIndex: 0 }).primary;
  transport.script = (address) => (address === first ? 'ERR_INVALID_STATE' : 'ERR_OK');
  transport.primaries = ['10.0.0.3:1', '10.0.0.2:1'];
  const target = table.route({ kind: 'hash', hash: 0n }).partitionIndex;
  t.is(target, 0);
  t.deepEqual(await table.get(KEY, 's'), new Uint8Array([1]));
  t.deepEqual(transport.dataSent().map((sent) => sent.address), [first, '10.0.0.3:1']);
  t.is(transport.metaQueries(), 2, 'open and one refresh');
});

test('ERR_NOT_ENOUGH_MEMBER retries the same primary without asking the meta server', async (t) => {
  const transport = new ScriptedTransport();
  const table = await open(transport);
  transport.script = (_address, attempt) => (attempt < 2 ? 'ERR_NOT_ENOUGH_MEMBER' : 'ERR_OK');
  await table.get(KEY, 's');
  t.is(transport.dataSent().length, 3);
  t.is(new Set(transport.dataSent().map((sent) => sent.address)).size, 1);
  t.is(transport.metaQueries(), 1);
});

test('ERR_BUSY fails at once, with the operation context', async (t) => {
  const transport = new ScriptedTransport();
  const table = await open(transport);
  transport.script = () => 'ERR_BUSY';
  const error = await t.throwsAsync(table.get(KEY, 's'), { instanceOf: PegasusClientError });
  t.is(error?.code, 'ERR_BUSY');
  t.true(error?.retriable, 'the caller may retry later');
  t.deepEqual({ ...error?.context, hashKey: undefined }, { table: 't', operation: 'get', hashKey: undefined, partitionIndex: 0, server: '10.0.0.1:1' });
  t.is(transport.dataSent().length, 1);
});

test('a primary that keeps failing: retries stop at the deadline and the last failure is reported', async (t) => {
  const transport = new ScriptedTransport();
  const table = await open(transport, 300);
  transport.script = () => 'ERR_SESSION_RESET';
  const error = await t.throwsAsync(table.get(KEY, 's'), { instanceOf: PegasusClientError });
  t.is(error?.code, 'ERR_SESSION_RESET');
  t.regex(error?.message ?? '', /gave up after \d+ attempts within 300 ms/);
  t.true(transport.dataSent().length > 1);
  const timeouts = transport.dataSent().map((sent) => sent.options.timeoutMs);
  t.true(timeouts.every((timeoutMs) => timeoutMs <= 300), 'no attempt is given more than the call has left');
  t.true(timeouts.every((timeoutMs, i) => i === 0 || timeoutMs <= (timeouts[i - 1] ?? 0)));
});

test('the request header carries the app id, partition index and partition hash', async (t) => {
  const transport = new ScriptedTransport();
  const table = await open(transport);
  await table.get(KEY, 's');
  const routing = transport.dataSent()[0]?.options.routing;
  t.is(routing?.appId, 1);
  t.is(routing?.partitionIndex, 0);
  t.is(Number((routing?.partitionHash ?? 1n) % 2n), 0);
});

test('aborting during the backoff ends the call with ERR_ABORTED', async (t) => {
  const transport = new ScriptedTransport();
  const table = await open(transport, 5000);
  const controller = new AbortController();
  transport.script = () => {
    queueMicrotask(() => controller.abort());
    return 'ERR_NOT_ENOUGH_MEMBER';
  };
  const error = await t.throwsAsync(table.get(KEY, 's', { signal: controller.signal }), { instanceOf: PegasusClientError });
  t.is(error?.code, 'ERR_ABORTED');
  t.false(error?.retriable);
  t.is(transport.dataSent().length, 1);
});

test('client options are checked: meta addresses and the default timeout', (t) => {
  const transport = new ScriptedTransport();
  t.throws(() => new PegasusClient({ metaServers: [], transport }), { message: /metaServers must list 1 to 16/ });
  t.throws(() => new PegasusClient({ metaServers: ['nope'], transport }), { message: /meta server address "nope" is not "host:port"/ });
  t.throws(() => new PegasusClient({ metaServers: ['a:1'], transport, timeoutMs: 0 }), { message: /timeoutMs must be a number/ });
});

test('an attempt that runs into the deadline after failures reports the last real failure and the attempt count', async (t) => {
  const transport = new ScriptedTransport();
  const table = await open(transport, 400);
  // Two refusals, then a server that never answers in time: the timeout is not the news.
  transport.script = (_address, attempt) => (attempt < 2 ? 'ERR_NOT_ENOUGH_MEMBER' : 'ERR_TIMEOUT');
  const error = await t.throwsAsync(table.get(KEY, 's'), { instanceOf: PegasusClientError });
  t.is(error?.code, 'ERR_NOT_ENOUGH_MEMBER', error?.message);
  t.true(error?.retriable);
  t.regex(error?.message ?? '', /scripted \(from 10\.0\.0\.1:1\); gave up after 3 attempts within 400 ms/);
  t.is(error?.context.attempts, 3);
  t.true(error?.cause instanceof TransportError);
});

test('a first attempt that times out is ERR_TIMEOUT with its attempt count', async (t) => {
  const transport = new ScriptedTransport();
  const table = await open(transport, 300);
  transport.script = () => 'ERR_TIMEOUT';
  const error = await t.throwsAsync(table.get(KEY, 's'), { instanceOf: PegasusClientError });
  t.is(error?.code, 'ERR_TIMEOUT');
  t.regex(error?.message ?? '', /no answer within 300 ms; gave up after 1 attempt within 300 ms/);
  t.is(error?.context.attempts, 1);
});

test('meta servers that keep failing: the routing query reports the last failure and its attempts, not a bare timeout', async (t) => {
  const transport = new ScriptedTransport();
  const failing: Transport = {
    call: (address) => Promise.reject(new TransportError('ERR_SESSION_RESET', `connection to ${address} refused`, address)),
    send: () => undefined,
    close: () => transport.close(),
  };
  const client = new PegasusClient({ metaServers: ['10.0.0.9:34601', '10.0.0.8:34601'], transport: failing, timeoutMs: 400 });
  const error = await t.throwsAsync(client.openTable('t'), { instanceOf: PegasusClientError });
  t.is(error?.code, 'ERR_SESSION_RESET', error?.message);
  t.regex(error?.message ?? '', /meta server 10\.0\.0\.[89]:34601 failed: .*refused; gave up after \d+ attempts within 400 ms/);
  t.true((error?.context.attempts ?? 0) > 1);
});
