// The Thrift message around every RPC body (reference/pegasus-api.md section 4.3): the message
// header (strict binary: version|type, name, seqid; the old non-strict form is read too), then the
// args wrapper { 1: request } of a call or the result wrapper { 0: success } of a reply.

import { RPC_NAME_BYTES_MAX } from '../../common/limits.ts';
import { RpcCodecError } from './codec-error.ts';
import { readValue, skipValue, writeValue } from './thrift-codec.ts';
import type { ThriftReader } from './thrift-reader.ts';
import { WireType, wireTypeName, type ValueType } from './thrift-types.ts';
import type { ThriftWriter } from './thrift-writer.ts';

export const MessageType = { call: 1, reply: 2, exception: 3, oneway: 4 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const VERSION_1 = 0x80010000;
const VERSION_MASK = 0xffff0000;

export interface MessageBegin {
  readonly name: string;
  readonly type: number;
  readonly seqid: number;
}

export function writeMessageBegin(writer: ThriftWriter, name: string, type: MessageType, seqid: number): void {
  writer.writeU32((VERSION_1 | type) >>> 0);
  writer.writeString(name);
  writer.writeI32(seqid);
}

export function readMessageBegin(reader: ThriftReader): MessageBegin {
  const first = reader.readI32();
  if (first < 0) {
    const version = (first & VERSION_MASK) >>> 0;
    if (version !== VERSION_1) {
      throw new RpcCodecError('bad_message', `thrift message version 0x${version.toString(16)}, expected 0x80010000`);
    }
    const name = reader.readString(RPC_NAME_BYTES_MAX);
    return { name, type: first & 0xff, seqid: reader.readI32() };
  }
  // Non-strict: the name's length came first, then the name, a type byte and the seqid.
  if (first > RPC_NAME_BYTES_MAX) throw new RpcCodecError('too_large', `message name length ${first} exceeds ${RPC_NAME_BYTES_MAX}`);
  reader.offset -= 4;
  const name = reader.readString(RPC_NAME_BYTES_MAX);
  const type = reader.readUnsignedByte();
  return { name, type, seqid: reader.readI32() };
}

/** A wrapper struct with the one field `id` (1 for args, 0 for result). */
export function writeWrapper(writer: ThriftWriter, id: number, type: ValueType<unknown>, value: unknown): void {
  writer.writeFieldHeader(type.wire, id);
  writeValue(writer, type, value);
  writer.writeStop();
}

export function readWrapper(reader: ThriftReader, id: number, type: ValueType<unknown>, what: string): unknown {
  let value: unknown;
  let found = false;
  for (;;) {
    const wire = reader.readUnsignedByte();
    if (wire === WireType.stop) break;
    const fieldId = reader.readI16();
    if (fieldId !== id) {
      skipValue(reader, wire);
      continue;
    }
    if (wire !== type.wire) {
      throw new RpcCodecError('wrong_type', `${what} field ${id} has wire type ${wireTypeName(wire)}, expected ${wireTypeName(type.wire)} (${type.label})`);
    }
    value = readValue(reader, type);
    found = true;
  }
  if (!found) throw new RpcCodecError('missing_field', `${what} has no field ${id} (${type.label})`);
  return value;
}
