// The 15 rrdb client RPCs on a replica server. Each request is routed by its header's gpid to the
// replica hosted here; what the replica answers goes back exactly as the storage layer produced it,
// stamped with app_id, partition_index and this server's address as Pegasus does. Refusals travel
// as the frame's error name, with no body, which is what makes clients refresh their routing:
//
//   partition not hosted here (or its table dropped)   ERR_OBJECT_NOT_FOUND
//   not primary, lease invalid, replica inactive        ERR_INVALID_STATE
//   partition hash of another partition                 ERR_PARENT_PARTITION_MISUSED
//   header hash is not the key's hash                   ERR_INVALID_PARAMETERS
//   more than the server's bound of requests at once    ERR_BUSY
//   anything else the replica refuses with              its own code (ERR_NOT_ENOUGH_MEMBER, ...)
import { PegasusError } from '../../../common/errors.ts';
import type { Clock } from '../../../common/clock.ts';
import { REPLICA_SERVER_REQUESTS_IN_FLIGHT_MAX } from '../../../common/limits.ts';
import type { AppSummary } from '../../rpc/cluster-messages.ts';
import { isErrorName, type ErrorName } from '../../rpc/error-code.ts';
import { rpcError, RpcErrorReply, type HandlerTable } from '../../rpc/node/handler-table.ts';
import type { IncomingCall } from '../../rpc/rpc-codec.ts';
import { clientRpcs } from '../../rpc/rpc-methods.ts';
import type { Stamped } from '../../rpc/rrdb-structs.ts';
import type { Gpid } from '../../replication/configuration.ts';
import type { DataRequest, ReadRequest, WriteRequest } from '../../storage/requests.ts';
import type { WriteResponse, WriteResponseOf } from '../../storage/responses.ts';
import { checkPartitionHash } from './partition-hash.ts';
import type { ReplicaMetrics } from './replica-metrics.ts';
import type { ReplicaHost } from '../host/replica-host.ts';

export interface HostedEntry {
  readonly replica: ReplicaHost;
  readonly app: AppSummary;
}

export interface ClientRouting {
  /** This server's address as clients dial it, "host:port" (the responses' `server`). */
  readonly server: string;
  readonly clock: Clock;
  readonly metrics: ReplicaMetrics;
  hosted(gpid: Gpid): HostedEntry | undefined;
  /** Whether the lease with the meta server allows serving now. */
  leaseValid(): boolean;
}

type Refused = Exclude<ErrorName, 'ERR_OK'>;

export class ClientRequests {
  private inFlight = 0;

  constructor(
    private readonly routing: ClientRouting,
    private readonly inFlightMax = REPLICA_SERVER_REQUESTS_IN_FLIGHT_MAX,
  ) {}

  get requestsInFlight(): number {
    return this.inFlight;
  }

  register(table: HandlerTable): void {
    table
      .on(clientRpcs.put, (request, call) => this.write(call, request))
      .on(clientRpcs.multiPut, (request, call) => this.write(call, request))
      .on(clientRpcs.remove, (request, call) => this.write(call, request))
      .on(clientRpcs.multiRemove, (request, call) => this.write(call, request))
      .on(clientRpcs.incr, (request, call) => this.write(call, request))
      .on(clientRpcs.checkAndSet, (request, call) => this.write(call, request))
      .on(clientRpcs.checkAndMutate, (request, call) => this.write(call, request))
      .on(clientRpcs.get, (request, call) => this.read(call, request))
      .on(clientRpcs.multiGet, (request, call) => this.read(call, request))
      .on(clientRpcs.batchGet, (request, call) => this.read(call, request))
      .on(clientRpcs.sortkeyCount, (request, call) => this.read(call, request))
      .on(clientRpcs.ttl, (request, call) => this.read(call, request))
      .on(clientRpcs.getScanner, (request, call) => this.read(call, request))
      .on(clientRpcs.scan, (request, call) => this.read(call, request))
      .onOneWay(clientRpcs.clearScanner, (request, call) => {
        // One-way: nothing to answer; a context on a replica not hosted any more is gone anyway.
        this.routing.hosted(gpidOf(call))?.replica.clearScanner(request.contextId);
        return Promise.resolve();
      });
  }

  private write<R extends WriteRequest>(call: IncomingCall, request: R): Promise<Stamped<WriteResponseOf<R['kind']>> | RpcErrorReply> {
    return this.serve(call, request, false, async (replica) => {
      const response: WriteResponse = await replica.write(request);
      return response as WriteResponseOf<R['kind']>;
    });
  }

  private read<R extends ReadRequest>(call: IncomingCall, request: R) {
    return this.serve(call, request, true, (replica) => replica.read(request));
  }

  private async serve<Response extends { readonly error: number }>(
    call: IncomingCall,
    request: DataRequest,
    isRead: boolean,
    run: (replica: ReplicaHost) => Promise<Response>,
  ): Promise<Stamped<Response> | RpcErrorReply> {
    const startMs = this.routing.clock.monotonicMs();
    const gpid = gpidOf(call);
    const entry = this.routing.hosted(gpid);
    const finish = <T extends Stamped<Response> | RpcErrorReply>(answer: T): T => {
      const result = answer instanceof RpcErrorReply ? answer.error : answer.error === 0 ? 'ERR_OK' : 'storage_error';
      const seconds = (this.routing.clock.monotonicMs() - startMs) / 1000;
      this.routing.metrics.observe({ table: entry?.app.name ?? 'unknown', op: request.kind, result, seconds });
      return answer;
    };
    if (entry === undefined || entry.app.status === 'dropped') return finish(rpcError('ERR_OBJECT_NOT_FOUND'));
    if (this.inFlight >= this.inFlightMax) return finish(rpcError('ERR_BUSY'));
    if (!this.routing.leaseValid()) return finish(rpcError('ERR_INVALID_STATE'));
    const hashError = checkPartitionHash(
      { partitionHash: call.header.partitionHash, partitionIndex: gpid.partitionIndex, partitionCount: entry.app.partitionCount },
      request,
    );
    if (hashError !== undefined) return finish(rpcError(hashError.error));
    this.inFlight++;
    let response: Response;
    try {
      response = await run(entry.replica);
    } catch (error) {
      return finish(rpcError(refusalName(error)));
    } finally {
      this.inFlight--;
    }
    // A read is only as good as the lease at the moment it is answered (a paused process must not
    // serve what it read on an old lease).
    if (isRead && !this.routing.leaseValid()) return finish(rpcError('ERR_INVALID_STATE'));
    return finish({ ...response, appId: gpid.appId, partitionIndex: gpid.partitionIndex, server: this.routing.server });
  }
}

function gpidOf(call: IncomingCall): Gpid {
  return { appId: call.header.appId, partitionIndex: call.header.partitionIndex };
}

/** The wire name for a replica's refusal; anything that is not an operating error is a bug. */
function refusalName(error: unknown): Refused {
  if (!(error instanceof PegasusError)) throw error;
  const code = String(error.code);
  // Inactive (lease lost, waiting for the meta server) means "ask someone else" to a client, which
  // the official clients only do for ERR_INVALID_STATE.
  if (code === 'ERR_INACTIVE_STATE') return 'ERR_INVALID_STATE';
  if (code !== 'ERR_OK' && isErrorName(code)) return code as Refused;
  throw error;
}
