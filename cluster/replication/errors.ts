// Operating errors of the replication core, named as Pegasus names them (error_code in rDSN). They
// are values carried by replies and messages, never thrown; a thrown AssertionError is a bug.

export const REPLICATION_ERROR_CODES = [
  'ERR_OK',
  /** Not in a state that can serve this request (not primary, reconciling, learner not ready). */
  'ERR_INVALID_STATE',
  /** The replica is inactive (lost its lease, or waiting for the meta server). */
  'ERR_INACTIVE_STATE',
  /** Fewer members than the two-phase commit minimum. */
  'ERR_NOT_ENOUGH_MEMBER',
  /** Too many mutations in flight or a full write queue; retry later. */
  'ERR_CAPACITY_EXCEEDED',
  /** The partition or replica is unknown here. */
  'ERR_OBJECT_NOT_FOUND',
  /** A message with a ballot older than ours. */
  'ERR_VERSION_OUTDATED',
  /** A configuration change whose ballot is not current + 1. */
  'ERR_INVALID_VERSION',
  /** Learner not yet ready to take prepares; retry. */
  'ERR_TRY_AGAIN',
  /** Learn request under a learner signature that is no longer current. */
  'ERR_WRONG_CHECKSUM',
  /** The request body is malformed or too large. */
  'ERR_INVALID_DATA',
  /** A write was prepared but the primary lost its role before it committed; outcome unknown. */
  'ERR_TIMEOUT',
  /** Another configuration change is pending. */
  'ERR_BUSY',
  /** A configuration change whose members are not what the change produces. */
  'ERR_INVALID_PARAMETERS',
  /** The meta server is frozen: it accepts no change from replicas for now. */
  'ERR_STATE_FREEZED',
] as const;

export type ReplicationErrorCode = (typeof REPLICATION_ERROR_CODES)[number];

const RETRIABLE: ReadonlySet<ReplicationErrorCode> = new Set<ReplicationErrorCode>([
  'ERR_INVALID_STATE',
  'ERR_INACTIVE_STATE',
  'ERR_NOT_ENOUGH_MEMBER',
  'ERR_CAPACITY_EXCEEDED',
  'ERR_OBJECT_NOT_FOUND',
  'ERR_TRY_AGAIN',
  'ERR_TIMEOUT',
  'ERR_BUSY',
  'ERR_STATE_FREEZED',
]);

/** Whether a client may retry (possibly at another replica after refreshing the configuration). */
export function isRetriable(code: ReplicationErrorCode): boolean {
  return RETRIABLE.has(code);
}
