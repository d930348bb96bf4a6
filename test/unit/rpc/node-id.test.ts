// Proves the cluster transport reads destinations as "host:port" (hostnames and bracketed IPv6
// included) and refuses anything else, so a bad node id is dropped with a reason, never dialled.
import test from 'ava';
import { parseNodeId } from '../../../cluster/rpc/node/index.ts';

test('host:port, hostnames and [v6]:port are destinations', (t) => {
  t.deepEqual(parseNodeId('127.0.0.1:34801'), { host: '127.0.0.1', port: 34801 });
  t.deepEqual(parseNodeId('replica-2.example:1'), { host: 'replica-2.example', port: 1 });
  t.deepEqual(parseNodeId('[::1]:65535'), { host: '::1', port: 65535 });
});

test('anything else is refused', (t) => {
  for (const bad of ['', '127.0.0.1', ':34801', '127.0.0.1:', '127.0.0.1:0', '127.0.0.1:65536', 'a:12x', 'a b:1', 'a:-1', 'a:123456', '[]:1']) {
    t.is(parseNodeId(bad), null, bad);
  }
});
