// What the replica server needs of one hosted replica: the ReplicaHost API (cluster/replica/host)
// seen through the methods the server calls, so the server is written against this seam and
// ReplicaHost satisfies it as it is.
import type { AppSummary, CheckpointChunkRequest, CheckpointChunkResponse } from '../../rpc/cluster-messages.ts';
import type { Gpid } from '../../replication/configuration.ts';
import type { ReplicaInput } from '../../replication/api.ts';
import type { ReplicaInfo } from '../../replication/types.ts';
import type { ReadRequest, WriteRequest } from '../../storage/requests.ts';
import type { ReadResponseOf, WriteResponse } from '../../storage/responses.ts';

/** ReplicaInfo plus what the status page and metrics show. */
export type ReplicaStatus = ReplicaInfo & {
  readonly app: AppSummary;
  readonly learning: boolean;
  readonly logBytes: number | bigint;
  readonly prepareListDepth: number;
};

export interface ServedReplica {
  readonly gpid: Gpid;
  step(input: ReplicaInput): void;
  write(request: WriteRequest): Promise<WriteResponse>;
  read<R extends ReadRequest>(request: R): Promise<ReadResponseOf<R['kind']>>;
  clearScanner(contextId: bigint): void;
  info(): ReplicaStatus;
  serveCheckpointChunk(request: CheckpointChunkRequest): Promise<CheckpointChunkResponse>;
  close(): Promise<void>;
  destroy(): Promise<void>;
}
