// The seam between the shared client logic and a network: the Node transport speaks THFT over TCP,
// the edge transport POSTs the same frames to /rpc with fetch. A transport keeps its own
// connections; it reports every failure as a TransportError whose code is an rDSN error name:
// the server's answer (ERR_OBJECT_NOT_FOUND, ERR_INVALID_STATE, ...), ERR_TIMEOUT when no answer
// came in time, ERR_SESSION_RESET when the connection broke or could not be made,
// ERR_SERVICE_NOT_ACTIVE once the transport is closed (so calls stop instead of retrying).

import type { ErrorName } from '../../cluster/rpc/error-code.ts';
import type { RequestRouting } from '../../cluster/rpc/request-frame.ts';
import type { RpcMethod } from '../../cluster/rpc/rpc-methods.ts';
import { PegasusError } from '../../common/errors.ts';

export interface TransportCallOptions {
  readonly timeoutMs: number;
  /** Header fields: app id, partition index and partition hash of the request. */
  readonly routing: Pick<RequestRouting, 'appId' | 'partitionIndex' | 'partitionHash'>;
  readonly signal?: AbortSignal;
}

/** What the client needs of a network. Implementations: TcpTransport (Node); a fetch one for edge runtimes. */
export interface Transport {
  /** Sends `request` to `address` ("host:port") and resolves with the response body. */
  call<Request, Response>(address: string, method: RpcMethod<Request, Response>, request: Request, options: TransportCallOptions): Promise<Response>;
  /** Sends a one-way request (clear_scanner); failures are ignored, nothing comes back. */
  send<Request>(address: string, method: RpcMethod<Request, unknown>, request: Request, options: TransportCallOptions): void;
  /** Closes every connection; calls still pending fail with ERR_SESSION_RESET. */
  close(): Promise<void>;
}

/** A transport's failure; the client turns it into a PegasusClientError with the call's context. */
export class TransportError extends PegasusError<ErrorName> {
  override readonly name = 'TransportError';
  /** The message without the code. */
  readonly reason: string;

  constructor(code: ErrorName, reason: string, readonly server: string, options?: { readonly cause?: unknown }) {
    super(code, `${code}: ${reason}`, code === 'ERR_TIMEOUT' || code === 'ERR_SESSION_RESET', options);
    this.reason = reason;
  }
}
