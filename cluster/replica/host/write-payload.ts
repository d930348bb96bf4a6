// The bytes of one client write inside a replicated Mutation: what the primary logs and sends and
// what every replica decodes again on apply and on log replay.
//
//   payload: kind tag u8 | body
//   body:    the Thrift binary encoding of the request's rrdb struct (the same schemas the RPC
//            layer decodes client requests with), except remove, whose rrdb argument is a bare
//            blob: there the body is the composite key itself.
//
// The tag values are part of the on-disk log format: never renumber them.
import { PegasusError } from '../../../common/errors.ts';
import {
  checkAndMutateRequestSchema, checkAndSetRequestSchema, incrRequestSchema, multiPutRequestSchema,
  multiRemoveRequestSchema, updateRequestSchema,
} from '../../rpc/rrdb-structs.ts';
import { readStruct, writeStruct } from '../../rpc/thrift-codec.ts';
import { ThriftReader } from '../../rpc/thrift-reader.ts';
import type { StructSchema } from '../../rpc/thrift-types.ts';
import { ThriftWriter } from '../../rpc/thrift-writer.ts';
import type { WriteRequest } from '../../storage/requests.ts';

const TAG = {
  put: 1,
  multi_put: 2,
  remove: 3,
  multi_remove: 4,
  incr: 5,
  check_and_set: 6,
  check_and_mutate: 7,
} as const satisfies Record<WriteRequest['kind'], number>;

type StructKind = Exclude<WriteRequest['kind'], 'remove'>;

const SCHEMAS: { readonly [K in StructKind]: StructSchema<Extract<WriteRequest, { kind: K }>> } = {
  put: updateRequestSchema,
  multi_put: multiPutRequestSchema,
  multi_remove: multiRemoveRequestSchema,
  incr: incrRequestSchema,
  check_and_set: checkAndSetRequestSchema,
  check_and_mutate: checkAndMutateRequestSchema,
};

const KIND_BY_TAG = new Map<number, WriteRequest['kind']>(Object.entries(TAG).map(([kind, tag]) => [tag, kind as WriteRequest['kind']]));

export class WritePayloadError extends PegasusError<'ERR_INVALID_DATA'> {
  override readonly name = 'WritePayloadError';
}

export function encodeWritePayload(request: WriteRequest): Uint8Array {
  if (request.kind === 'remove') {
    const payload = new Uint8Array(1 + request.key.length);
    payload[0] = TAG.remove;
    payload.set(request.key, 1);
    return payload;
  }
  const writer = new ThriftWriter(64);
  writer.writeByte(TAG[request.kind]);
  writeStruct(writer, SCHEMAS[request.kind] as StructSchema<WriteRequest>, request);
  return writer.toBytes();
}

/** Decodes what encodeWritePayload produced; anything else is refused with ERR_INVALID_DATA. */
export function decodeWritePayload(payload: Uint8Array): WriteRequest {
  const kind = payload.length === 0 ? undefined : KIND_BY_TAG.get(payload[0] as number);
  if (kind === undefined) {
    throw new WritePayloadError('ERR_INVALID_DATA', `write payload of ${payload.length} bytes has no known kind tag (${payload[0] ?? 'none'})`, false);
  }
  if (kind === 'remove') return { kind, key: payload.slice(1) };
  const reader = new ThriftReader(payload, 1);
  let request: WriteRequest;
  try {
    request = readStruct(reader, SCHEMAS[kind] as StructSchema<WriteRequest>);
  } catch (cause) {
    throw new WritePayloadError('ERR_INVALID_DATA', `${kind} write payload does not decode: ${(cause as Error).message}`, false, { cause });
  }
  if (reader.remaining !== 0) {
    throw new WritePayloadError('ERR_INVALID_DATA', `${kind} write payload has ${reader.remaining} bytes after its struct`, false);
  }
  return request;
}

/** Writes Pegasus never batches into one mutation with others (read-modify-write, multi-key). */
export function isBatchableWrite(request: WriteRequest): boolean {
  return request.kind === 'put' || request.kind === 'remove';
}
