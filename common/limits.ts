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

// --- rpc: THFT framing and the Thrift binary codec (reference/pegasus-api.md section 4) ---
/** Request frame (header + meta + body): the largest write body plus room for the rest. */
export const RPC_REQUEST_FRAME_BYTES_MAX = WRITE_BODY_BYTES_MAX + (64 << 10);
/** Response frame, total length included: the largest multi_get answer plus room for the rest. */
export const RPC_RESPONSE_FRAME_BYTES_MAX = MULTI_GET_ITERATION_BYTES_MAX + (1 << 20);
/** THFT v1 request meta (thrift_request_meta_v1); clients send about 40 bytes. */
export const RPC_REQUEST_META_BYTES_MAX = 1024;
/** Thrift message name (the RPC name, plus "_ACK" in a response) and the error name. */
export const RPC_NAME_BYTES_MAX = 128;
/** Elements of one Thrift list, set or map. */
export const RPC_CONTAINER_COUNT_MAX = 1 << 20;
/** Nesting of structs and containers inside one message, also when skipping unknown fields. */
export const RPC_NESTING_DEPTH_MAX = 32;
