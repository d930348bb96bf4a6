// The schema-driven Thrift binary codec: writes and reads values described by ValueType and
// StructSchema (thrift-types.ts). Reading checks every wire type against the schema, bounds every
// length and count (common/limits.ts, rpc section, and the bytes left), limits nesting, and skips
// unknown fields of the standard types. Placeholder types are bare values with no stop byte.
// Everything throws RpcCodecError; the public entry points turn that into a CodecResult.

import { assertNever } from '../../common/assert.ts';
import { RPC_CONTAINER_COUNT_MAX, RPC_NAME_BYTES_MAX } from '../../common/limits.ts';
import { RpcCodecError } from './codec-error.ts';
import { isErrorName } from './error-code.ts';
import { gpidFromHalves, rpcAddressFromHalves, rpcAddressToHalves } from './placeholders.ts';
import { TypeCode, WireType, wireTypeName, type FieldInfo, type Gpid, type StructSchema, type ValueType } from './thrift-types.ts';
import type { ThriftReader } from './thrift-reader.ts';
import type { ThriftWriter } from './thrift-writer.ts';

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_LIST: readonly never[] = Object.freeze([]);
const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;
const I64_MIN = -(1n << 63n);
/** Unsigned 64-bit values (partition hashes) are accepted and written as their two's complement. */
const U64_MAX = (1n << 64n) - 1n;
const NESTING_WRITE_MAX = 64;

// --- writing ---

export function writeStruct<S>(writer: ThriftWriter, schema: StructSchema<S>, value: S, depth = 0): void {
  if (typeof value !== 'object' || value === null) {
    throw new RpcCodecError('invalid_value', `struct ${schema.name} needs an object, got ${describe(value)}`);
  }
  if (depth > NESTING_WRITE_MAX) throw new RpcCodecError('too_deep', `struct ${schema.name} nested too deep`);
  const object = value as Record<string, unknown>;
  const fields = schema.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FieldInfo;
    let fieldValue = object[field.name];
    if (fieldValue === undefined) {
      if (field.optional) continue;
      fieldValue = defaultValue(field.type);
    }
    writer.writeFieldHeader(field.type.wire, field.id);
    try {
      writeValue(writer, field.type, fieldValue, depth + 1);
    } catch (error) {
      throw error instanceof RpcCodecError ? error.within(`${schema.name}.${field.name}`) : error;
    }
  }
  writer.writeStop();
}

export function writeValue(writer: ThriftWriter, type: ValueType<unknown>, value: unknown, depth = 0): void {
  switch (type.code) {
    case TypeCode.bool:
      if (typeof value !== 'boolean') throw expected('bool', value);
      writer.writeBool(value);
      return;
    case TypeCode.byte:
      writer.writeByte(checkInteger(value, -0x80, 0x7f, 'byte'));
      return;
    case TypeCode.i16:
      writer.writeI16(checkInteger(value, -0x8000, 0x7fff, 'i16'));
      return;
    case TypeCode.i32:
      writer.writeI32(checkInteger(value, I32_MIN, I32_MAX, 'i32'));
      return;
    case TypeCode.i64:
      if (typeof value !== 'bigint' || value < I64_MIN || value > U64_MAX) throw expected('i64 (bigint)', value);
      writer.writeI64(value);
      return;
    case TypeCode.double:
      if (typeof value !== 'number') throw expected('double', value);
      writer.writeDouble(value);
      return;
    case TypeCode.string:
    case TypeCode.taskCode:
      if (typeof value !== 'string') throw expected('string', value);
      writer.writeString(value);
      return;
    case TypeCode.errorCode:
      if (typeof value !== 'string' || !isErrorName(value)) {
        throw new RpcCodecError('unknown_error_name', `${describe(value)} is not an error name the clients know`);
      }
      writer.writeString(value);
      return;
    case TypeCode.binary:
    case TypeCode.blob:
      if (!(value instanceof Uint8Array)) throw expected('Uint8Array', value);
      writer.writeBinary(value);
      return;
    case TypeCode.gpid: {
      const gpid = value as Gpid;
      if (typeof value !== 'object' || value === null) throw expected('gpid', value);
      writer.writeI64Halves(
        checkInteger(gpid.partitionIndex, I32_MIN, I32_MAX, 'gpid.partitionIndex'),
        checkInteger(gpid.appId, I32_MIN, I32_MAX, 'gpid.appId'),
      );
      return;
    }
    case TypeCode.rpcAddress: {
      if (typeof value !== 'string') throw expected('rpc_address text', value);
      const [high, low] = rpcAddressToHalves(value);
      writer.writeI64Halves(high, low);
      return;
    }
    case TypeCode.list:
    case TypeCode.set:
      writeList(writer, type, value, depth);
      return;
    case TypeCode.map:
      writeMap(writer, type, value, depth);
      return;
    case TypeCode.struct:
      writeStruct(writer, type.schema as StructSchema<unknown>, value, depth + 1);
      return;
    case TypeCode.mapped:
      writeValue(writer, type.element as ValueType<unknown>, (type.toWire as (v: unknown) => unknown)(value), depth);
      return;
    default:
      assertNever(type.code, 'type code');
  }
}

function writeList(writer: ThriftWriter, type: ValueType<unknown>, value: unknown, depth: number): void {
  if (!Array.isArray(value)) throw expected(type.label, value);
  const element = type.element as ValueType<unknown>;
  writer.writeByte(element.wire);
  writer.writeI32(value.length);
  for (let i = 0; i < value.length; i++) {
    try {
      writeValue(writer, element, value[i], depth + 1);
    } catch (error) {
      throw error instanceof RpcCodecError ? error.within(`[${i}]`) : error;
    }
  }
}

function writeMap(writer: ThriftWriter, type: ValueType<unknown>, value: unknown, depth: number): void {
  if (!(value instanceof Map)) throw expected(`${type.label} (Map)`, value);
  const keyType = type.key as ValueType<unknown>;
  const valueType = type.value as ValueType<unknown>;
  writer.writeByte(keyType.wire);
  writer.writeByte(valueType.wire);
  writer.writeI32(value.size);
  for (const [key, item] of value) {
    writeValue(writer, keyType, key, depth + 1);
    writeValue(writer, valueType, item, depth + 1);
  }
}

function checkInteger(value: unknown, min: number, max: number, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw expected(what, value);
  return value;
}

function expected(what: string, value: unknown): RpcCodecError {
  return new RpcCodecError('invalid_value', `expected ${what}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

// --- reading ---

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

function buildStruct<S>(schema: StructSchema<S>, values: readonly unknown[]): S {
  const object: Record<string, unknown> = {};
  if (schema.kind !== undefined) object['kind'] = schema.kind;
  const fields = schema.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FieldInfo;
    let value = values[i];
    if (value === undefined) {
      if (field.optional) continue;
      value = defaultValue(field.type);
    }
    object[field.name] = value;
  }
  return object as S;
}

/** The value a decoder gives an absent non-optional field, and an encoder writes for one. */
export function defaultValue(type: ValueType<unknown>): unknown {
  switch (type.code) {
    case TypeCode.bool:
      return false;
    case TypeCode.byte:
    case TypeCode.i16:
    case TypeCode.i32:
    case TypeCode.double:
      return 0;
    case TypeCode.i64:
      return 0n;
    case TypeCode.string:
    case TypeCode.taskCode:
    case TypeCode.rpcAddress:
      return '';
    case TypeCode.errorCode:
      return 'ERR_OK';
    case TypeCode.binary:
    case TypeCode.blob:
      return EMPTY_BYTES;
    case TypeCode.gpid:
      return { appId: 0, partitionIndex: 0 };
    case TypeCode.list:
    case TypeCode.set:
      return EMPTY_LIST;
    case TypeCode.map:
      return new Map();
    case TypeCode.struct:
      return buildStruct(type.schema as StructSchema<unknown>, []);
    case TypeCode.mapped:
      return (type.fromWire as (v: unknown) => unknown)(defaultValue(type.element as ValueType<unknown>));
    default:
      return assertNever(type.code, 'type code');
  }
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
