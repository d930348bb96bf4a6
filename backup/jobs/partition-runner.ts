// The seam between the orchestrator and whoever uploads a partition: on a cluster, the replica
// server holding the partition's primary (remote-partition-runner.ts); in a single process, an
// engine at hand (uploadPartition directly). It resolves with the partition's metadata once its
// completion marker is written, and rejects retriably when the primary moved.
import type { PartitionBackupMetadata } from '../core/layout.ts';
import type { PartitionJobData } from './job-shapes.ts';

export interface PartitionBackupRunner {
  backupPartition(
    request: PartitionJobData,
    options: { readonly signal: AbortSignal; readonly onProgress: (uploadedBytes: number) => void },
  ): Promise<PartitionBackupMetadata>;
}
