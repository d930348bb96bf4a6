// Proves decoded requests go to a Partition as they are and its answers encode as they are: the
// Java client's put bytes are applied, a get for the same key is served, and both answers, stamped
// with app id, partition index and server, decode on the client side to what the partition said.
import {
  callRequest, clientRpcs, createRpcRegistry, decodeRequest, decodeRequestFrame, decodeResponse, encodeRequest,
  encodeResponse, ThriftWriter, type IncomingCall,
} from '../../../cluster/rpc/index.ts';
import type { UpdateResponse } from '../../../cluster/storage/responses.ts';
import { engineTest } from '../../support/partition-harness.ts';
import { fixture } from './fixture-hex.ts';

const registry = createRpcRegistry();
const stamp = { appId: 3, partitionIndex: 5, server: '10.0.0.1:34801' } as const;

function call(bytes: Uint8Array): IncomingCall {
  const frame = decodeRequestFrame(bytes);
  if (!frame.ok) throw frame.error;
  const incoming = decodeRequest(frame.value, registry);
  if (incoming.kind !== 'call') throw new Error(incoming.kind);
  return incoming;
}

engineTest('a put from the Java client is applied and a get over the wire reads it back', async (t, h) => {
  const putCall = call(fixture('java/java-put-request.hex'));
  const decoded = callRequest(putCall, clientRpcs.put);
  if (decoded === undefined) return t.fail('not a put');
  t.is(decoded.expireTsSeconds, 1234567);
  // The fixture's expiry (January 2016) is in the past of the test clock: keep the record alive.
  const put = { ...decoded, expireTsSeconds: 0 };
  const [applied] = await h.apply(put);
  const writer = new ThriftWriter();
  encodeResponse(writer, clientRpcs.put, putCall.seqid, { ...(applied as UpdateResponse), ...stamp });
  const putAnswer = decodeResponse(writer.toBytes(), clientRpcs.put);
  t.deepEqual(putAnswer.ok ? putAnswer.value.response : putAnswer.error.message, { kind: 'update_response', error: 0, decree: 1n, ...stamp });

  writer.reset();
  encodeRequest(writer, { version: 0, appId: 3, partitionIndex: 5, clientTimeoutMs: 1000, partitionHash: 0n }, clientRpcs.get, 2, { kind: 'get', key: put.key });
  const getCall = call(writer.toBytes());
  const get = callRequest(getCall, clientRpcs.get);
  if (get === undefined) return t.fail('not a get');
  const read = await h.partition.get(get);
  writer.reset();
  encodeResponse(writer, clientRpcs.get, getCall.seqid, { ...read, ...stamp });
  const getAnswer = decodeResponse(writer.toBytes(), clientRpcs.get);
  t.deepEqual(getAnswer.ok ? getAnswer.value.response : getAnswer.error.message, {
    kind: 'read_response', error: 0, value: new Uint8Array([0xff, 0, 0x80]), ...stamp,
  });
});
