// RPC handlers by name. A server answers exactly the RPCs that have a handler here: the table keeps
// its own registry of those methods, so a request for any other name is refused with
// ERR_HANDLER_NOT_FOUND by the codec. A handler resolves with the response, or with an
// RpcErrorReply to answer an rDSN error name and no body; one-way RPCs resolve with nothing.
// A handler that throws or rejects is a programmer error: the connection that carried the call is
// closed and the error logged.

import { assert } from '../../../common/assert.ts';
import type { ErrorName } from '../error-code.ts';
import type { IncomingCall } from '../rpc-codec.ts';
import { RpcRegistry, type AnyRpcMethod, type RpcMethod } from '../rpc-methods.ts';

/** An answer with an error name and no body (ERR_BUSY, ERR_OBJECT_NOT_FOUND, ...). */
export class RpcErrorReply {
  constructor(readonly error: Exclude<ErrorName, 'ERR_OK'>) {}
}

export function rpcError(error: Exclude<ErrorName, 'ERR_OK'>): RpcErrorReply {
  return new RpcErrorReply(error);
}

/** Handles one call; `call` carries the routing header and seqid. */
export type RpcHandler<Request, Response> = (request: Request, call: IncomingCall) => Promise<Response | RpcErrorReply>;
/** Handles one one-way call; nothing is sent back. */
export type OneWayHandler<Request> = (request: Request, call: IncomingCall) => Promise<void>;

type AnyHandler = (request: unknown, call: IncomingCall) => Promise<unknown>;

export class HandlerTable {
  readonly registry = new RpcRegistry();
  private readonly handlers = new Map<string, AnyHandler>();

  /** Serves `method` with `handler`; a method served twice is a programmer error. */
  on<Request, Response>(method: RpcMethod<Request, Response>, handler: RpcHandler<Request, Response>): this {
    assert(method.response !== null, `${method.name} is one-way: register it with onOneWay`);
    return this.add(method, handler as AnyHandler);
  }

  onOneWay<Request>(method: RpcMethod<Request, unknown>, handler: OneWayHandler<Request>): this {
    assert(method.response === null, `${method.name} has a response: register it with on`);
    return this.add(method, handler as AnyHandler);
  }

  handlerOf(method: AnyRpcMethod): AnyHandler {
    const handler = this.handlers.get(method.name);
    assert(handler !== undefined, `no handler for registered RPC ${method.name}`);
    return handler;
  }

  private add(method: RpcMethod<unknown, unknown> | RpcMethod<never, unknown>, handler: AnyHandler): this {
    this.registry.register(method as AnyRpcMethod);
    this.handlers.set(method.name, handler);
    return this;
  }
}
