// What clients saw: every operation with its invocation time, response time and outcome. A write
// whose answer never came (timeout, lost connection) is `unknown`: it may or may not have taken
// effect. `failed` is only for answers that guarantee no effect (the request was refused before it
// was prepared). Checkers read this history; they never look inside the code under test.
import { assert } from '../../common/assert.ts';

export type OperationKind = 'put' | 'get';
export type Outcome = 'ok' | 'failed' | 'unknown';

export interface Operation {
  readonly id: number;
  readonly client: string;
  readonly kind: OperationKind;
  readonly key: string;
  /** put: the value written (unique per put). get: the value read, null when absent; undefined until answered. */
  value: string | null | undefined;
  readonly invokeMs: number;
  /** Undefined while pending and for `unknown` outcomes. */
  responseMs: number | undefined;
  outcome: Outcome | 'pending';
  /** Reads issued after the cluster was healed, used by the acknowledged-writes checker. */
  readonly final: boolean;
}

export class History {
  private readonly operations: Operation[] = [];
  private pending = 0;

  get pendingCount(): number {
    return this.pending;
  }

  invoke(options: { client: string; kind: OperationKind; key: string; value?: string; nowMs: number; final?: boolean }): Operation {
    assert(options.kind === 'get' || options.value !== undefined, 'a put carries its value');
    const operation: Operation = {
      id: this.operations.length,
      client: options.client,
      kind: options.kind,
      key: options.key,
      value: options.kind === 'put' ? options.value : undefined,
      invokeMs: options.nowMs,
      responseMs: undefined,
      outcome: 'pending',
      final: options.final ?? false,
    };
    this.operations.push(operation);
    this.pending++;
    return operation;
  }

  /** Records the answer; a get's answer carries the value read. */
  complete(operation: Operation, outcome: Outcome, nowMs: number, readValue?: string | null): void {
    assert(operation.outcome === 'pending', `operation ${operation.id} answered twice`);
    operation.outcome = outcome;
    this.pending--;
    if (outcome !== 'unknown') operation.responseMs = nowMs;
    if (operation.kind === 'get' && outcome === 'ok') {
      assert(readValue !== undefined, 'a successful get carries a value or null');
      operation.value = readValue;
    }
  }

  /** Ends the history: whatever is still pending becomes unknown. */
  close(): void {
    for (const operation of this.operations) if (operation.outcome === 'pending') operation.outcome = 'unknown';
    this.pending = 0;
  }

  all(): readonly Operation[] {
    return this.operations;
  }

  counts(): Record<Outcome | 'pending', number> {
    const counts = { ok: 0, failed: 0, unknown: 0, pending: 0 };
    for (const operation of this.operations) counts[operation.outcome]++;
    return counts;
  }
}
