// How the replica shell keeps mutations in its LogStore: the record carries (ballot, decree) and
// the body the rest of the mutation. Also the recovery read: the log's mutations after the app's
// applied decree, for the replication core's RecoveredState.
//
//   body: version u8 (1) | last committed decree u64 | timestamp us u64 | size bytes u32 |
//         request count u32 | per request: length u32, bytes      (big-endian)
import { LOG_RECORD_BODY_BYTES_MAX } from '../../common/limits.ts';
import type { Decree, LogRecord, LogStore } from './log-store.ts';
import { LogStoreError } from './log-store.ts';

/** The fields of the replication core's Mutation, structurally the same type. */
export interface LoggedMutation {
  readonly ballot: bigint;
  readonly decree: bigint;
  readonly lastCommittedDecree: bigint;
  readonly timestampUs: bigint;
  readonly requests: readonly Uint8Array[];
  readonly sizeBytes: number;
}

const BODY_VERSION = 1;
const BODY_HEADER_BYTES = 25;

export function mutationToRecord(mutation: LoggedMutation): LogRecord {
  const total = mutation.requests.reduce((sum, request) => sum + 4 + request.length, BODY_HEADER_BYTES);
  if (total > LOG_RECORD_BODY_BYTES_MAX) {
    throw new LogStoreError('ERR_INVALID_PARAMETERS', `mutation ${mutation.decree} takes ${total} bytes in the log, more than ${LOG_RECORD_BODY_BYTES_MAX}`, false);
  }
  const body = new Uint8Array(total);
  const view = new DataView(body.buffer);
  view.setUint8(0, BODY_VERSION);
  view.setBigUint64(1, mutation.lastCommittedDecree);
  view.setBigUint64(9, mutation.timestampUs);
  view.setUint32(17, mutation.sizeBytes);
  view.setUint32(21, mutation.requests.length);
  let at = BODY_HEADER_BYTES;
  for (const request of mutation.requests) {
    view.setUint32(at, request.length);
    body.set(request, at + 4);
    at += 4 + request.length;
  }
  return { ballot: mutation.ballot, decree: mutation.decree, body };
}

export function recordToMutation(record: LogRecord): LoggedMutation {
  const { body } = record;
  const bad = (why: string) => new LogStoreError('ERR_CORRUPTION', `log record ${record.decree}: ${why}`, false);
  if (body.length < BODY_HEADER_BYTES) throw bad(`body of ${body.length} bytes is shorter than a mutation header`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (view.getUint8(0) !== BODY_VERSION) throw bad(`unknown mutation body version ${view.getUint8(0)}`);
  const count = view.getUint32(21);
  if (count * 4 > body.length - BODY_HEADER_BYTES) throw bad(`request count ${count} does not fit the body`);
  const requests: Uint8Array[] = [];
  let at = BODY_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    if (at + 4 > body.length) throw bad('request length past the body end');
    const length = view.getUint32(at);
    if (at + 4 + length > body.length) throw bad('request past the body end');
    requests.push(body.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (at !== body.length) throw bad('body longer than its requests');
  return {
    ballot: record.ballot,
    decree: record.decree,
    lastCommittedDecree: view.getBigUint64(1),
    timestampUs: view.getBigUint64(9),
    requests,
    sizeBytes: view.getUint32(17),
  };
}

export interface ReplayedLog {
  /** Decrees at or below this are not in the log (RecoveredState.logTruncatedDecree). */
  readonly logTruncatedDecree: Decree;
  /** The log's mutations after the applied decree, ascending, the one written last per decree. */
  readonly log: LoggedMutation[];
}

/**
 * Reads every mutation after `appliedDecree` for recovery, in bounded batches. More than
 * `mutationsMax` is refused (ERR_CAPACITY_EXCEEDED): the app should have been checkpointed and
 * the log collected long before.
 */
export async function readLogForReplay(store: LogStore, appliedDecree: Decree, mutationsMax: number): Promise<ReplayedLog> {
  const { firstDecree, lastDecree } = store.bounds();
  const log: LoggedMutation[] = [];
  let next: Decree | undefined = appliedDecree + 1n > firstDecree ? appliedDecree + 1n : firstDecree;
  while (next !== undefined && next <= lastDecree) {
    const batch = await store.read({ fromDecree: next, toDecree: lastDecree });
    if (log.length + batch.records.length > mutationsMax) {
      throw new LogStoreError('ERR_CAPACITY_EXCEEDED', `log holds more than ${mutationsMax} mutations after decree ${appliedDecree}`, false);
    }
    for (const record of batch.records) log.push(recordToMutation(record));
    next = batch.nextDecree;
  }
  return { logTruncatedDecree: firstDecree - 1n, log };
}
