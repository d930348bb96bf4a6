// Proves every client Transport behaves alike against a real RpcServer (test/support/rpc-server.ts):
// answers come back to the right call with many in flight, failures carry the rDSN name the
// retry policy expects (the server's error, ERR_TIMEOUT, ERR_SESSION_RESET for a lost or refused
// connection, ERR_SERVICE_NOT_ACTIVE once closed), one-way requests arrive, an AbortSignal ends a
// call, and a server that comes back on its port is reached again.
import test from 'ava';
import { clientRpcs } from '../../cluster/rpc/index.ts';
import { TransportError, type Transport, type TransportCallOptions } from '../../client/core/transport.ts';
import { echoRpc, gatedRpc, key, startTestServer, utf8 } from '../support/rpc-server.ts';
import { transportFactories } from '../support/client-transports.ts';

const options: TransportCallOptions = { timeoutMs: 2000, routing: { appId: 1, partitionIndex: 0, partitionHash: 0n } };

async function freeAddress(): Promise<string> {
  const server = await startTestServer();
  const address = `127.0.0.1:${server.port}`;
  await server.stop();
  return address;
}

for (const factory of transportFactories) {
  const transportTest = (title: string, body: (t: import('ava').ExecutionContext, transport: Transport) => Promise<void>) =>
    test(`${factory.name}: ${title}`, async (t) => {
      const transport = factory.create();
      try {
        await body(t, transport);
      } finally {
        await transport.close();
      }
    });

  transportTest('a call resolves with the response of that call', async (t, transport) => {
    const server = await startTestServer();
    try {
      const address = `127.0.0.1:${server.port}`;
      const put = await transport.call(address, clientRpcs.put, { kind: 'put', key: key('h', 's'), value: utf8('v'), expireTsSeconds: 0 }, options);
      t.is(put.error, 0);
      const got = await transport.call(address, clientRpcs.get, { kind: 'get', key: key('h', 's') }, options);
      t.deepEqual(new Uint8Array(got.value), utf8('v'));
    } finally {
      await server.stop();
    }
  });

  transportTest('many calls in flight on one connection each get their own answer, in any order', async (t, transport) => {
    const server = await startTestServer();
    try {
      const address = `127.0.0.1:${server.port}`;
      const calls = Array.from({ length: 100 }, (_, n) => transport.call(address, gatedRpc, n, options));
      while (server.gatedWaiting() < 100) await new Promise((resolve) => setTimeout(resolve, 5));
      for (let n = 99; n >= 0; n--) server.release(n);
      t.deepEqual(await Promise.all(calls), Array.from({ length: 100 }, (_, n) => n));
      if (factory.oneConnectionPerServer) t.is(server.server.connectionCount, 1);
    } finally {
      await server.stop();
    }
  });

  transportTest('a server error arrives as a TransportError with the server\'s name', async (t, transport) => {
    const server = await startTestServer();
    try {
      const error = await t.throwsAsync(transport.call(`127.0.0.1:${server.port}`, clientRpcs.ttl, { kind: 'ttl', key: key('h', 's') }, options), { instanceOf: TransportError });
      t.is(error?.code, 'ERR_HANDLER_NOT_FOUND');
      t.is(error?.server, `127.0.0.1:${server.port}`);
    } finally {
      await server.stop();
    }
  });

  transportTest('no answer in time is ERR_TIMEOUT', async (t, transport) => {
    const server = await startTestServer();
    try {
      const error = await t.throwsAsync(transport.call(`127.0.0.1:${server.port}`, gatedRpc, 1, { ...options, timeoutMs: 100 }), { instanceOf: TransportError });
      t.is(error?.code, 'ERR_TIMEOUT');
      t.true(error?.retriable);
    } finally {
      server.openGate();
      await server.stop();
    }
  });

  transportTest('nothing listening is ERR_SESSION_RESET', async (t, transport) => {
    const error = await t.throwsAsync(transport.call(await freeAddress(), echoRpc, utf8('x'), options), { instanceOf: TransportError });
    t.is(error?.code, 'ERR_SESSION_RESET');
  });

  transportTest('a connection lost with calls pending fails them with ERR_SESSION_RESET; the server is reached again once back', async (t, transport) => {
    const server = await startTestServer();
    const address = `127.0.0.1:${server.port}`;
    const pending = transport.call(address, gatedRpc, 1, options);
    while (server.gatedWaiting() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await server.stop();
    const error = await t.throwsAsync(pending, { instanceOf: TransportError });
    t.is(error?.code, 'ERR_SESSION_RESET');
    const again = await startTestServer({ port: server.port });
    try {
      t.deepEqual(new Uint8Array(await transport.call(address, echoRpc, Uint8Array.of(0, 7), options)), Uint8Array.of(0, 7));
    } finally {
      await again.stop();
    }
  });

  transportTest('an aborted signal ends the call at once', async (t, transport) => {
    const server = await startTestServer();
    try {
      const controller = new AbortController();
      const call = transport.call(`127.0.0.1:${server.port}`, gatedRpc, 1, { ...options, timeoutMs: 60_000, signal: controller.signal });
      while (server.gatedWaiting() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      await t.throwsAsync(call, { instanceOf: TransportError });
    } finally {
      server.openGate();
      await server.stop();
    }
  });

  transportTest('a one-way request reaches the server', async (t, transport) => {
    const server = await startTestServer();
    try {
      transport.send(`127.0.0.1:${server.port}`, clientRpcs.clearScanner, { kind: 'clear_scanner', contextId: 42n }, options);
      for (let i = 0; i < 200 && server.cleared.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      t.deepEqual(server.cleared, [42n]);
    } finally {
      await server.stop();
    }
  });

  transportTest('after close, pending calls fail and new ones are refused with ERR_SERVICE_NOT_ACTIVE', async (t, transport) => {
    const server = await startTestServer();
    try {
      const address = `127.0.0.1:${server.port}`;
      const pending = transport.call(address, gatedRpc, 1, options);
      while (server.gatedWaiting() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      await transport.close();
      t.is((await t.throwsAsync(pending, { instanceOf: TransportError }))?.code, 'ERR_SESSION_RESET');
      t.is((await t.throwsAsync(transport.call(address, echoRpc, utf8('x'), options), { instanceOf: TransportError }))?.code, 'ERR_SERVICE_NOT_ACTIVE');
    } finally {
      server.openGate();
      await server.stop();
    }
  });
}
