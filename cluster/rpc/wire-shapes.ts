// Value types for the internal RPCs' TypeScript shapes, built on the codec's `t.mapped`: string
// unions checked against their members, numbers carried as i64 that must stay safe integers, bytes
// copied out of the frame they arrived in, and discriminated unions encoded the Thrift-union way
// (a struct with one optional field per kind, exactly one of them present).

import { RpcCodecError } from './codec-error.ts';
import { defineStruct, t, type StructSchema, type ValueType } from './thrift-types.ts';

/** A string union member; anything else fails to decode (and to encode) naming `label`. */
export function oneOf<T extends string>(label: string, members: readonly T[]): ValueType<T> {
  const known: ReadonlySet<string> = new Set(members);
  const check = (value: string): T => {
    if (typeof value !== 'string' || !known.has(value)) {
      throw new RpcCodecError('invalid_value', `${JSON.stringify(value)} is not a valid ${label} (${members.join(', ')})`);
    }
    return value as T;
  };
  return t.mapped(t.string, check, check);
}

/** The keys of a record listing every member of a union once; the compiler checks completeness. */
export function membersOf<T extends string>(record: Readonly<Record<T, unknown>>): readonly T[] {
  return Object.keys(record) as T[];
}

const checkSafe = (value: bigint): number => {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RpcCodecError('invalid_value', `${value} is beyond a safe integer`);
  }
  return Number(value);
};

/** A JavaScript integer beyond i32 (learner signatures, byte counts), written as i64. */
export const safeInteger: ValueType<number> = t.mapped(t.i64, checkSafe, (value: number) => {
  if (!Number.isSafeInteger(value)) throw new RpcCodecError('invalid_value', `expected a safe integer, got ${String(value)}`);
  return BigInt(value);
});

/**
 * Bytes copied into their own plain Uint8Array: a decoded view would keep the whole received
 * chunk alive for as long as the value lives (mutations stay in the prepare list for a while).
 */
export const ownedBytes: ValueType<Uint8Array> = t.mapped(t.binary, (view) => new Uint8Array(view), (bytes) => bytes);

type Member<U, K> = Extract<U, { readonly kind: K }>;

/** One entry per kind of U: its field id in the union struct and its own value type. */
export type UnionMembers<U extends { readonly kind: string }> = {
  readonly [K in U['kind']]: { readonly id: number; readonly type: ValueType<Member<U, K>> };
};

/**
 * A discriminated union as a Thrift union: field `id` named for the kind carries the member. A
 * decoded struct with no field this build knows (a newer sender's kind) or with several is an
 * error, never a half-built value.
 */
export function unionOf<U extends { readonly kind: string }>(name: string, members: UnionMembers<U>): ValueType<U> {
  const entries = Object.entries(members) as [string, { readonly id: number; readonly type: ValueType<unknown> }][];
  const fields = entries.map(([kind, member]) => ({ id: member.id, name: kind, type: member.type, optional: true }));
  const schema = defineStruct<Record<string, unknown>>(name, fields as never) as StructSchema<Record<string, unknown>>;
  const fromWire = (wire: Record<string, unknown>): U => {
    const present = Object.keys(wire);
    const only = present[0];
    if (only === undefined || present.length > 1) {
      const what = present.length === 0 ? 'no kind this server knows' : `${present.length} kinds (${present.join(', ')})`;
      throw new RpcCodecError('invalid_value', `${name} carries ${what}`);
    }
    return wire[only] as U;
  };
  const toWire = (value: U): Record<string, unknown> => {
    const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
    if (typeof kind !== 'string' || !Object.hasOwn(members, kind)) {
      throw new RpcCodecError('invalid_value', `${name}: unknown kind ${JSON.stringify(kind)}`);
    }
    return { [kind]: value };
  };
  return t.mapped(t.struct(schema), fromWire, toWire);
}
