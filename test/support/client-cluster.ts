// A small test cluster for the client SDK, built from real parts: one or more "meta" RpcServers
// answering query_cfg from a routing table this harness keeps, and replica RpcServers serving the
// rrdb RPCs from real storage Partitions (MemoryEngine). It is not the meta or replica server:
// there is no replication; each partition lives once and is served by whichever replica server
// the harness says hosts it. A server that does not host the partition of a request answers
// ERR_OBJECT_NOT_FOUND, as a replica server does; a request whose partition hash does not belong
// to the partition gets ERR_PARENT_PARTITION_MISUSED. Tests can move a partition to another
// server, restart a server on its port, stop one, and make a meta server forward to the leader.

import { systemClock, type Clock } from '../../common/clock.ts';
import { clientRpcs } from '../../cluster/rpc/index.ts';
import type { PartitionConfiguration, QueryCfgResponse } from '../../cluster/rpc/index.ts';
import { HandlerTable, RpcServer, rpcError, type RpcErrorReply } from '../../cluster/rpc/node/index.ts';
import type { IncomingCall } from '../../cluster/rpc/rpc-codec.ts';
import type { AnyRpcMethod } from '../../cluster/rpc/rpc-methods.ts';
import { MemoryEngine } from '../../cluster/storage/memory-engine.ts';
import { Partition, rejectedWriteResponse } from '../../cluster/storage/partition.ts';
import type { ReadRequest, WriteRequest } from '../../cluster/storage/requests.ts';
import type { WriteResponse } from '../../cluster/storage/responses.ts';

interface HostedPartition {
  readonly partition: Partition;
  decree: bigint;
  ballot: bigint;
  /** Index into replicas of the server hosting it. */
  host: number;
}

export interface ReplicaHandle {
  readonly address: string;
  /** Partition indices of the requests this server answered (any outcome), in order. */
  readonly served: number[];
  /** Requests refused with ERR_OBJECT_NOT_FOUND. */
  refused: number;
  /** clear_scanner context ids received. */
  readonly cleared: bigint[];
  server: RpcServer | null;
  readonly port: number;
}

export interface MetaHandle {
  readonly address: string;
  readonly server: RpcServer;
  /** query_cfg calls answered. */
  queries: number;
  /** When set, answers ERR_FORWARD_TO_OTHERS naming this address. */
  forwardTo: string | null;
}

export interface ClientClusterOptions {
  readonly tableName?: string;
  readonly appId?: number;
  readonly partitionCount?: number;
  readonly replicaCount?: number;
  /** Meta servers; all but the first forward to the first. Default 1. */
  readonly metaCount?: number;
}

export class ClientCluster {
  /** Server-side time: record expiry and scan-context idleness. Real time, plus what tests advance. */
  readonly clock = new AdvancingClock();
  readonly replicas: ReplicaHandle[] = [];
  readonly metas: MetaHandle[] = [];
  readonly tableName: string;
  appId: number;
  readonly partitionCount: number;
  private partitions: HostedPartition[] = [];

  private constructor(options: ClientClusterOptions) {
    this.tableName = options.tableName ?? 'test';
    this.appId = options.appId ?? 2;
    this.partitionCount = options.partitionCount ?? 8;
  }

  /** Partitions spread round-robin over the replica servers (index i on server i mod count). */
  static async start(options: ClientClusterOptions = {}): Promise<ClientCluster> {
    const cluster = new ClientCluster(options);
    const replicaCount = options.replicaCount ?? 2;
    cluster.partitions = await cluster.emptyPartitions(replicaCount);
    for (let i = 0; i < replicaCount; i++) {
      const handle: ReplicaHandle = { address: '', served: [], refused: 0, cleared: [], server: null, port: 0 };
      const server = new RpcServer({ handlers: cluster.replicaHandlers(handle), log: () => undefined });
      const { port } = await server.listen();
      Object.assign(handle, { address: `127.0.0.1:${port}`, port, server });
      cluster.replicas.push(handle);
    }
    for (let i = 0; i < (options.metaCount ?? 1); i++) {
      const handle = { address: '', server: null as unknown as RpcServer, queries: 0, forwardTo: null as string | null };
      const server = new RpcServer({ handlers: cluster.metaHandlers(handle), log: () => undefined });
      const { port } = await server.listen();
      Object.assign(handle, { address: `127.0.0.1:${port}`, server });
      cluster.metas.push(handle);
    }
    const leader = cluster.metas[0];
    for (const follower of cluster.metas.slice(1)) follower.forwardTo = leader?.address ?? null;
    return cluster;
  }

  get metaAddresses(): string[] {
    return this.metas.map((meta) => meta.address);
  }

  /** The replica server index hosting partition `index`. */
  hostOf(index: number): number {
    return this.partition(index).host;
  }

  /** Moves partition `index` to replica server `to`; the meta answers the new primary with ballot + 1. */
  movePartition(index: number, to: number): void {
    const hosted = this.partition(index);
    hosted.host = to;
    hosted.ballot++;
  }

  /** Drops the table and creates it again under a new app id, empty; old app ids are refused. */
  async recreateTable(appId: number): Promise<void> {
    const old = this.partitions;
    this.partitions = await this.emptyPartitions(this.replicas.length);
    this.appId = appId;
    for (const hosted of old) await hosted.partition.close();
  }

  /** Closes replica server `i` (its connections drop); its partitions stay in the routing table. */
  async stopReplica(i: number): Promise<void> {
    const handle = this.replica(i);
    await handle.server?.close();
    handle.server = null;
  }

  /** Starts replica server `i` again on the same port, with the same data. */
  async startReplica(i: number): Promise<void> {
    const handle = this.replica(i);
    const server = new RpcServer({ handlers: this.replicaHandlers(handle), port: handle.port, log: () => undefined });
    await server.listen();
    handle.server = server;
  }

  /** Scan contexts open on partition `index` (to check that scanners release theirs). */
  scanContexts(index: number): number {
    return this.partition(index).partition.scanContextCount;
  }

  async stop(): Promise<void> {
    for (const replica of this.replicas) await replica.server?.close();
    for (const meta of this.metas) await meta.server.close();
    for (const hosted of this.partitions) await hosted.partition.close();
  }

  private async emptyPartitions(replicaCount: number): Promise<HostedPartition[]> {
    const partitions: HostedPartition[] = [];
    for (let index = 0; index < this.partitionCount; index++) {
      const partition = await Partition.open(new MemoryEngine(), { clock: this.clock, partitionIndex: index, partitionCount: this.partitionCount });
      partitions.push({ partition, decree: partition.appliedDecree, ballot: 1n, host: index % replicaCount });
    }
    return partitions;
  }

  private partition(index: number): HostedPartition {
    const hosted = this.partitions[index];
    if (hosted === undefined) throw new Error(`no partition ${index}`);
    return hosted;
  }

  private replica(i: number): ReplicaHandle {
    const handle = this.replicas[i];
    if (handle === undefined) throw new Error(`no replica server ${i}`);
    return handle;
  }

  private queryConfig(appName: string): QueryCfgResponse {
    if (appName !== this.tableName) return { err: 'ERR_OBJECT_NOT_FOUND', appId: 0, partitionCount: 0, isStateful: true, partitions: [] };
    return {
      err: 'ERR_OK',
      appId: this.appId,
      partitionCount: this.partitionCount,
      isStateful: true,
      partitions: this.partitions.map((hosted, index) => configuration(this.appId, index, hosted.ballot, this.replica(hosted.host).address)),
    };
  }

  private metaHandlers(handle: MetaHandle): HandlerTable {
    return new HandlerTable().on(clientRpcs.queryConfig, async (request) => {
      handle.queries++;
      if (handle.forwardTo !== null) {
        return { err: 'ERR_FORWARD_TO_OTHERS', appId: 0, partitionCount: 0, isStateful: true, partitions: [configuration(0, 0, 0n, handle.forwardTo)] };
      }
      return this.queryConfig(request.appName);
    });
  }

  /** The partition a call is for, or the error a replica server answers when it does not serve it. */
  private admit(handle: ReplicaHandle, call: IncomingCall): HostedPartition | RpcErrorReply {
    const { appId, partitionIndex, partitionHash } = call.header;
    const hosted = this.partitions[partitionIndex];
    handle.served.push(partitionIndex);
    if (appId !== this.appId || hosted === undefined || this.replicas[hosted.host] !== handle) {
      handle.refused++;
      return rpcError('ERR_OBJECT_NOT_FOUND');
    }
    if (Number(BigInt.asUintN(64, partitionHash) & BigInt(this.partitionCount - 1)) !== partitionIndex) return rpcError('ERR_PARENT_PARTITION_MISUSED');
    return hosted;
  }

  private replicaHandlers(handle: ReplicaHandle): HandlerTable {
    const stamp = (index: number) => ({ appId: this.appId, partitionIndex: index, server: handle.address });
    const write = <R extends WriteRequest>() => async (request: R, call: IncomingCall) => {
      const hosted = this.admit(handle, call);
      if (!('partition' in hosted)) return hosted;
      return { ...(await this.applyWrite(hosted, request)), ...stamp(call.header.partitionIndex) };
    };
    const read = <R extends ReadRequest>() => async (request: R, call: IncomingCall) => {
      const hosted = this.admit(handle, call);
      if (!('partition' in hosted)) return hosted;
      return { ...(await hosted.partition.read(request)), ...stamp(call.header.partitionIndex) };
    };
    const table = new HandlerTable();
    table.on(clientRpcs.put, write() as never);
    table.on(clientRpcs.multiPut, write() as never);
    table.on(clientRpcs.remove, write() as never);
    table.on(clientRpcs.multiRemove, write() as never);
    table.on(clientRpcs.incr, write() as never);
    table.on(clientRpcs.checkAndSet, write() as never);
    table.on(clientRpcs.checkAndMutate, write() as never);
    const reads = [clientRpcs.get, clientRpcs.multiGet, clientRpcs.batchGet, clientRpcs.sortkeyCount, clientRpcs.ttl, clientRpcs.getScanner, clientRpcs.scan];
    for (const method of reads) table.on(method as AnyRpcMethod, read() as never);
    table.onOneWay(clientRpcs.clearScanner, async (request, call) => {
      handle.cleared.push(request.contextId);
      const hosted = this.partitions[call.header.partitionIndex];
      if (hosted !== undefined) await hosted.partition.clearScanner(request);
    });
    return table;
  }

  private async applyWrite(hosted: HostedPartition, request: WriteRequest): Promise<WriteResponse> {
    const invalid = hosted.partition.validateWrite(request);
    if (invalid !== undefined) return rejectedWriteResponse(request, invalid);
    hosted.decree++;
    const result = await hosted.partition.applyMutation({ decree: hosted.decree, timestampUs: BigInt(this.clock.nowMs()) * 1000n, requests: [request] });
    if (result.kind !== 'applied' || result.responses[0] === undefined) throw new Error(`decree ${hosted.decree} was not applied`);
    return result.responses[0];
  }
}

function configuration(appId: number, index: number, ballot: bigint, primary: string): PartitionConfiguration {
  return {
    pid: { appId, partitionIndex: index },
    ballot,
    maxReplicaCount: 1,
    primary,
    secondaries: [],
    lastDrops: [],
    lastCommittedDecree: 0n,
    partitionFlags: 0,
  };
}

/** The system clock, moved forward by tests (the client computes expiry from the real time). */
class AdvancingClock implements Clock {
  private offsetMs = 0;
  nowMs(): number {
    return systemClock.nowMs() + this.offsetMs;
  }
  monotonicMs(): number {
    return systemClock.monotonicMs() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
