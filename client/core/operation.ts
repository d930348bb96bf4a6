// An operation ready to send: the RPC, its request, where it is routed, and how its response
// becomes the caller's result. Built by the pure builders (write-operations.ts, ...), sent by
// the runtime's retry loop with whatever transport the client has.

import type { RpcMethod } from '../../cluster/rpc/rpc-methods.ts';
import { PegasusClientError, storageErrorName, type OperationContext } from './client-error.ts';
import type { Locator } from './routing-table.ts';

export interface BuildContext {
  readonly table: string;
  /** Now, in seconds since 2016-01-01 UTC: TTLs become absolute expiry times against it. */
  readonly now2016Seconds: number;
}

export interface Operation<Request, Response, Result> {
  readonly context: OperationContext;
  readonly method: RpcMethod<Request, Response>;
  readonly request: Request;
  readonly locator: Locator;
  /** The result of a response that arrived (frame error ERR_OK), or a thrown PegasusClientError. */
  finish(response: Response, where: OperationContext): Result;
}

/** A response whose storage status is not one the operation expects. */
export function storageFailure(status: number, where: OperationContext, what = 'the server refused the request'): PegasusClientError {
  return new PegasusClientError(storageErrorName(status), `${what} (storage status ${status})`, where);
}

export function contextOf(build: BuildContext, operation: string, hashKey?: Uint8Array): OperationContext {
  return hashKey === undefined ? { table: build.table, operation } : { table: build.table, operation, hashKey };
}
