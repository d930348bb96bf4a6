// No acknowledged write is ever lost: after the cluster is healed, a final read of each key must
// return a value that some put wrote, that put must not have been refused, and no acknowledged put
// may have started strictly after it ended (which would make the read a lost update). A key with
// any acknowledged put must not read as absent.
import type { Operation } from '../history.ts';

export interface AckedWritesViolation {
  readonly key: string;
  readonly reason: string;
}

export function checkAckedWritesSurvive(history: readonly Operation[]): AckedWritesViolation[] {
  const putsByValue = new Map<string, Operation>();
  const ackedPutsByKey = new Map<string, Operation[]>();
  for (const op of history) {
    if (op.kind !== 'put' || typeof op.value !== 'string') continue;
    putsByValue.set(op.value, op);
    if (op.outcome === 'ok') {
      const list = ackedPutsByKey.get(op.key) ?? [];
      list.push(op);
      ackedPutsByKey.set(op.key, list);
    }
  }
  const violations: AckedWritesViolation[] = [];
  const finalReads = history.filter((op) => op.final && op.kind === 'get' && op.outcome === 'ok');
  for (const read of finalReads) {
    // Only puts acknowledged before the read began must be visible to it.
    const acked = (ackedPutsByKey.get(read.key) ?? []).filter((put) => (put.responseMs as number) < read.invokeMs);
    if (read.value === null || read.value === undefined) {
      if (acked.length > 0) violations.push({ key: read.key, reason: `read absent after ${acked.length} acknowledged puts (last ${lastOf(acked).value})` });
      continue;
    }
    const writer = putsByValue.get(read.value);
    if (writer === undefined || writer.key !== read.key) {
      violations.push({ key: read.key, reason: `read ${read.value}, which no put on this key wrote` });
      continue;
    }
    if (writer.outcome === 'failed') {
      violations.push({ key: read.key, reason: `read ${read.value}, written by put #${writer.id} that was refused` });
      continue;
    }
    const writerEnd = writer.responseMs ?? Infinity;
    const later = acked.find((put) => put !== writer && put.invokeMs > writerEnd);
    if (later !== undefined) {
      violations.push({ key: read.key, reason: `read ${read.value} (put #${writer.id}) but acknowledged put #${later.id} of ${later.value} came strictly after it: lost` });
    }
  }
  return violations;
}

function lastOf(puts: readonly Operation[]): Operation {
  return puts.reduce((a, b) => ((a.responseMs ?? 0) >= (b.responseMs ?? 0) ? a : b));
}
