// Writing values described by ValueType and StructSchema (thrift-types.ts) in the Thrift binary
// protocol. Placeholder types are bare values under a STRUCT header, with no stop byte. Absent
// optional fields are not written; an absent required field is written with its default (a strict
// struct refuses it). A value of the wrong JavaScript type, an unknown error name or a malformed
// address throws RpcCodecError naming the field path.

import { assertNever } from '../../common/assert.ts';
import { RpcCodecError } from './codec-error.ts';
import { isErrorName } from './error-code.ts';
import { rpcAddressToHalves } from './placeholders.ts';
import { defaultValue, missingField } from './thrift-defaults.ts';
import { TypeCode, type FieldInfo, type Gpid, type StructSchema, type ValueType } from './thrift-types.ts';
import type { ThriftWriter } from './thrift-writer.ts';

const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;
const I64_MIN = -(1n << 63n);
/** Unsigned 64-bit values (partition hashes) are accepted and written as their two's complement. */
const U64_MAX = (1n << 64n) - 1n;
/** Guards against cycles in values handed to the encoder. */
const NESTING_WRITE_MAX = 64;

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
      if (schema.strict) throw missingField(schema as StructSchema<unknown>, field);
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
