// The values absent fields take: a decoder fills an absent non-optional field with its type's
// default, and an encoder writes the default for an absent required field, as Thrift's generated
// code does with default-initialised members. Strict structs refuse absent required fields instead.

import { assertNever } from '../../common/assert.ts';
import { RpcCodecError } from './codec-error.ts';
import { TypeCode, type FieldInfo, type StructSchema, type ValueType } from './thrift-types.ts';

const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_LIST: readonly never[] = Object.freeze([]);

/** The decoded object: `kind` first when the schema has one, then the fields in schema order. */
export function buildStruct<S>(schema: StructSchema<S>, values: readonly unknown[]): S {
  const object: Record<string, unknown> = {};
  if (schema.kind !== undefined) object['kind'] = schema.kind;
  const fields = schema.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FieldInfo;
    let value = values[i];
    if (value === undefined) {
      if (field.optional) continue;
      if (schema.strict) throw missingField(schema, field);
      value = defaultValue(field.type);
    }
    object[field.name] = value;
  }
  return object as S;
}

/** An absent required field of a strict struct. */
export function missingField(schema: StructSchema<unknown>, field: FieldInfo): RpcCodecError {
  return new RpcCodecError('missing_field', `${schema.name}.${field.name} (field ${field.id}, ${field.type.label}) is missing`);
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
