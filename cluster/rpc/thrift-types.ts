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

/** The codec's own discriminator: one per way of writing a value. */
export type TypeCode =
  | 'bool' | 'byte' | 'i16' | 'i32' | 'i64' | 'double' | 'string' | 'binary'
  | 'list' | 'set' | 'map' | 'struct' | 'mapped'
  | 'blob' | 'gpid' | 'rpc_address' | 'error_code' | 'task_code';

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
  readonly element?: ValueType<unknown>;
  readonly key?: ValueType<unknown>;
  readonly value?: ValueType<unknown>;
  readonly schema?: StructSchema<unknown>;
  /** For 'mapped': the inner wire value to V and back. */
  readonly fromWire?: (inner: unknown) => unknown;
  readonly toWire?: (value: unknown) => unknown;
  /** Phantom: the decoded value type. */
  readonly __value?: V;
}

function primitive<V>(code: TypeCode, wire: WireType, label = code): ValueType<V> {
  return { code, wire, label };
}

export const t = {
  bool: primitive<boolean>('bool', WireType.bool),
  byte: primitive<number>('byte', WireType.byte),
  i16: primitive<number>('i16', WireType.i16),
  i32: primitive<number>('i32', WireType.i32),
  i64: primitive<bigint>('i64', WireType.i64),
  double: primitive<number>('double', WireType.double),
  string: primitive<string>('string', WireType.string),
  binary: primitive<Uint8Array>('binary', WireType.string),
  /** Placeholder: i32 length + bytes under a STRUCT header. */
  blob: primitive<Uint8Array>('blob', WireType.struct),
  /** Placeholder: i64 under a STRUCT header. */
  gpid: primitive<Gpid>('gpid', WireType.struct),
  /** Placeholder: i64 under a STRUCT header. */
  rpcAddress: primitive<RpcAddress>('rpc_address', WireType.struct),
  /** Placeholder: a string (one of the Java client's error names) under a STRUCT header. */
  errorCode: primitive<ErrorName>('error_code', WireType.struct),
  /** Placeholder: a string (an RPC name) under a STRUCT header. */
  taskCode: primitive<string>('task_code', WireType.struct),

  list<V>(element: ValueType<V>): ValueType<readonly V[]> {
    return { code: 'list', wire: WireType.list, label: `list<${element.label}>`, element };
  },
  /** A set, decoded as an array in wire order. */
  set<V>(element: ValueType<V>): ValueType<readonly V[]> {
    return { code: 'set', wire: WireType.set, label: `set<${element.label}>`, element };
  },
  map<K, V>(key: ValueType<K>, value: ValueType<V>): ValueType<ReadonlyMap<K, V>> {
    return { code: 'map', wire: WireType.map, label: `map<${key.label},${value.label}>`, key, value };
  },
  struct<S>(schema: StructSchema<S>): ValueType<S> {
    return { code: 'struct', wire: WireType.struct, label: `struct ${schema.name}`, schema: schema as StructSchema<unknown> };
  },
  /**
   * The same bytes as `inner`, seen as another shape: an adapter that lets a bare argument
   * (get's blob key) decode straight into the storage layer's request object.
   */
  mapped<W, V>(inner: ValueType<W>, fromWire: (inner: W) => V, toWire: (value: V) => W): ValueType<V> {
    return {
      code: 'mapped',
      wire: inner.wire,
      label: inner.label,
      element: inner as ValueType<unknown>,
      fromWire: fromWire as (inner: unknown) => unknown,
      toWire: toWire as (value: unknown) => unknown,
    };
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
  options: { readonly kind?: S extends { readonly kind: infer K } ? K : never } = {},
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
  return { name, kind, fields: infos, indexById };
}
