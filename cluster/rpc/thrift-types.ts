// Thrift types described as data. A ValueType says how one value is written and read; a
// StructSchema lists a struct's fields once (id, property name, type, optional). The codec
// (thrift-codec.ts) walks these descriptions; nothing is generated and nothing is allocated per
// message beyond the decoded values themselves.
//
// Besides the standard types there are Pegasus's placeholder types (reference/pegasus-api.md
// section 4.5): declared as structs in dsn.thrift, written as a bare value under a STRUCT field
// header, with no stop byte.

import { assert } from '../../common/assert.ts';
import type { ErrorName } from './error-code.ts';

/** Thrift binary protocol type bytes. */
export const WireType = {
  stop: 0,
  bool: 2,
  byte: 3,
  double: 4,
  i16: 6,
  i32: 8,
  i64: 10,
  string: 11,
  struct: 12,
  map: 13,
  set: 14,
  list: 15,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

export function wireTypeName(wire: number): string {
  for (const [name, value] of Object.entries(WireType)) if (value === wire) return name;
  return `unknown(${wire})`;
}

/** The codec's own discriminator: one per way of writing a value (small integers: a fast switch). */
export const TypeCode = {
  bool: 1, byte: 2, i16: 3, i32: 4, i64: 5, double: 6, string: 7, binary: 8,
  list: 9, set: 10, map: 11, struct: 12, mapped: 13,
  blob: 14, gpid: 15, rpcAddress: 16, errorCode: 17, taskCode: 18,
} as const;
export type TypeCode = (typeof TypeCode)[keyof typeof TypeCode];

/** rDSN gpid: (app_id, partition_index); on the wire i64 partition_index << 32 | app_id. */
export interface Gpid {
  readonly appId: number;
  readonly partitionIndex: number;
}

/**
 * rDSN rpc_address as text: "a.b.c.d:port" for IPv4, "" for no address. On the wire
 * i64 ip << 32 | port << 16 | 1 (type IPv4), or 0.
 */
export type RpcAddress = string;

export interface ValueType<V> {
  readonly code: TypeCode;
  /** The type byte in a field header or container header. */
  readonly wire: WireType;
  /** For messages: "i32", "list<blob>", "struct update_request". */
  readonly label: string;
  /** list, set: the element type; mapped: the inner type. */
  readonly element: ValueType<unknown> | undefined;
  readonly key: ValueType<unknown> | undefined;
  readonly value: ValueType<unknown> | undefined;
  readonly schema: StructSchema<unknown> | undefined;
  /** For 'mapped': the inner wire value to V and back. */
  readonly fromWire: ((inner: unknown) => unknown) | undefined;
  readonly toWire: ((value: unknown) => unknown) | undefined;
  /** Phantom: the decoded value type. */
  readonly __value?: V;
}

/** Every ValueType has the same properties in the same order, so the codec's reads stay monomorphic. */
function makeType<V>(code: TypeCode, wire: WireType, label: string, parts: Partial<Pick<ValueType<V>, 'element' | 'key' | 'value' | 'schema' | 'fromWire' | 'toWire'>> = {}): ValueType<V> {
  return {
    code,
    wire,
    label,
    element: parts.element,
    key: parts.key,
    value: parts.value,
    schema: parts.schema,
    fromWire: parts.fromWire,
    toWire: parts.toWire,
  };
}

function primitive<V>(code: TypeCode, wire: WireType, label: string): ValueType<V> {
  return makeType<V>(code, wire, label);
}

export const t = {
  bool: primitive<boolean>(TypeCode.bool, WireType.bool, 'bool'),
  byte: primitive<number>(TypeCode.byte, WireType.byte, 'byte'),
  i16: primitive<number>(TypeCode.i16, WireType.i16, 'i16'),
  i32: primitive<number>(TypeCode.i32, WireType.i32, 'i32'),
  i64: primitive<bigint>(TypeCode.i64, WireType.i64, 'i64'),
  double: primitive<number>(TypeCode.double, WireType.double, 'double'),
  string: primitive<string>(TypeCode.string, WireType.string, 'string'),
  binary: primitive<Uint8Array>(TypeCode.binary, WireType.string, 'binary'),
  /** Placeholder: i32 length + bytes under a STRUCT header. */
  blob: primitive<Uint8Array>(TypeCode.blob, WireType.struct, 'blob'),
  /** Placeholder: i64 under a STRUCT header. */
  gpid: primitive<Gpid>(TypeCode.gpid, WireType.struct, 'gpid'),
  /** Placeholder: i64 under a STRUCT header. */
  rpcAddress: primitive<RpcAddress>(TypeCode.rpcAddress, WireType.struct, 'rpc_address'),
  /** Placeholder: a string (one of the Java client's error names) under a STRUCT header. */
  errorCode: primitive<ErrorName>(TypeCode.errorCode, WireType.struct, 'error_code'),
  /** Placeholder: a string (an RPC name) under a STRUCT header. */
  taskCode: primitive<string>(TypeCode.taskCode, WireType.struct, 'task_code'),

  list<V>(element: ValueType<V>): ValueType<readonly V[]> {
    return makeType(TypeCode.list, WireType.list, `list<${element.label}>`, { element: element as ValueType<unknown> });
  },
  /** A set, decoded as an array in wire order. */
  set<V>(element: ValueType<V>): ValueType<readonly V[]> {
    return makeType(TypeCode.set, WireType.set, `set<${element.label}>`, { element: element as ValueType<unknown> });
  },
  map<K, V>(key: ValueType<K>, value: ValueType<V>): ValueType<ReadonlyMap<K, V>> {
    return makeType(TypeCode.map, WireType.map, `map<${key.label},${value.label}>`, {
      key: key as ValueType<unknown>,
      value: value as ValueType<unknown>,
    });
  },
  struct<S>(schema: StructSchema<S>): ValueType<S> {
    return makeType(TypeCode.struct, WireType.struct, `struct ${schema.name}`, { schema: schema as StructSchema<unknown> });
  },
  /**
   * The same bytes as `inner`, seen as another shape: an adapter that lets a bare argument
   * (get's blob key) decode straight into the storage layer's request object.
   */
  mapped<W, V>(inner: ValueType<W>, fromWire: (inner: W) => V, toWire: (value: V) => W): ValueType<V> {
    return makeType(TypeCode.mapped, inner.wire, inner.label, {
      element: inner as ValueType<unknown>,
      fromWire: fromWire as (inner: unknown) => unknown,
      toWire: toWire as (value: unknown) => unknown,
    });
  },
} as const;

/** One field of a struct: `name` is the property of the TypeScript object. */
export type FieldSpec<S> = {
  [K in keyof S]-?: {
    readonly id: number;
    readonly name: K;
    readonly type: ValueType<NonNullable<S[K]>>;
    /** Absent fields stay absent (undefined) when decoded and are not written when undefined. */
    readonly optional?: boolean;
  };
}[keyof S];

export interface FieldInfo {
  readonly id: number;
  readonly name: string;
  readonly type: ValueType<unknown>;
  readonly optional: boolean;
}

export interface StructSchema<S> {
  /** The thrift struct name, for messages. */
  readonly name: string;
  /** Stamped as `kind` on every decoded object (the storage layer's discriminator). */
  readonly kind: string | undefined;
  /**
   * Every non-optional field must be present: an absent one is a 'missing_field' error when
   * decoding and encoding instead of taking its default. Our internal structs are strict, since a
   * default ballot or decree would be wrong rather than harmless.
   */
  readonly strict: boolean;
  readonly fields: readonly FieldInfo[];
  /** Field index by field id (ids are small); -1 or undefined for unknown ids. */
  readonly indexById: readonly number[];
  /** Phantom: the decoded object type. */
  readonly __struct?: S;
}

const FIELD_ID_MAX = 255;

export function defineStruct<S>(
  name: string,
  fields: readonly FieldSpec<S>[],
  options: { readonly kind?: S extends { readonly kind: infer K } ? K : never; readonly strict?: boolean } = {},
): StructSchema<S> {
  const infos: FieldInfo[] = [];
  const indexById: number[] = [];
  for (const field of fields as readonly { id: number; name: unknown; type: ValueType<unknown>; optional?: boolean }[]) {
    assert(Number.isInteger(field.id) && field.id >= 0 && field.id <= FIELD_ID_MAX, `${name}: field id ${field.id} out of range`);
    assert(indexById[field.id] === undefined, `${name}: field id ${field.id} used twice`);
    assert(typeof field.name === 'string' && field.name !== 'kind', `${name}: bad field name`);
    indexById[field.id] = infos.length;
    infos.push({ id: field.id, name: field.name, type: field.type, optional: field.optional === true });
  }
  const kind = options.kind as string | undefined;
  return { name, kind, strict: options.strict === true, fields: infos, indexById };
}
