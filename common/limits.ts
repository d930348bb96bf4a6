// Every queue, map, batch, retry loop and message has a named maximum here. Overflow is rejected
// or shed explicitly; nothing grows without bound.

// --- storage (reference/pegasus-api.md section 1.3) ---
/** Largest write request body a replica accepts (max_allowed_write_size). */
export const WRITE_BODY_BYTES_MAX = 1 << 20;
/** multi_get: keys visited per request (rocksdb_multi_get_max_iteration_count). */
export const MULTI_GET_ITERATION_COUNT_MAX = 3000;
/** multi_get: bytes returned per request (rocksdb_multi_get_max_iteration_size). */
export const MULTI_GET_ITERATION_BYTES_MAX = 30 << 20;
/** scan: records per batch (rocksdb_max_iteration_count). */
export const SCAN_BATCH_COUNT_MAX = 1000;
/** scan: a context idle this long is dropped. */
export const SCAN_CONTEXT_IDLE_MS = 5 * 60 * 1000;
/** scan: open contexts per partition; the least recently used is evicted beyond it. */
export const SCAN_CONTEXTS_PER_PARTITION_MAX = 1000;

// --- storage engine, checkpoints, expiry sweep ---
/** RocksDB iterators: bytes read ahead per native call (the binding's highWaterMark). */
export const ENGINE_ITERATOR_READ_AHEAD_BYTES = 1 << 20;
/** Entries one nextBatch call may ask for. */
export const ENGINE_ITERATOR_BATCH_COUNT_MAX = 100_000;
/** Checkpoint files: a block is closed once it holds this many payload bytes. */
export const CHECKPOINT_BLOCK_BYTES_TARGET = 256 << 10;
/** Checkpoint files: largest single entry (key + value); larger entries are refused on export. */
export const CHECKPOINT_ENTRY_BYTES_MAX = 8 << 20;
/** Checkpoint files: largest block payload a reader accepts (target plus one oversized entry). */
export const CHECKPOINT_BLOCK_BYTES_MAX = CHECKPOINT_BLOCK_BYTES_TARGET + CHECKPOINT_ENTRY_BYTES_MAX + 8;
/** Checkpoint import: bytes written to the engine per atomic batch. */
export const CHECKPOINT_IMPORT_BATCH_BYTES_MAX = 4 << 20;
/** Checkpoint export: entries pulled from the snapshot iterator per call, at most. */
export const CHECKPOINT_EXPORT_READ_COUNT = 1000;
/** Checkpoint export: entry bytes pulled from the snapshot per call, roughly (sizes the count). */
export const CHECKPOINT_EXPORT_READ_BYTES = 1 << 20;
/** Expiry sweep: records examined per step (one bounded batch of deletes at most). */
export const EXPIRY_SWEEP_BATCH_RECORDS_MAX = 1000;
/** Expiry sweep: value bytes examined per step. */
export const EXPIRY_SWEEP_BATCH_BYTES_MAX = 4 << 20;
/** Write lane: tasks waiting for one engine's exclusive write turn; more are refused as busy. */
export const WRITE_LANE_TASKS_MAX = 10_000;

// --- private log (reference/pegasus-server.md section 2.5) ---
/** A log segment file is closed and a new one started once it would grow past this (log_private_file_size_mb). */
export const LOG_SEGMENT_BYTES_MAX = 32 << 20;
/** Records are packed into one checksummed block until it holds this many bytes. */
export const LOG_BLOCK_BYTES_TARGET = 64 << 10;
/** Largest record body: a mutation with one maximal write, or a full batch, plus its framing. */
export const LOG_RECORD_BODY_BYTES_MAX = 2 << 20;
/** Largest block body a reader accepts: the target plus one oversized record and its header. */
export const LOG_BLOCK_BYTES_MAX = LOG_BLOCK_BYTES_TARGET + LOG_RECORD_BODY_BYTES_MAX + 64;
/** Group commit: bytes of queued appends written (and synced) together at most. */
export const LOG_WRITE_BATCH_BYTES_MAX = 8 << 20;
/** Appends queued and not yet durable per log; more are refused as busy. */
export const LOG_PENDING_APPENDS_MAX = 10_000;
/** Records in one append call. */
export const LOG_APPEND_RECORDS_MAX = 10_000;
/** Range reads: records returned per call, at most (the default and the cap). */
export const LOG_READ_RECORDS_MAX = 1000;
/** Range reads: record body bytes returned per call, roughly (one oversized record always fits). */
export const LOG_READ_BYTES_MAX = 8 << 20;
/** Bytes read from a segment file per system call when scanning or reading ranges. */
export const LOG_READ_AHEAD_BYTES = 1 << 20;
/** The in-memory index keeps one entry (offset, decree span) per this many bytes of blocks. */
export const LOG_INDEX_CHUNK_BYTES = 64 << 10;
/** Segment files one log may hold; opening a directory with more is refused. */
export const LOG_SEGMENTS_MAX = 100_000;
