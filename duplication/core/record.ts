// The bytes of one Kafka record of a duplication stream. Shippers write them, appliers (and any
// other consumer of the change stream) read them. The Kafka partition is the source partition
// index; records of one partition are in decree order. Format version 1, all integers big-endian:
//
//   u8  version (1)
//   u8  kind: 1 = mutation (from the private log), 2 = checkpoint rows, 3 = checkpoint end
//   u8  source cluster id (1..127)
//   i64 decree: the mutation's decree; for checkpoint records the checkpoint's decree
//   i64 timestamp_us: the mutation's timestamp; for checkpoint records the checkpoint's time
//   u32 count
//   kind 1: count x (u32 length, write payload): cluster/replica/host/write-payload.ts bytes, only
//           put, multi_put, remove and multi_remove (non-idempotent writes were turned into puts
//           before replication on a duplicating table). Their timetag is
//           makeTimetag(timestamp_us, cluster id, is delete).
//   kind 2: count x (u32 key length, composite key, u32 value length, stored value): rows exactly
//           as storage keeps them (value-schema.ts: expire_ts, timetag, user value).
//   kind 3: count = 0; the snapshot is complete and mutation records follow from decree + 1.
//
// Decoding refuses anything else with a DupRecordError naming the fault; an applier must stop on
// such a record rather than skip it (fail mode decides).
import { PegasusError } from '../../common/errors.ts';

export const DUP_RECORD_VERSION = 1;

export type DupRecord =
  | { readonly kind: 'mutation'; readonly clusterId: number; readonly decree: bigint; readonly timestampUs: bigint; readonly payloads: readonly Uint8Array[] }
  | { readonly kind: 'checkpoint_rows'; readonly clusterId: number; readonly decree: bigint; readonly timestampUs: bigint; readonly rows: readonly DupRow[] }
  | { readonly kind: 'checkpoint_end'; readonly clusterId: number; readonly decree: bigint; readonly timestampUs: bigint };

export interface DupRow {
  /** Composite key (key-schema.ts). */
  readonly key: Uint8Array;
  /** Stored value bytes (value-schema.ts). */
  readonly value: Uint8Array;
}

export class DupRecordError extends PegasusError<'ERR_INVALID_DATA'> {
  override readonly name = 'DupRecordError';
}

const KIND_TAG = { mutation: 1, checkpoint_rows: 2, checkpoint_end: 3 } as const;
const HEADER_BYTES = 1 + 1 + 1 + 8 + 8 + 4;

export function encodeDupRecord(record: DupRecord): Uint8Array {
  const items: Uint8Array[] = [];
  if (record.kind === 'mutation') items.push(...record.payloads);
  if (record.kind === 'checkpoint_rows') for (const row of record.rows) items.push(row.key, row.value);
  const count = record.kind === 'mutation' ? record.payloads.length : record.kind === 'checkpoint_rows' ? record.rows.length : 0;
  let size = HEADER_BYTES;
  for (const item of items) size += 4 + item.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint8(0, DUP_RECORD_VERSION);
  view.setUint8(1, KIND_TAG[record.kind]);
  view.setUint8(2, record.clusterId);
  view.setBigInt64(3, record.decree);
  view.setBigInt64(11, record.timestampUs);
  view.setUint32(19, count);
  let offset = HEADER_BYTES;
  for (const item of items) {
    view.setUint32(offset, item.length);
    out.set(item, offset + 4);
    offset += 4 + item.length;
  }
  return out;
}

export function decodeDupRecord(bytes: Uint8Array): DupRecord {
  const bad = (why: string): never => {
    throw new DupRecordError('ERR_INVALID_DATA', `duplication record of ${bytes.length} bytes ${why}`, false);
  };
  if (bytes.length < HEADER_BYTES) bad(`is shorter than its ${HEADER_BYTES}-byte header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== DUP_RECORD_VERSION) bad(`has format version ${version}, expected ${DUP_RECORD_VERSION}`);
  const tag = view.getUint8(1);
  const clusterId = view.getUint8(2);
  if (clusterId < 1 || clusterId > 127) bad(`names source cluster id ${clusterId}, outside 1..127`);
  const decree = view.getBigInt64(3);
  const timestampUs = view.getBigInt64(11);
  const count = view.getUint32(19);
  let offset = HEADER_BYTES;
  const item = (): Uint8Array => {
    if (offset + 4 > bytes.length) bad(`ends inside an item length at byte ${offset}`);
    const length = view.getUint32(offset);
    if (offset + 4 + length > bytes.length) bad(`has an item of ${length} bytes at byte ${offset} past its end`);
    const slice = bytes.slice(offset + 4, offset + 4 + length);
    offset += 4 + length;
    return slice;
  };
  let record: DupRecord;
  if (tag === KIND_TAG.mutation) {
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < count; i++) payloads.push(item());
    record = { kind: 'mutation', clusterId, decree, timestampUs, payloads };
  } else if (tag === KIND_TAG.checkpoint_rows) {
    const rows: DupRow[] = [];
    for (let i = 0; i < count; i++) rows.push({ key: item(), value: item() });
    record = { kind: 'checkpoint_rows', clusterId, decree, timestampUs, rows };
  } else if (tag === KIND_TAG.checkpoint_end) {
    if (count !== 0) bad(`is a checkpoint end with ${count} items`);
    record = { kind: 'checkpoint_end', clusterId, decree, timestampUs };
  } else {
    return bad(`has unknown kind ${tag}`);
  }
  if (offset !== bytes.length) bad(`has ${bytes.length - offset} bytes after its last item`);
  return record;
}
