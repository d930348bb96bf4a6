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

// --- replication (reference/pegasus-server.md section 2) ---
/** Prepare list slots (max_mutation_count_in_prepare_list). */
export const PREPARE_LIST_CAPACITY = 110;
/** Mutations in two-phase commit at once; beyond it writes get ERR_CAPACITY_EXCEEDED (staleness_for_commit). */
export const MUTATIONS_IN_FLIGHT_MAX = 20;
/** A batch of consecutive batchable writes closes at this many bytes (~1 MB in Pegasus). */
export const MUTATION_BATCH_BYTES_MAX = 1 << 20;
/** Client writes in one mutation. */
export const MUTATION_BATCH_REQUESTS_MAX = 1000;
/** Client writes queued on a primary waiting for a free slot in two-phase commit. */
export const WRITE_QUEUE_REQUESTS_MAX = 1000;
/** Mutations in one learn response (a learner asks again for more). */
export const LEARN_RESPONSE_MUTATIONS_MAX = 200;
/** Learners one primary teaches at once. */
export const LEARNERS_PER_PARTITION_MAX = 4;
/** Outstanding log reads a primary requests from its shell for learners. */
export const LOG_READS_IN_FLIGHT_MAX = 4;
/** Mutations accepted from a recovered log at construction. */
export const RECOVERED_LOG_MUTATIONS_MAX = 1_000_000;
/** Default ticks (the shell chooses the tick length; 100 ms in the server). */
export const PREPARE_TIMEOUT_TICKS = 30;
export const LEARNER_PREPARE_TIMEOUT_TICKS = 50;
export const PREPARE_RETRY_TICKS = 5;
export const GROUP_CHECK_INTERVAL_TICKS = 100;
export const EMPTY_WRITE_IDLE_TICKS = 100;
export const META_RETRY_TICKS = 10;
export const LEARN_RETRY_TICKS = 10;
/** A learner not heard from for this long (and not yet taking prepares) is dropped by its primary. */
export const LEARNER_IDLE_TICKS = 600;
/** Two-phase commit minimum replica count (mutation_2pc_min_replica_count). */
export const MUTATION_2PC_MIN_REPLICA_COUNT = 2;

// --- meta (reference/pegasus-server.md sections 1.2-1.9) ---
/** Tables the meta server keeps. */
export const META_TABLES_MAX = 1024;
/** Partitions of one table (partition_count, a power of two). */
export const META_PARTITIONS_PER_TABLE_MAX = 1 << 14;
/** Replica servers the meta server tracks. */
export const META_NODES_MAX = 4096;
/** Replicas of one partition (max_allowed_replica_count). */
export const META_REPLICA_COUNT_MAX = 5;
/** Entries kept in a partition's last_drops, oldest evicted first (maintain_drops). */
export const META_LAST_DROPS_MAX = 3;
/** Replica reports accepted in one config sync or query answer; the rest are ignored. */
export const META_REPLICA_REPORTS_PER_MESSAGE_MAX = 1 << 16;
/** Proposals the guardian sends in one cure pass; the rest wait for the next pass. */
export const META_PROPOSALS_PER_CURE_MAX = 1024;
/** Primary moves the balancer starts in one round (balance_op_count_per_round). */
export const META_BALANCE_MOVES_PER_ROUND_MAX = 10;
/** Table name length in bytes. */
export const META_TABLE_NAME_BYTES_MAX = 256;
