// Reading values described by ValueType and StructSchema (thrift-types.ts) from the Thrift
// binary protocol. Every wire type is checked against the schema, every length and count is
// bounded (common/limits.ts, rpc section, and the bytes left), nesting is limited, and unknown
// fields of the standard types are skipped. Errors are RpcCodecError with the field path; the
// public entry points (rpc-codec.ts) turn them into CodecResult values.

import { assertNever } from '../../common/assert.ts';
import { RPC_CONTAINER_COUNT_MAX, RPC_NAME_BYTES_MAX } from '../../common/limits.ts';
import { RpcCodecError } from './codec-error.ts';
import { isErrorName } from './error-code.ts';
import { gpidFromHalves, rpcAddressFromHalves } from './placeholders.ts';
import { buildStruct } from './thrift-defaults.ts';
import { TypeCode, WireType, wireTypeName, type FieldInfo, type StructSchema, type ValueType } from './thrift-types.ts';
import type { ThriftReader } from './thrift-reader.ts';


export function readStruct<S>(reader: ThriftReader, schema: StructSchema<S>): S {
  reader.enter(schema.name);
  const fields = schema.fields;
  const values: unknown[] = new Array<unknown>(fields.length);
  for (;;) {
    const wire = reader.readUnsignedByte();
    if (wire === WireType.stop) break;
    const id = reader.readI16();
    const index = id >= 0 ? schema.indexById[id] : undefined;
    if (index === undefined) {
      skipValue(reader, wire);
      continue;
    }
    const field = fields[index] as FieldInfo;
    try {
      if (wire !== field.type.wire) {
        throw new RpcCodecError('wrong_type', `wire type ${wireTypeName(wire)}, expected ${wireTypeName(field.type.wire)} (${field.type.label})`);
      }
      values[index] = readValue(reader, field.type);
    } catch (error) {
      throw error instanceof RpcCodecError ? error.within(`${schema.name}.${field.name}`) : error;
    }
  }
  reader.leave();
  return buildStruct(schema, values);
}

export function readValue(reader: ThriftReader, type: ValueType<unknown>): unknown {
  switch (type.code) {
    case TypeCode.bool:
      return reader.readBool();
    case TypeCode.byte:
      return reader.readByte();
    case TypeCode.i16:
      return reader.readI16();
    case TypeCode.i32:
      return reader.readI32();
    case TypeCode.i64:
      return reader.readI64();
    case TypeCode.double:
      return reader.readDouble();
    case TypeCode.string:
      return reader.readString();
    case TypeCode.taskCode:
      return reader.readString(RPC_NAME_BYTES_MAX);
    case TypeCode.errorCode: {
      const name = reader.readString(RPC_NAME_BYTES_MAX);
      if (!isErrorName(name)) throw new RpcCodecError('unknown_error_name', `unknown error name ${JSON.stringify(name)}`);
      return name;
    }
    case TypeCode.binary:
    case TypeCode.blob:
      return reader.readBinary();
    case TypeCode.gpid: {
      const high = reader.readI64High();
      return gpidFromHalves(high, reader.readI64Low());
    }
    case TypeCode.rpcAddress: {
      const high = reader.readI64High();
      return rpcAddressFromHalves(high, reader.readI64Low());
    }
    case TypeCode.list:
    case TypeCode.set:
      return readList(reader, type);
    case TypeCode.map:
      return readMap(reader, type);
    case TypeCode.struct:
      return readStruct(reader, type.schema as StructSchema<unknown>);
    case TypeCode.mapped:
      return (type.fromWire as (v: unknown) => unknown)(readValue(reader, type.element as ValueType<unknown>));
    default:
      return assertNever(type.code, 'type code');
  }
}

function readList(reader: ThriftReader, type: ValueType<unknown>): unknown[] {
  const element = type.element as ValueType<unknown>;
  const wire = reader.readUnsignedByte();
  const count = readCount(reader, minimumBytes(wire), type.label);
  if (count > 0 && wire !== element.wire) {
    throw new RpcCodecError('wrong_type', `${type.label} with elements of wire type ${wireTypeName(wire)}`);
  }
  reader.enter(type.label);
  const list = new Array<unknown>(count);
  for (let i = 0; i < count; i++) {
    try {
      list[i] = readValue(reader, element);
    } catch (error) {
      throw error instanceof RpcCodecError ? error.within(`[${i}]`) : error;
    }
  }
  reader.leave();
  return list;
}

function readMap(reader: ThriftReader, type: ValueType<unknown>): Map<unknown, unknown> {
  const keyType = type.key as ValueType<unknown>;
  const valueType = type.value as ValueType<unknown>;
  const keyWire = reader.readUnsignedByte();
  const valueWire = reader.readUnsignedByte();
  const count = readCount(reader, minimumBytes(keyWire) + minimumBytes(valueWire), type.label);
  if (count > 0 && (keyWire !== keyType.wire || valueWire !== valueType.wire)) {
    throw new RpcCodecError('wrong_type', `${type.label} with wire types ${wireTypeName(keyWire)},${wireTypeName(valueWire)}`);
  }
  reader.enter(type.label);
  const map = new Map<unknown, unknown>();
  for (let i = 0; i < count; i++) {
    const key = readValue(reader, keyType);
    map.set(key, readValue(reader, valueType));
  }
  reader.leave();
  return map;
}

/** A container count: non-negative, within the limit, and payable with the bytes left. */
function readCount(reader: ThriftReader, bytesPerItem: number, what: string): number {
  const count = reader.readI32();
  if (count < 0) throw new RpcCodecError('invalid_value', `${what} count ${count} is negative`);
  if (count > RPC_CONTAINER_COUNT_MAX) throw new RpcCodecError('too_large', `${what} count ${count} exceeds ${RPC_CONTAINER_COUNT_MAX}`);
  reader.need(count * bytesPerItem, `${what} of ${count} items`);
  return count;
}

/** The fewest bytes a value of this wire type takes; throws for a byte that is no type. */
function minimumBytes(wire: number): number {
  switch (wire) {
    case WireType.bool:
    case WireType.byte:
    case WireType.struct:
      return 1;
    case WireType.i16:
      return 2;
    case WireType.i32:
    case WireType.string:
      return 4;
    case WireType.i64:
    case WireType.double:
      return 8;
    case WireType.set:
    case WireType.list:
      return 5;
    case WireType.map:
      return 6;
    default:
      throw new RpcCodecError('invalid_value', `byte ${wire} is not a thrift type`);
  }
}

/** Skips one value of a standard type (unknown fields; placeholders never reach here). */
export function skipValue(reader: ThriftReader, wire: number): void {
  switch (wire) {
    case WireType.bool:
    case WireType.byte:
    case WireType.i16:
    case WireType.i32:
    case WireType.i64:
    case WireType.double: {
      const size = minimumBytes(wire);
      reader.need(size, wireTypeName(wire));
      reader.offset += size;
      return;
    }
    case WireType.string: {
      const length = reader.readLength(Number.MAX_SAFE_INTEGER, 'string');
      reader.offset += length;
      return;
    }
    case WireType.struct:
      reader.enter('struct');
      for (;;) {
        const fieldWire = reader.readUnsignedByte();
        if (fieldWire === WireType.stop) break;
        reader.readI16();
        skipValue(reader, fieldWire);
      }
      reader.leave();
      return;
    case WireType.map: {
      const keyWire = reader.readUnsignedByte();
      const valueWire = reader.readUnsignedByte();
      const count = readCount(reader, minimumBytes(keyWire) + minimumBytes(valueWire), 'map');
      reader.enter('map');
      for (let i = 0; i < count; i++) {
        skipValue(reader, keyWire);
        skipValue(reader, valueWire);
      }
      reader.leave();
      return;
    }
    case WireType.set:
    case WireType.list: {
      const elementWire = reader.readUnsignedByte();
      const count = readCount(reader, minimumBytes(elementWire), 'list');
      reader.enter('list');
      for (let i = 0; i < count; i++) skipValue(reader, elementWire);
      reader.leave();
      return;
    }
    default:
      throw new RpcCodecError('invalid_value', `byte ${wire} is not a thrift type`);
  }
}
