// The LogStore implementations that log-agnostic tests run against, each with a factory that
// gives a fresh, empty log and a cleanup. The small-segment file log rolls over every few records,
// so reads, truncations and collections cross segment boundaries.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLogStore } from '../../cluster/replica/file-log-store.ts';
import type { LogStore } from '../../cluster/replica/log-store.ts';
import { MemoryLogStore } from '../../cluster/replica/memory-log-store.ts';

export interface LogStoreFactory {
  readonly name: string;
  open(): Promise<{ store: LogStore; cleanup(): Promise<void> }>;
}

export const testGpid = { appId: 3, partitionIndex: 5 };

export async function temporaryDirectory(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'pegasus-ts-plog-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

function fileFactory(name: string, options: { fsync: 'always' | 'never'; segmentBytesMax?: number; blockBytesTarget?: number }): LogStoreFactory {
  return {
    name,
    async open() {
      const directory = await temporaryDirectory();
      const store = await FileLogStore.open({ directory: join(directory.path, 'plog'), gpid: testGpid, ...options });
      return {
        store,
        async cleanup() {
          await store.close().catch(() => undefined);
          await directory.remove();
        },
      };
    },
  };
}

export const logStoreFactories: readonly LogStoreFactory[] = [
  {
    name: 'memory',
    async open() {
      const store = new MemoryLogStore();
      return { store, cleanup: () => store.close().catch(() => undefined) };
    },
  },
  fileFactory('file', { fsync: 'always' }),
  fileFactory('file, small segments, fsync never', { fsync: 'never', segmentBytesMax: 2048, blockBytesTarget: 256 }),
];
