// RPC_PEG_BACKUP_PARTITION on the wire: the request matches its golden bytes, both directions
// round-trip through request and response frames, and an unknown state or error is refused by name.
import test from 'ava';
import {
  clusterRpcs, decodeRequest, decodeRequestFrame, decodeResponse, encodeRequest, encodeResponse, createClusterRpcRegistry,
  readStruct, RpcCodecError, ThriftReader, ThriftWriter, writeStruct,
} from '../../../cluster/rpc/index.ts';
import { backupPartitionRequestSchema, backupPartitionResponseSchema } from '../../../cluster/rpc/cluster-structs.ts';
import type { BackupPartitionRequest, BackupPartitionResponse } from '../../../cluster/rpc/cluster-messages.ts';
import { fixture, toHex } from './fixture-hex.ts';

const request: BackupPartitionRequest = { gpid: { appId: 2, partitionIndex: 3 }, target: 'file:///b', clusterName: 'c', backupId: '17', table: 't', cancel: true };
const response: BackupPartitionResponse = { error: 'ERR_OK', state: 'uploading', uploadedBytes: 12345n, metadata: '', message: '', retriable: false };

test('the request matches its golden bytes', (t) => {
  const writer = new ThriftWriter();
  writeStruct(writer, backupPartitionRequestSchema, request);
  const golden = fixture('backup-partition-request.hex');
  t.is(toHex(writer.toBytes()), toHex(golden));
  t.deepEqual(readStruct(new ThriftReader(golden), backupPartitionRequestSchema), request);
});

test('request and response round-trip in their frames', (t) => {
  const writer = new ThriftWriter();
  encodeRequest(writer, { version: 1, appId: 0, partitionIndex: 0, clientTimeoutMs: 1000, partitionHash: 0n }, clusterRpcs.backupPartition, 5, request);
  const frame = decodeRequestFrame(writer.toBytes());
  if (!frame.ok) throw frame.error;
  const call = decodeRequest(frame.value, createClusterRpcRegistry());
  if (call.kind !== 'call') throw call.error;
  t.is(call.method.name, 'RPC_PEG_BACKUP_PARTITION');
  t.deepEqual(call.request, request);
  for (const answer of [response, { ...response, state: 'completed', metadata: '{"decree":"9"}' }, { ...response, error: 'ERR_INVALID_STATE', state: 'failed', message: 'not primary', retriable: true }] as const) {
    const out = new ThriftWriter();
    encodeResponse(out, clusterRpcs.backupPartition, 5, answer);
    const decoded = decodeResponse(out.toBytes(), clusterRpcs.backupPartition);
    if (!decoded.ok) throw decoded.error;
    t.deepEqual(decoded.value.response, answer);
  }
});

test('an unknown state is refused naming it, whichever side has it', (t) => {
  t.throws(() => writeStruct(new ThriftWriter(), backupPartitionResponseSchema, { ...response, state: 'paused' as BackupPartitionResponse['state'] }), { instanceOf: RpcCodecError });
  const writer = new ThriftWriter();
  writeStruct(writer, backupPartitionResponseSchema, { ...response, state: 'failed' });
  // The same bytes with "failed" turned into "paused" (same length), as a newer peer might send.
  const bytes = writer.toBytes();
  const at = toHex(bytes).indexOf(toHex(new TextEncoder().encode('failed'))) / 2;
  bytes.set(new TextEncoder().encode('paused'), at);
  const error = t.throws(() => readStruct(new ThriftReader(bytes), backupPartitionResponseSchema), { instanceOf: RpcCodecError });
  t.regex(error?.message ?? '', /backup partition state/);
});
