// Backs one partition up into a block store: streams a logical checkpoint of the engine
// (cluster/storage/checkpoint.ts, one consistent snapshot at the applied decree) into parts of
// BACKUP_PART_BYTES, each put with its SHA-256, then backup_metadata, then current_checkpoint
// last (the partition's completion marker, which names the metadata's SHA-256). A partition whose
// marker exists already is not uploaded again. One part is buffered at a time; the export waits
// for each put, so a slow target slows the export instead of filling memory. The signal aborts
// between parts and inside a put (cancel_backup, or the replica losing its primary role).
import { createHash } from 'node:crypto';
import type { BlockStore } from '../block-store/block-store.ts';
import { BlockStoreError } from '../block-store/block-store.ts';
import {
  partitionDir, partitionMarkerPath, partitionMetadataPath, partName,
  type BackupPart, type PartitionBackupMetadata, type PartitionCompletionMarker,
} from '../core/layout.ts';
import { exportCheckpoint } from '../../cluster/storage/checkpoint.ts';
import type { KvEngine } from '../../cluster/storage/engine.ts';
import { BACKUP_PART_BYTES } from '../../common/limits.ts';

export interface PartitionBackupTarget {
  readonly clusterName: string;
  readonly backupId: string;
  readonly table: string;
  readonly appId: number;
  readonly partitionIndex: number;
}

export interface UploadPartitionOptions extends PartitionBackupTarget {
  readonly engine: KvEngine;
  readonly store: BlockStore;
  readonly nowMs: () => number;
  readonly signal?: AbortSignal;
  /** Bytes uploaded so far, after each part. */
  readonly onProgress?: (uploadedBytes: number) => void;
  readonly partBytes?: number;
  /** Awaited before each part is put, with its size: a rate limit shared by a server's uploads. */
  readonly beforePart?: (bytes: number, signal: AbortSignal | undefined) => Promise<void>;
}

export interface UploadPartitionResult {
  readonly metadata: PartitionBackupMetadata;
  /** False when the completion marker existed and nothing was uploaded. */
  readonly uploaded: boolean;
}

const encoder = new TextEncoder();

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The partition's metadata if its completion marker exists and binds it; undefined otherwise. */
export async function completedPartition(store: BlockStore, at: PartitionBackupTarget): Promise<PartitionBackupMetadata | undefined> {
  const { clusterName, backupId, table, appId, partitionIndex } = at;
  let marker: PartitionCompletionMarker;
  let metadataBytes: Uint8Array;
  try {
    marker = JSON.parse(new TextDecoder().decode(await store.get(partitionMarkerPath(clusterName, backupId, table, appId, partitionIndex)))) as PartitionCompletionMarker;
    metadataBytes = await store.get(partitionMetadataPath(clusterName, backupId, table, appId, partitionIndex));
  } catch (error) {
    if (error instanceof BlockStoreError && error.code === 'ERR_OBJECT_NOT_FOUND') return undefined;
    throw error;
  }
  if (marker.metadataSha256 !== sha256Hex(metadataBytes)) return undefined;
  return JSON.parse(new TextDecoder().decode(metadataBytes)) as PartitionBackupMetadata;
}

export async function uploadPartition(options: UploadPartitionOptions): Promise<UploadPartitionResult> {
  const { store, signal, clusterName, backupId, table, appId, partitionIndex } = options;
  const existing = await completedPartition(store, options);
  if (existing !== undefined) return { metadata: existing, uploaded: false };
  const partBytes = options.partBytes ?? BACKUP_PART_BYTES;
  const dir = partitionDir(clusterName, backupId, table, appId, partitionIndex);
  // A partly uploaded earlier attempt (another primary, other part boundaries) is replaced whole.
  await store.remove(dir);
  const parts: BackupPart[] = [];
  let buffer = new Uint8Array(partBytes);
  let filled = 0;
  let uploadedBytes = 0;
  const flush = async (): Promise<void> => {
    if (filled === 0) return;
    signal?.throwIfAborted();
    const bytes = buffer.subarray(0, filled);
    const name = partName(parts.length);
    await options.beforePart?.(filled, signal);
    signal?.throwIfAborted();
    await store.put(`${dir}/${name}`, bytes, signal === undefined ? {} : { signal });
    parts.push({ name, size: filled, sha256: sha256Hex(bytes) });
    uploadedBytes += filled;
    options.onProgress?.(uploadedBytes);
    buffer = new Uint8Array(partBytes);
    filled = 0;
  };
  const checkpoint = await exportCheckpoint(options.engine, async (chunk) => {
    signal?.throwIfAborted();
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, partBytes - filled);
      buffer.set(chunk.subarray(offset, offset + take), filled);
      filled += take;
      offset += take;
      if (filled === partBytes) await flush();
    }
  });
  await flush();
  const metadata: PartitionBackupMetadata = {
    decree: checkpoint.decree.toString(),
    timestampMs: options.nowMs(),
    parts,
    totalBytes: checkpoint.fileBytes,
    sha256: checkpoint.sha256,
  };
  const metadataBytes = encoder.encode(JSON.stringify(metadata));
  signal?.throwIfAborted();
  await store.put(partitionMetadataPath(clusterName, backupId, table, appId, partitionIndex), metadataBytes);
  const marker: PartitionCompletionMarker = { metadataSha256: sha256Hex(metadataBytes) };
  signal?.throwIfAborted();
  await store.put(partitionMarkerPath(clusterName, backupId, table, appId, partitionIndex), encoder.encode(JSON.stringify(marker)));
  return { metadata, uploaded: true };
}
