// A linearizability checker for a key-value register (put/get), after Wing & Gong and Lowe, as in
// Porcupine: per key, walk the call/return entries in time order, linearize a call whose model
// step succeeds, backtrack when a return is reached with its call not yet linearized, and cache
// (linearized set, state) pairs already explored. A put with unknown outcome gets a return at
// infinity (taking effect after everything is the same as never taking effect); failed operations
// and unanswered gets are left out.
import { assert } from '../../../common/assert.ts';
import type { Operation } from '../history.ts';
import { HISTORY_OPS_PER_KEY_MAX, LINEARIZABILITY_STEPS_MAX } from '../limits.ts';

export type RegisterState = string | null;

export interface KeyVerdict {
  readonly key: string;
  readonly result: 'ok' | 'violation' | 'gave-up';
  readonly operations: number;
  readonly steps: number;
}

export interface LinearizabilityVerdict {
  readonly ok: boolean;
  readonly keys: readonly KeyVerdict[];
  readonly firstViolation?: { readonly key: string; readonly operations: readonly Operation[] };
}

interface Entry {
  readonly isCall: boolean;
  readonly time: number;
  readonly index: number;
  readonly operation: Operation;
  match: Entry | undefined;
  prev: Entry | undefined;
  next: Entry | undefined;
}

function step(state: RegisterState, operation: Operation): { ok: boolean; state: RegisterState } {
  if (operation.kind === 'put') return { ok: true, state: operation.value ?? null };
  return { ok: operation.value === state, state };
}

function relevant(operation: Operation): boolean {
  if (operation.outcome === 'ok') return true;
  return operation.kind === 'put' && operation.outcome === 'unknown';
}

function buildList(operations: readonly Operation[]): Entry {
  const entries: Entry[] = [];
  operations.forEach((operation, index) => {
    const call: Entry = { isCall: true, time: operation.invokeMs, index, operation, match: undefined, prev: undefined, next: undefined };
    const ret: Entry = {
      isCall: false,
      time: operation.outcome === 'ok' ? (operation.responseMs ?? Infinity) : Infinity,
      index,
      operation,
      match: undefined,
      prev: undefined,
      next: undefined,
    };
    call.match = ret;
    entries.push(call, ret);
  });
  // Calls before returns at the same instant: such operations count as concurrent.
  entries.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.index - b.index);
  const head: Entry = { isCall: false, time: -Infinity, index: -1, operation: operations[0] as Operation, match: undefined, prev: undefined, next: undefined };
  let previous = head;
  for (const entry of entries) {
    previous.next = entry;
    entry.prev = previous;
    previous = entry;
  }
  return head;
}

function lift(call: Entry): void {
  const ret = call.match as Entry;
  (call.prev as Entry).next = call.next;
  if (call.next) call.next.prev = call.prev;
  (ret.prev as Entry).next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

function unlift(call: Entry): void {
  const ret = call.match as Entry;
  (ret.prev as Entry).next = ret;
  if (ret.next) ret.next.prev = ret;
  (call.prev as Entry).next = call;
  if (call.next) call.next.prev = call;
}

/** Checks one key's operations; `steps` bounds the search. */
export function checkRegister(key: string, all: readonly Operation[], stepsMax = LINEARIZABILITY_STEPS_MAX): KeyVerdict {
  const operations = all.filter(relevant);
  if (operations.length === 0) return { key, result: 'ok', operations: 0, steps: 0 };
  if (operations.length > HISTORY_OPS_PER_KEY_MAX) return { key, result: 'gave-up', operations: operations.length, steps: 0 };
  const head = buildList(operations);
  const linearized = new Uint32Array(Math.ceil(operations.length / 32));
  const seen = new Set<string>();
  const calls: { entry: Entry; state: RegisterState }[] = [];
  let state: RegisterState = null;
  let entry = head.next;
  let steps = 0;
  while (head.next !== undefined) {
    if (++steps > stepsMax) return { key, result: 'gave-up', operations: operations.length, steps };
    assert(entry !== undefined, 'the entry list always ends with a return');
    if (entry.isCall) {
      const outcome = step(state, entry.operation);
      if (outcome.ok) {
        const word = entry.index >> 5;
        const bit = 1 << (entry.index & 31);
        linearized[word] = (linearized[word] as number) | bit;
        const cacheKey = `${linearized.join(',')}|${outcome.state ?? '\u0000'}`;
        if (!seen.has(cacheKey)) {
          seen.add(cacheKey);
          calls.push({ entry, state });
          state = outcome.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized[word] = (linearized[word] as number) & ~bit;
      }
      entry = entry.next;
      continue;
    }
    // A return whose call is not linearized yet: undo the most recent linearization.
    const top = calls.pop();
    if (top === undefined) return { key, result: 'violation', operations: operations.length, steps };
    state = top.state;
    const word = top.entry.index >> 5;
    linearized[word] = (linearized[word] as number) & ~(1 << (top.entry.index & 31));
    unlift(top.entry);
    entry = top.entry.next;
  }
  return { key, result: 'ok', operations: operations.length, steps };
}

/** Partitions the history by key and checks each key on its own. */
export function checkLinearizable(history: readonly Operation[], stepsMax = LINEARIZABILITY_STEPS_MAX): LinearizabilityVerdict {
  const byKey = new Map<string, Operation[]>();
  for (const operation of history) {
    let list = byKey.get(operation.key);
    if (list === undefined) byKey.set(operation.key, (list = []));
    list.push(operation);
  }
  const keys: KeyVerdict[] = [];
  let firstViolation: LinearizabilityVerdict['firstViolation'];
  for (const key of [...byKey.keys()].sort()) {
    const operations = byKey.get(key) as Operation[];
    const verdict = checkRegister(key, operations, stepsMax);
    keys.push(verdict);
    if (verdict.result === 'violation' && firstViolation === undefined) firstViolation = { key, operations };
  }
  const ok = keys.every((verdict) => verdict.result !== 'violation');
  return firstViolation === undefined ? { ok, keys } : { ok, keys, firstViolation };
}

/** One line per operation, for a failure report. */
export function formatOperations(operations: readonly Operation[], limit = 40): string {
  const sorted = [...operations].sort((a, b) => a.invokeMs - b.invokeMs || a.id - b.id);
  const lines = sorted.slice(0, limit).map((op) => {
    const end = op.responseMs === undefined ? '?' : String(op.responseMs);
    return `  #${op.id} ${op.client} ${op.kind}(${op.key}${op.kind === 'put' ? `, ${op.value}` : ''}) [${op.invokeMs}, ${end}] ${op.outcome}${op.kind === 'get' && op.outcome === 'ok' ? ` -> ${op.value ?? 'null'}` : ''}`;
  });
  if (sorted.length > limit) lines.push(`  ... ${sorted.length - limit} more`);
  return lines.join('\n');
}

/**
 * The history as an observer saw it at time `cutMs`: operations invoked later are gone, a put
 * still running is unknown, a get still running is dropped. Linearizability is closed under such
 * cuts, so the earliest failing cut pinpoints where the violation became visible.
 */
export function cutAt(operations: readonly Operation[], cutMs: number): Operation[] {
  const cut: Operation[] = [];
  for (const op of operations) {
    if (op.invokeMs > cutMs) continue;
    const done = op.responseMs !== undefined && op.responseMs <= cutMs;
    if (done || op.outcome === 'unknown') cut.push(op);
    else if (op.kind === 'put' && op.outcome === 'ok') cut.push({ ...op, outcome: 'unknown', responseMs: undefined });
  }
  return cut;
}

/** The earliest response time at which one key's history stops being linearizable, and the operations around it. */
export function earliestViolation(key: string, operations: readonly Operation[], windowMs = 300): { atMs: number; operations: Operation[] } | undefined {
  const times = [...new Set(operations.filter((op) => op.responseMs !== undefined).map((op) => op.responseMs as number))].sort((a, b) => a - b);
  let low = 0;
  let high = times.length - 1;
  if (high < 0 || checkRegister(key, cutAt(operations, times[high] as number)).result !== 'violation') return undefined;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (checkRegister(key, cutAt(operations, times[middle] as number)).result === 'violation') high = middle;
    else low = middle + 1;
  }
  const atMs = times[low] as number;
  const around = operations.filter((op) => op.invokeMs <= atMs && (op.responseMs ?? Infinity) >= atMs - windowMs);
  return { atMs, operations: around };
}
