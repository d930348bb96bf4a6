// RPCs by name. An RpcMethod ties an RPC name (the Thrift message name, rDSN's task code) to the
// type of its argument (field 1 of the args wrapper) and of its answer (field 0 `success` of the
// result wrapper), or to no answer for one-way RPCs. The 19 client RPCs are defined here; internal
// RPCs (prepare, learn, group check, beacon, configuration update, ...) are added to a registry
// under our own names with their own structs and use the same framing.

import { assert } from '../../common/assert.ts';
import { RPC_NAME_BYTES_MAX } from '../../common/limits.ts';
import type {
  ClearScannerRequest, GetRequest, RemoveRequest, SortkeyCountRequest, TtlRequest,
} from '../storage/requests.ts';
import * as meta from './meta-structs.ts';
import * as rrdb from './rrdb-structs.ts';
import { t, type ValueType } from './thrift-types.ts';

export interface RpcMethod<Request, Response> {
  /** The message name, e.g. RPC_RRDB_RRDB_GET; a response carries it with "_ACK" appended. */
  readonly name: string;
  /** Field 1 of the args wrapper. */
  readonly request: ValueType<Request>;
  /** Field 0 (success) of the result wrapper; null for a one-way RPC, which gets no response. */
  readonly response: ValueType<Response> | null;
}

export type AnyRpcMethod = RpcMethod<unknown, unknown>;
export type RequestOf<M> = M extends RpcMethod<infer Request, unknown> ? Request : never;
export type ResponseOf<M> = M extends RpcMethod<unknown, infer Response> ? Response : never;

const NAME_PATTERN = /^[A-Z][A-Z0-9_]*$/;
export const ACK_SUFFIX = '_ACK';

export function defineRpc<Request, Response>(
  name: string,
  request: ValueType<Request>,
  response: ValueType<Response> | null,
): RpcMethod<Request, Response> {
  assert(NAME_PATTERN.test(name), `RPC name ${JSON.stringify(name)} must be upper case letters, digits and _`);
  assert(!name.endsWith(ACK_SUFFIX), `RPC name ${name} must not end in ${ACK_SUFFIX}`);
  assert(name.length + ACK_SUFFIX.length <= RPC_NAME_BYTES_MAX, `RPC name ${name} is too long`);
  return { name, request, response };
}

// Bare arguments seen as the storage layer's request objects.
const composite = <K extends 'get' | 'remove' | 'ttl'>(kind: K) =>
  t.mapped(t.blob, (key): Extract<GetRequest | RemoveRequest | TtlRequest, { kind: K }> =>
    ({ kind, key }) as Extract<GetRequest | RemoveRequest | TtlRequest, { kind: K }>, (request) => request.key);
const sortkeyCountArgument = t.mapped(t.blob, (hashKey): SortkeyCountRequest => ({ kind: 'sortkey_count', hashKey }), (request) => request.hashKey);
const clearScannerArgument = t.mapped(t.i64, (contextId): ClearScannerRequest => ({ kind: 'clear_scanner', contextId }), (request) => request.contextId);

const update = t.struct(rrdb.updateResponseSchema);
const scan = t.struct(rrdb.scanResponseSchema);

/** The RPCs of the official clients: 15 rrdb data RPCs and 4 meta RPCs. */
export const clientRpcs = {
  put: defineRpc('RPC_RRDB_RRDB_PUT', t.struct(rrdb.updateRequestSchema), update),
  multiPut: defineRpc('RPC_RRDB_RRDB_MULTI_PUT', t.struct(rrdb.multiPutRequestSchema), update),
  remove: defineRpc('RPC_RRDB_RRDB_REMOVE', composite('remove'), update),
  multiRemove: defineRpc('RPC_RRDB_RRDB_MULTI_REMOVE', t.struct(rrdb.multiRemoveRequestSchema), t.struct(rrdb.multiRemoveResponseSchema)),
  incr: defineRpc('RPC_RRDB_RRDB_INCR', t.struct(rrdb.incrRequestSchema), t.struct(rrdb.incrResponseSchema)),
  checkAndSet: defineRpc('RPC_RRDB_RRDB_CHECK_AND_SET', t.struct(rrdb.checkAndSetRequestSchema), t.struct(rrdb.checkAndSetResponseSchema)),
  checkAndMutate: defineRpc('RPC_RRDB_RRDB_CHECK_AND_MUTATE', t.struct(rrdb.checkAndMutateRequestSchema), t.struct(rrdb.checkAndMutateResponseSchema)),
  get: defineRpc('RPC_RRDB_RRDB_GET', composite('get'), t.struct(rrdb.readResponseSchema)),
  multiGet: defineRpc('RPC_RRDB_RRDB_MULTI_GET', t.struct(rrdb.multiGetRequestSchema), t.struct(rrdb.multiGetResponseSchema)),
  batchGet: defineRpc('RPC_RRDB_RRDB_BATCH_GET', t.struct(rrdb.batchGetRequestSchema), t.struct(rrdb.batchGetResponseSchema)),
  sortkeyCount: defineRpc('RPC_RRDB_RRDB_SORTKEY_COUNT', sortkeyCountArgument, t.struct(rrdb.countResponseSchema)),
  ttl: defineRpc('RPC_RRDB_RRDB_TTL', composite('ttl'), t.struct(rrdb.ttlResponseSchema)),
  getScanner: defineRpc('RPC_RRDB_RRDB_GET_SCANNER', t.struct(rrdb.getScannerRequestSchema), scan),
  scan: defineRpc('RPC_RRDB_RRDB_SCAN', t.struct(rrdb.scanRequestSchema), scan),
  clearScanner: defineRpc('RPC_RRDB_RRDB_CLEAR_SCANNER', clearScannerArgument, null),
  queryConfig: defineRpc('RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX', t.struct(meta.queryCfgRequestSchema), t.struct(meta.queryCfgResponseSchema)),
  createApp: defineRpc('RPC_CM_CREATE_APP', t.struct(meta.createAppRequestSchema), t.struct(meta.createAppResponseSchema)),
  dropApp: defineRpc('RPC_CM_DROP_APP', t.struct(meta.dropAppRequestSchema), t.struct(meta.dropAppResponseSchema)),
  listApps: defineRpc('RPC_CM_LIST_APPS', t.struct(meta.listAppsRequestSchema), t.struct(meta.listAppsResponseSchema)),
} as const;

/** RPC methods by name. One registry per server or client; nothing is module-global. */
export class RpcRegistry {
  private readonly byName = new Map<string, AnyRpcMethod>();

  /** Adds a method; a name registered twice is a programmer error. */
  register<Request, Response>(method: RpcMethod<Request, Response>): this {
    assert(!this.byName.has(method.name), `RPC ${method.name} is registered twice`);
    this.byName.set(method.name, method as AnyRpcMethod);
    return this;
  }

  get(name: string): AnyRpcMethod | undefined {
    return this.byName.get(name);
  }

  /** The method whose response carries this name (name + "_ACK"). */
  getByResponseName(responseName: string): AnyRpcMethod | undefined {
    if (!responseName.endsWith(ACK_SUFFIX)) return undefined;
    return this.byName.get(responseName.slice(0, -ACK_SUFFIX.length));
  }

  names(): string[] {
    return [...this.byName.keys()];
  }
}

/** A registry holding the client RPCs; servers add their internal RPCs to it. */
export function createRpcRegistry(): RpcRegistry {
  const registry = new RpcRegistry();
  for (const method of Object.values(clientRpcs)) registry.register(method as RpcMethod<unknown, unknown>);
  return registry;
}
