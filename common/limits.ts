// Every queue, map, batch, retry loop and message has a named maximum here. Overflow is rejected
// or shed explicitly; nothing grows without bound.

// --- storage (reference/pegasus-api.md section 1.3) ---
/** Largest write request body a replica accepts (max_allowed_write_size). */
export const WRITE_BODY_BYTES_MAX = 1 << 20;
/** multi_get: keys visited per request (rocksdb_multi_get_max_iteration_count). */
export const MULTI_GET_ITERATION_COUNT_MAX = 3000;
/** multi_get: bytes returned per request (rocksdb_multi_get_max_iteration_size). */
export const MULTI_GET_ITERATION_BYTES_MAX = 30 << 20;
/** multi_get and sortkey_count: wall time one request may iterate (rocksdb_iteration_threshold_time_ms). */
export const READ_ITERATION_TIME_MS_MAX = 30_000;
/** Records visited between two looks at the iteration clock. */
export const READ_ITERATION_CLOCK_CHECK_EVERY = 64;
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

// --- real services for development and tests (infra/services) ---
/** A service started by `services:up` must answer a real request within this time. */
export const SERVICE_START_TIMEOUT_MS = 180_000;
/** A service asked to stop gets this long after SIGTERM before SIGKILL. */
export const SERVICE_STOP_TIMEOUT_MS = 20_000;
/** One health probe (a request to the service) gives up after this long. */
export const SERVICE_PROBE_TIMEOUT_MS = 3_000;
/** Installing packages or fetching jars gives up after this long. */
export const SERVICE_INSTALL_TIMEOUT_MS = 20 * 60_000;
/** A service's log file beyond this size is moved to `<log>.1` when the service next starts. */
export const SERVICE_LOG_BYTES_MAX = 16 << 20;

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

// --- rpc server and connections (cluster/rpc/node) ---
/** Open connections one server accepts, THFT and HTTP together; more are refused at accept. */
export const RPC_SERVER_CONNECTIONS_MAX = 4096;
/** A new connection that has not sent the 4 bytes choosing its protocol by then is closed. */
export const RPC_FIRST_BYTES_TIMEOUT_MS = 10_000;
/** Requests of one THFT connection being handled at once; above it the socket stops being read. */
export const RPC_IN_FLIGHT_PER_CONNECTION_MAX = 256;
/** Body of one HTTP request (POST /rpc carries one request frame). */
export const RPC_HTTP_BODY_BYTES_MAX = RPC_REQUEST_FRAME_BYTES_MAX;
/** A connection closed for bad input gets this long to take what was already answered, then is destroyed. */
export const RPC_CLOSE_LINGER_MS = 1_000;
/** Answers (or requests) gathered for one socket write; more are written at once. */
export const RPC_WRITE_COALESCE_BYTES_MAX = 256 << 10;
/** A client call fails with ERR_TIMEOUT when no response came within this, unless told otherwise. */
export const RPC_CALL_TIMEOUT_MS_DEFAULT = 5_000;
/** Calls one client connection keeps waiting for a response. */
export const RPC_CLIENT_PENDING_CALLS_MAX = 65_536;

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

// --- meta store (cluster/meta/store) ---------------------------------------------------------

/** Longest MetaStore key, in bytes (the file store uses the key as a file name: under 255). */
export const META_STORE_KEY_BYTES_MAX = 200;
/** Largest MetaStore value, in UTF-8 bytes (ZooKeeper refuses node data near 1 MiB). */
export const META_STORE_VALUE_BYTES_MAX = 512 << 10;
/** Entries one listing returns at most; a store holding more is refused as corrupt or misused. */
export const META_STORE_ENTRIES_MAX = 200_000;
/** Writes (puts and deletes) queued and not yet durable per store; more are refused as busy. */
export const META_STORE_PENDING_WRITES_MAX = 10_000;
/** ZooKeeper nodes read at once while listing a store. */
export const META_STORE_READS_IN_FLIGHT_MAX = 256;
/** Candidates under one election path that a ZooKeeper elector reads at most. */
export const META_ELECTION_CANDIDATES_MAX = 1000;


// --- replica server (cluster/replica/server) ---
/** The replica server ticks every replica this often (the replication core counts these ticks). */
export const REPLICA_TICK_MS = 100;
/** Replicas one replica server hosts; a proposal or invitation beyond it is ignored (and logged). */
export const REPLICA_SERVER_HOSTS_MAX = 10_000;
/** Client requests one replica server handles at once; beyond it requests are answered ERR_BUSY. */
export const REPLICA_SERVER_REQUESTS_IN_FLIGHT_MAX = 10_000;
/** Replica reports in one config sync or query answer (the meta server reads at most its own bound). */
export const REPLICA_SERVER_REPORTS_PER_MESSAGE_MAX = 1 << 16;
/** Meta servers a replica server knows (configured plus learnt from redirects). */
export const REPLICA_SERVER_META_SERVERS_MAX = 16;
/** Beacon intervals without any answer from the meta server in use before the next one is tried. */
export const REPLICA_SERVER_META_SILENT_BEACONS_MAX = 2;
/** Replica directories opened (log replay, RocksDB open) at the same time when the server starts. */
export const REPLICA_SERVER_OPENS_AT_ONCE_MAX = 8;

// --- cluster transport: internal RPCs between servers (cluster/rpc/node/cluster-transport.ts) ---
/** One-way messages queued for one destination while connecting or backing off; the oldest are shed beyond it. */
export const CLUSTER_SEND_QUEUE_MESSAGES_MAX = 1024;
/**
 * Bytes waiting in one destination's socket; one-way messages are shed while the peer reads slower
 * than this (a dozen full prepares; the cores resend what was shed).
 */
export const CLUSTER_SEND_BUFFER_BYTES_MAX = 16 << 20;
/** Destinations with a connection or a queue; an idle one is forgotten to make room, else the message is shed. */
export const CLUSTER_DESTINATIONS_MAX = 4096;
/** Calls (checkpoint chunk copies) waiting for one destination's connection to open; more fail busy. */
export const CLUSTER_CALLS_WAITING_MAX = 256;
/** A connection attempt to another server gives up after this long. */
export const CLUSTER_CONNECT_TIMEOUT_MS = 3_000;
/** Reconnect backoff after a failed attempt: the first delay, doubled per failure up to the max (with jitter). */
export const CLUSTER_RECONNECT_BACKOFF_MS_MIN = 100;
export const CLUSTER_RECONNECT_BACKOFF_MS_MAX = 5_000;


// --- client SDK (client/) --------------------------------------------------------------------
/** A call's deadline when the caller gives none (the C++ client's default). */
export const CLIENT_TIMEOUT_MS_DEFAULT = 5_000;
/** Longest deadline a call may ask for. */
export const CLIENT_TIMEOUT_MS_MAX = 10 * 60_000;
/** Retry backoff unit (Java retry_base_interval_ms); the schedule multiplies it. */
export const CLIENT_RETRY_BASE_MS = 20;
/** Attempts of one call at most, however much of its deadline is left. */
export const CLIENT_RETRY_ATTEMPTS_MAX = 64;
/** A retry is not started with less than this left of the call's deadline. */
export const CLIENT_RETRY_ATTEMPT_MS_MIN = 10;
/** Routing queries for one table start at least this far apart (Java: operation timeout / 3). */
export const CLIENT_ROUTING_REFRESH_INTERVAL_MS_MIN = 100;
/** One query to one meta server gives up after this long (Java meta_query_timeout). */
export const CLIENT_META_QUERY_TIMEOUT_MS = 5_000;
/** Meta servers tried in one routing query, fail-overs and forwards included. */
export const CLIENT_META_QUERY_ATTEMPTS_MAX = 16;
/** Meta addresses a client knows (configured plus leaders learned from forwards). */
export const CLIENT_META_SERVERS_MAX = 16;
/** A meta server that is not active yet (ERR_SERVICE_NOT_ACTIVE) is asked again after this. */
export const CLIENT_META_NOT_ACTIVE_DELAY_MS = 200;
/** Server connections one client keeps open. */
export const CLIENT_CONNECTIONS_MAX = 1024;
/** Tables one client keeps open. */
export const CLIENT_TABLES_MAX = 1024;
/** Items of one batchGet/batchSet/batchDel call. */
export const CLIENT_BATCH_ITEMS_MAX = 10_000;
/** Calls of one batch in flight at once. */
export const CLIENT_BATCH_CONCURRENCY_MAX = 64;
/** delRange deletes in multiDel calls of this many sort keys (Java: 100). */
export const CLIENT_DEL_RANGE_BATCH_COUNT = 100;
/** Scanner batch size when the caller gives none (Java ScanOptions). */
export const CLIENT_SCAN_BATCH_SIZE_DEFAULT = 100;
/** Times one scanner starts over after its server lost the scan context. */
export const CLIENT_SCAN_RESTARTS_MAX = 16;
// --- meta server shell (cluster/meta/shell) -------------------------------------------------------

/** Longest reserve time of a dropped table (ten years), so expiry times stay safe integers. */
export const META_DROP_RESERVE_MS_MAX = 10 * 365 * 24 * 3600 * 1000;
/** Table requests (create, drop, recall) waiting for their answer at once; more are refused as busy. */
export const META_DDL_REQUESTS_IN_FLIGHT_MAX = 1024;
/** A table request not answered in this time gets ERR_TIMEOUT (its writes may still land). */
export const META_DDL_WAIT_MS = 60_000;
/** Pause between attempts of a failed meta store write (Pegasus retries every second). */
export const META_PERSIST_RETRY_MS = 1_000;
/** Attempts of one meta store write before the leader gives up its term and starts over. */
export const META_PERSIST_ATTEMPTS_MAX = 600;
/** How often a meta server that does not lead asks who does (for redirects). */
export const META_LEADER_REFRESH_MS = 1_000;
/** Pause before a meta server reopens its store after losing its ZooKeeper session. */
export const META_REOPEN_RETRY_MS = 1_000;
// --- replica host (cluster/replica/host) -----------------------------------------------------

/** Client writes one replica host has outstanding (queued, replicating or applying). */
export const HOST_PENDING_WRITES_MAX = 10_000;
/** Client reads one replica host has waiting for the core's answer. */
export const HOST_PENDING_READS_MAX = 10_000;
/** A replica checkpoints its app on its own once this many decrees were applied since the last. */
export const HOST_CHECKPOINT_EVERY_DECREES = 100_000;
/** ... or once this long has passed with anything applied since the last. */
export const HOST_CHECKPOINT_INTERVAL_MS = 10 * 60_000;
/** Largest checkpoint chunk served or asked for in one request. */
export const HOST_CHECKPOINT_CHUNK_BYTES_MAX = 4 << 20;
/** Chunk size a learner asks for. */
export const HOST_CHECKPOINT_CHUNK_BYTES = 1 << 20;
/** A checkpoint file a learner accepts to copy, at most. */
export const HOST_CHECKPOINT_FILE_BYTES_MAX = 2 ** 40;
/** Time allowed for one chunk request. */
export const HOST_CHECKPOINT_FETCH_TIMEOUT_MS = 10_000;
/**
 * Copy-and-import attempts per importCheckpoint. The core waits for checkpoint_imported without a
 * timeout of its own; after the last attempt the learner waits until its primary drops it.
 */
export const HOST_CHECKPOINT_IMPORT_ATTEMPTS_MAX = 10;
/** Ticks between two attempts. */
export const HOST_CHECKPOINT_IMPORT_RETRY_TICKS = 10;
/** Ticks without a learner's log read or checkpoint chunk after which a primary's log GC resumes. */
export const HOST_LEARNER_GC_HOLD_TICKS = 600;
/** A primary runs one bounded expiry sweep step at most this often. */
export const HOST_EXPIRY_SWEEP_INTERVAL_MS = 10_000;
// --- learning: byte bounds (cluster/replication) ---
/**
 * Mutation bytes (cluster/replication/mutation-bytes.ts) in one LT_CACHE or LT_LOG learn response
 * beyond its first mutation; a learner asks again for the rest. Well under RPC_REQUEST_FRAME_BYTES_MAX:
 * a response always carries at least one mutation, and one maximal mutation plus its envelope
 * must fit a frame too (test/unit/replication/limits-chain.test.ts checks the chain).
 */
export const LEARN_RESPONSE_BYTES_MAX = 512 << 10;

// --- onebox launcher and the `pegasus` command (infra/onebox, infra/shell) ---------------------

/** A onebox server process must print its ready line and answer /healthz within this time. */
export const ONEBOX_PROCESS_READY_TIMEOUT_MS = 60_000;
/** After the servers are up, table `temp` must have every partition healthy within this time. */
export const ONEBOX_TABLE_HEALTHY_TIMEOUT_MS = 120_000;
/** A onebox server asked to stop gets this long after SIGTERM before SIGKILL. */
export const ONEBOX_STOP_TIMEOUT_MS = 15_000;
/** Lines of a server's log shown when it dies or fails to start. */
export const ONEBOX_LOG_TAIL_LINES = 20;
/** Meta servers one onebox runs at most. */
export const ONEBOX_METAS_MAX = 3;
/** One request of the shell to a meta server gives up after this long. */
export const SHELL_HTTP_TIMEOUT_MS = 10_000;
/** Bytes of one meta HTTP response the shell reads at most. */
export const SHELL_HTTP_BODY_BYTES_MAX = 16 << 20;
/** Redirects (307 to the meta leader) one shell request follows at most. */
export const SHELL_REDIRECTS_MAX = 4;
/** Rows a scan command prints when no --max is given. */
export const SHELL_SCAN_ROWS_DEFAULT = 100;
/** Rows a scan command prints at most, whatever --max says. */
export const SHELL_SCAN_ROWS_MAX = 100_000;
/** Sort keys one multi_set, multi_get or multi_del command takes. */
export const SHELL_SORT_KEYS_MAX = 1000;

// --- edge client: the fetch transport (client/edge/) ---
/** Requests (calls and one-way sends) one edge client has in flight at once; more fail ERR_BUSY. */
export const CLIENT_EDGE_REQUESTS_IN_FLIGHT_MAX = 1024;

// --- cold backup (backup/) ---
/** Backup policies one cluster keeps at most. */
export const BACKUP_POLICIES_MAX = 100;
/** Tables one backup policy names at most. */
export const BACKUP_POLICY_TABLES_MAX = 100;
/** Backups a policy keeps at most (its --keep). */
export const BACKUP_KEEP_MAX = 1000;
/** The shortest --interval of a policy, in seconds (short ones are for tests and demos). */
export const BACKUP_INTERVAL_SECONDS_MIN = 1;
/** The longest --interval of a policy, in seconds (30 days). */
export const BACKUP_INTERVAL_SECONDS_MAX = 30 * 24 * 3600;
/** Bytes of one uploaded part of a partition's checkpoint; one part is buffered at a time. */
export const BACKUP_PART_BYTES = 8 << 20;
/** Attempts of one partition backup job (each resolves the primary again) before the backup fails. */
export const BACKUP_PARTITION_ATTEMPTS_MAX = 6;
/** First retry delay of a partition backup job; doubles per attempt (BullMQ exponential backoff). */
export const BACKUP_PARTITION_BACKOFF_MS = 500;
/** Partition backup jobs one orchestrator runs at once. */
export const BACKUP_PARTITION_JOBS_AT_ONCE_MAX = 4;
/** Backups listed under one cluster's root at most when applying retention or reporting status. */
export const BACKUP_LISTED_MAX = 10_000;
/** Partition backups one replica server uploads at once; more are answered ERR_BUSY (the job retries). */
export const BACKUP_UPLOADS_PER_SERVER_MAX = 4;
/** Finished partition backups a replica server remembers for the orchestrator's polls. */
export const BACKUP_FINISHED_REMEMBERED_MAX = 1000;
/** One start/poll/cancel call to a replica server gives up after this long (the job retries). */
export const BACKUP_PARTITION_CALL_TIMEOUT_MS = 10_000;
/** The orchestrator polls a partition backup's progress this often. */
export const BACKUP_PARTITION_POLL_MS = 500;
/** The largest part a replica server may be configured to upload (--backup-part-bytes); one is buffered per upload. */
export const BACKUP_PART_BYTES_MAX = 64 << 20;
