// The KvEngine implementations that engine-agnostic tests run against, each with a factory that
// gives a fresh, empty engine and a cleanup.
import type { KvEngine } from '../../cluster/storage/engine.ts';
import { MemoryEngine } from '../../cluster/storage/memory-engine.ts';

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
];
