// The KvEngine implementations that engine-agnostic tests run against, each with a factory that
// gives a fresh, empty engine and a cleanup.
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KvEngine } from '../../cluster/storage/engine.ts';
import { MemoryEngine } from '../../cluster/storage/memory-engine.ts';
import { RocksEngine } from '../../cluster/storage/rocksdb-engine.ts';

export interface EngineFactory {
  readonly name: string;
  open(): Promise<{ engine: KvEngine; cleanup(): Promise<void> }>;
}

export const engineFactories: readonly EngineFactory[] = [
  {
    name: 'memory',
    async open() {
      const engine = new MemoryEngine();
      return { engine, cleanup: () => engine.close() };
    },
  },
  {
    name: 'rocksdb',
    async open() {
      const directory = await mkdtemp(join(tmpdir(), 'pegasus-ts-engine-'));
      const engine = await RocksEngine.open({ path: join(directory, 'db') });
      return {
        engine,
        async cleanup() {
          await engine.close();
          await rm(directory, { recursive: true, force: true });
        },
      };
    },
  },
];

/** Registers one ava test per engine; each gets a fresh, empty engine that is cleaned up after. */
export function engineSuiteTest(
  factory: EngineFactory,
  title: string,
  body: (t: ExecutionContext, engine: KvEngine) => Promise<void>,
): void {
  test(`${factory.name}: ${title}`, async (t) => {
    const { engine, cleanup } = await factory.open();
    try {
      await body(t, engine);
    } finally {
      await cleanup();
    }
  });
}
