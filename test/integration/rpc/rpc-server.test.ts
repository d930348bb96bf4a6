// The THFT side of RpcServer over real sockets on 127.0.0.1: client RPCs backed by a Partition work
// over the wire with v0 and v1 headers, many calls on one connection are answered out of order and
// paired by seqid, refused and one-way calls behave as Pegasus's do, a failing handler closes only
// its connection, and the in-flight, connection and buffer bounds hold.
import test from 'ava';
import { connect } from 'node:net';
import { clientRpcs, decodeResponse, defineRpc, encodeRequest, ResponseFrameDecoder, t as thrift, ThriftWriter } from '../../../cluster/rpc/index.ts';
import { RpcCallError, RpcConnection } from '../../../cluster/rpc/node/index.ts';
import { echoRpc, gatedRpc, key, startTestServer, text, throwingRpc, utf8 } from '../../support/rpc-server.ts';

const waitFor = async (condition: () => boolean, ms = 2000): Promise<void> => {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

test('a put then a get over the wire, with v1 and v0 headers', async (t) => {
  const served = await startTestServer();
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    const put = await connection.call(clientRpcs.put, { kind: 'put', key: key('h', 's'), value: utf8('v1'), expireTsSeconds: 0 });
    t.is(put.error, 0);
    t.is(put.decree, 1n);
    t.is(put.appId, 1);
    const read = await connection.call(clientRpcs.get, { kind: 'get', key: key('h', 's') }, { routing: { version: 0 } });
    t.is(read.error, 0);
    t.is(text(read.value), 'v1');
    const missing = await connection.call(clientRpcs.get, { kind: 'get', key: key('h', 'none') });
    t.is(missing.error, 1); // not found
  } finally {
    connection.close();
    await served.stop();
  }
});

test('many calls in flight on one connection are answered out of order and paired by seqid', async (t) => {
  const served = await startTestServer();
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    const order: number[] = [];
    const calls = Array.from({ length: 40 }, (_, i) => {
      const payload = new Uint8Array([40 - i, i, 0xab, 0xcd]); // later calls wait less
      return connection.call(echoRpc, payload).then((answer) => {
        order.push(i);
        t.deepEqual([...answer], [...payload]);
      });
    });
    t.true(connection.pendingCount === 40);
    await Promise.all(calls);
    t.is(order.length, 40);
    t.notDeepEqual(order, [...order].sort((a, b) => a - b));
  } finally {
    connection.close();
    await served.stop();
  }
});

test('answers released in reverse order reach their calls by seqid', async (t) => {
  const served = await startTestServer();
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    const order: number[] = [];
    const calls = Array.from({ length: 20 }, (_, i) => connection.call(gatedRpc, i).then((n) => { order.push(n); return n; }));
    await waitFor(() => served.gatedWaiting() === 20);
    for (let i = 19; i >= 0; i--) {
      served.release(i);
      t.is(await calls[i], i);
    }
    t.deepEqual(order, Array.from({ length: 20 }, (_, i) => 19 - i));
  } finally {
    served.openGate();
    connection.close();
    await served.stop();
  }
});

test('an RPC without a handler is answered ERR_HANDLER_NOT_FOUND and the connection stays up', async (t) => {
  const served = await startTestServer();
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    const unknown = defineRpc('RPC_TEST_NOBODY_SERVES', thrift.i32, thrift.i32);
    const error = await t.throwsAsync(connection.call(clientRpcs.ttl, { kind: 'ttl', key: key('h', 's') }), { instanceOf: RpcCallError });
    t.is(error?.code, 'ERR_HANDLER_NOT_FOUND');
    t.false(error?.retriable);
    const other = await t.throwsAsync(connection.call(unknown, 1), { instanceOf: RpcCallError });
    t.is(other?.code, 'ERR_HANDLER_NOT_FOUND');
    const echoed = await connection.call(echoRpc, utf8('\0still here'));
    t.is(text(echoed.subarray(1)), 'still here');
  } finally {
    connection.close();
    await served.stop();
  }
});

test('malformed arguments are answered ERR_INVALID_DATA', async (t) => {
  const served = await startTestServer();
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    // The same name as the echo RPC but an i32 argument where a blob is expected.
    const mistyped = defineRpc('RPC_TEST_ECHO', thrift.i32, thrift.blob);
    const error = await t.throwsAsync(connection.call(mistyped, 5), { instanceOf: RpcCallError });
    t.is(error?.code, 'ERR_INVALID_DATA');
    t.is((await connection.call(echoRpc, utf8('\0ok'))).length, 3);
  } finally {
    connection.close();
    await served.stop();
  }
});

test('a one-way clear_scanner is handled and gets no reply', async (t) => {
  const served = await startTestServer();
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    connection.send(clientRpcs.clearScanner, { kind: 'clear_scanner', contextId: 42n });
    // A call after it: its answer is the first frame to come back, so the one-way got none.
    const answer = await connection.call(echoRpc, utf8('\0after'));
    t.is(text(answer.subarray(1)), 'after');
    t.deepEqual(served.cleared, [42n]);
    t.is(connection.pendingCount, 0);
  } finally {
    connection.close();
    await served.stop();
  }
});

test('a handler that throws closes its connection only, failing its pending calls with ERR_SESSION_RESET', async (t) => {
  const served = await startTestServer();
  const bystander = await RpcConnection.connect({ port: served.port });
  const victim = await RpcConnection.connect({ port: served.port });
  try {
    const gated = victim.call(gatedRpc, 1);
    const error = await t.throwsAsync(victim.call(throwingRpc, 1), { instanceOf: RpcCallError });
    t.is(error?.code, 'ERR_SESSION_RESET');
    t.is((await t.throwsAsync(gated, { instanceOf: RpcCallError }))?.code, 'ERR_SESSION_RESET');
    t.true(served.logged.some((line) => line.includes('handler failed')));
    t.is(text((await bystander.call(echoRpc, utf8('\0fine'))).subarray(1)), 'fine');
  } finally {
    served.openGate();
    bystander.close();
    victim.close();
    await served.stop();
  }
});

test('a call times out with ERR_TIMEOUT, and a late answer is ignored', async (t) => {
  const served = await startTestServer();
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    const error = await t.throwsAsync(connection.call(gatedRpc, 7, { timeoutMs: 50 }), { instanceOf: RpcCallError });
    t.is(error?.code, 'ERR_TIMEOUT');
    t.true(error?.retriable);
    await waitFor(() => served.gatedWaiting() === 1);
    served.release(7); // the late answer to 7 arrives and is dropped
    const next = connection.call(gatedRpc, 8);
    await waitFor(() => served.gatedWaiting() === 1);
    served.release(8);
    t.is(await next, 8);
    t.is(connection.pendingCount, 0);
  } finally {
    served.openGate();
    connection.close();
    await served.stop();
  }
});

test('in-flight requests per connection stay within the bound; reading resumes as they finish', async (t) => {
  const served = await startTestServer({ inFlightPerConnectionMax: 4 });
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    const calls = Array.from({ length: 50 }, (_, i) => connection.call(gatedRpc, i));
    await waitFor(() => [...served.server.thftConnections].some((c) => c.inFlightCount === 4));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [serving] = [...served.server.thftConnections];
    t.is(serving?.inFlightCount, 4);
    const answers: number[] = [];
    for (const call of calls) void call.then((n) => answers.push(n));
    while (answers.length < 50) {
      served.openGate();
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    t.deepEqual([...answers].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
    t.is(serving?.inFlightPeak, 4);
  } finally {
    served.openGate();
    connection.close();
    await served.stop();
  }
});

test('connections above the bound are refused; the ones inside it are served', async (t) => {
  const served = await startTestServer({ connectionsMax: 2 });
  const first = await RpcConnection.connect({ port: served.port });
  const second = await RpcConnection.connect({ port: served.port });
  const third = await RpcConnection.connect({ port: served.port });
  try {
    const refused = await t.throwsAsync(third.call(echoRpc, utf8('\0x')), { instanceOf: RpcCallError });
    t.is(refused?.code, 'ERR_SESSION_RESET');
    t.is((await first.call(echoRpc, utf8('\0a'))).length, 2);
    t.is((await second.call(echoRpc, utf8('\0b'))).length, 2);
  } finally {
    first.close();
    second.close();
    third.close();
    await served.stop();
  }
});

test('closing the server fails pending calls with ERR_SESSION_RESET', async (t) => {
  const served = await startTestServer();
  const connection = await RpcConnection.connect({ port: served.port });
  const pending = connection.call(gatedRpc, 1);
  await waitFor(() => [...served.server.thftConnections].some((c) => c.inFlightCount === 1));
  await served.stop();
  t.is((await t.throwsAsync(pending, { instanceOf: RpcCallError }))?.code, 'ERR_SESSION_RESET');
  t.true(connection.closed);
});

test('a connection that never sends its first bytes is closed after the first-bytes timeout', async (t) => {
  const served = await startTestServer({ firstBytesTimeoutMs: 100 });
  const connection = await RpcConnection.connect({ port: served.port });
  try {
    connection.sendRaw(utf8('TH')); // a prefix of THFT: still undecided
    await waitFor(() => connection.closed);
    t.true(connection.closed);
    t.is(served.server.connectionCount, 0);
  } finally {
    connection.close();
    await served.stop();
  }
});

test('a client that stops reading answers stops being read: buffers on both sides stay bounded', async (t) => {
  const served = await startTestServer({ inFlightPerConnectionMax: 8 });
  const socket = connect({ host: '127.0.0.1', port: served.port });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  try {
    const payload = new Uint8Array(32 << 10).fill(7);
    payload[0] = 0;
    const requests = 400;
    const writer = new ThriftWriter();
    for (let seqid = 1; seqid <= requests; seqid++) {
      encodeRequest(writer, { version: 1, appId: 1, partitionIndex: 0, clientTimeoutMs: 1000, partitionHash: 0n }, echoRpc, seqid, payload);
    }
    socket.write(writer.toBytes());
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [serving] = [...served.server.thftConnections];
    t.truthy(serving);
    t.true((serving?.writeBufferedBytes ?? 0) < 1 << 20, `write buffer ${serving?.writeBufferedBytes}`);
    t.true((serving?.readBufferedBytes ?? 0) < 1 << 20, `read buffer ${serving?.readBufferedBytes}`);
    t.log(`write ${serving?.writeBufferedBytes} read ${serving?.readBufferedBytes}`);
    t.true((serving?.inFlightPeak ?? 0) <= 8);
    // Reading again: every answer arrives.
    const decoder = new ResponseFrameDecoder();
    let answers = 0;
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Uint8Array) => {
        decoder.push(chunk);
        for (let step = decoder.next(); step.kind === 'frame'; step = decoder.next()) answers++;
        if (answers === requests) resolve();
      });
      socket.resume();
    });
    t.is(answers, requests);
  } finally {
    socket.destroy();
    await served.stop();
  }
});

test('the protocol is chosen correctly when the first bytes arrive one at a time', async (t) => {
  const served = await startTestServer();
  const dribble = async (bytes: Uint8Array): Promise<Uint8Array> => {
    const socket = connect({ host: '127.0.0.1', port: served.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.setNoDelay(true);
    const received: Uint8Array[] = [];
    socket.on('data', (chunk: Uint8Array) => received.push(chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    for (let i = 0; i < 6; i++) {
      socket.write(bytes.subarray(i, i + 1));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    socket.write(bytes.subarray(6));
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.end();
    await closed;
    return Buffer.concat(received);
  };
  try {
    const writer = new ThriftWriter();
    encodeRequest(writer, { version: 0, appId: 1, partitionIndex: 0, clientTimeoutMs: 1000, partitionHash: 0n }, echoRpc, 5, utf8('\0slow'));
    const answer = await dribble(writer.toBytes());
    const decoded = decodeResponse(answer, echoRpc);
    t.true(decoded.ok && decoded.value.head.seqid === 5 && text(decoded.value.response?.subarray(1) ?? new Uint8Array()) === 'slow');
    const http = text(await dribble(utf8('GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n')));
    t.true(http.startsWith('HTTP/1.1 200'));
    t.true(http.endsWith('ok'));
  } finally {
    await served.stop();
  }
});
