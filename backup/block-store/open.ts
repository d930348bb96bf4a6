// Opens the BlockStore a target URL names. The S3 and WebHDFS stores take their endpoint settings
// from BlockStoreEnvironment (S3 endpoint and credentials, WebHDFS user), so a target URL stays the
// same across clusters and only the environment differs.
import type { BlockStore } from './block-store.ts';
import { BlockStoreError } from './block-store.ts';
import { LocalBlockStore } from './local-block-store.ts';
import { parseBlockTarget } from './target.ts';

export interface BlockStoreEnvironment {
  /** S3 endpoint URL (for S3-compatible servers); the AWS default when absent. */
  readonly s3Endpoint?: string;
  readonly s3Region?: string;
  readonly s3AccessKeyId?: string;
  readonly s3SecretAccessKey?: string;
  /** user.name for WebHDFS requests. */
  readonly hdfsUser?: string;
}

export function openBlockStore(target: string, _environment: BlockStoreEnvironment = {}): BlockStore {
  const parsed = parseBlockTarget(target);
  switch (parsed.kind) {
    case 'file':
      return new LocalBlockStore(parsed.dir);
    case 's3':
    case 'hdfs':
      throw new BlockStoreError('ERR_INVALID_PARAMETERS', `backup target ${target}: ${parsed.kind} stores are not available yet`, false);
  }
}
