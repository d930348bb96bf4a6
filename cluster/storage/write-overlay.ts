// The engine as seen by the requests of one mutation while it is being applied: reads see the
// engine plus the writes of the requests accepted so far, so later requests see earlier ones'
// effects; nothing reaches the engine until the whole mutation is written in one batch.

import type { KvEngine, WriteOp } from './engine.ts';

export class WriteOverlay {
  private readonly staged = new Map<string, Uint8Array | null>();
  private readonly stagedOps: WriteOp[] = [];

  constructor(private readonly engine: KvEngine) {}

  async get(key: Uint8Array): Promise<Uint8Array | undefined> {
    const staged = this.staged.get(keyString(key));
    if (staged === null) return undefined;
    if (staged !== undefined) return staged;
    return this.engine.get(key);
  }

  /** Adds the ops of one accepted request. */
  stage(ops: readonly WriteOp[]): void {
    for (const op of ops) {
      this.staged.set(keyString(op.key), op.kind === 'put' ? op.value : null);
      this.stagedOps.push(op);
    }
  }

  ops(): readonly WriteOp[] {
    return this.stagedOps;
  }
}

function keyString(key: Uint8Array): string {
  let out = '';
  for (let start = 0; start < key.length; start += 8192) {
    out += String.fromCharCode(...key.subarray(start, start + 8192));
  }
  return out;
}
