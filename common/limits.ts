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
