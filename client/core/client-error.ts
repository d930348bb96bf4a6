// The one error the client throws: Pegasus's code (an rDSN error name for RPC-level failures, a
// RocksDB status name for storage-level ones), whether trying again can help, and the operation it
// happened in (table, operation, hash key, partition, server), so a log line says where to look.

import type { ErrorName } from '../../cluster/rpc/error-code.ts';
import { PegasusError } from '../../common/errors.ts';

/** RocksDB Status::Code names, as the `error` field of every rrdb response carries them (0 is kOk). */
export const STORAGE_ERROR_NAMES = [
  'kOk', 'kNotFound', 'kCorruption', 'kNotSupported', 'kInvalidArgument', 'kIOError', 'kMergeInProgress',
  'kIncomplete', 'kShutdownInProgress', 'kTimedOut', 'kAborted', 'kBusy', 'kExpired', 'kTryAgain',
] as const;
export type StorageErrorName = Exclude<(typeof STORAGE_ERROR_NAMES)[number], 'kOk'> | 'kUnknown';

/**
 * ERR_* names come from the server or the network (ERR_TIMEOUT when the call's deadline passed,
 * ERR_INVALID_PARAMETERS for bad input caught before anything was sent); k* names are the storage
 * status of a response; ERR_ABORTED means the caller's AbortSignal fired.
 */
export type ClientErrorCode = ErrorName | StorageErrorName | 'ERR_ABORTED';

/** Where an error happened. Fields are absent when the failure came before they were known. */
export interface OperationContext {
  readonly table: string;
  readonly operation: string;
  readonly hashKey?: Uint8Array;
  readonly partitionIndex?: number;
  /** The replica or meta server that answered or failed, "host:port". */
  readonly server?: string;
  /** delRange: the first sort key not yet deleted when it failed. */
  readonly nextSortKey?: Uint8Array;
  /** Attempts made before the call gave up (set when retries ran out of time or of attempts). */
  readonly attempts?: number;
}

const RETRIABLE: ReadonlySet<ClientErrorCode> = new Set<ClientErrorCode>([
  'ERR_TIMEOUT', 'ERR_SESSION_RESET', 'ERR_BUSY', 'ERR_TRY_AGAIN', 'ERR_FORWARD_TO_OTHERS', 'ERR_INVALID_STATE',
  'ERR_OBJECT_NOT_FOUND', 'ERR_NOT_ENOUGH_MEMBER', 'ERR_NETWORK_FAILURE', 'ERR_CAPACITY_EXCEEDED',
  'ERR_PARENT_PARTITION_MISUSED', 'ERR_SPLITTING', 'ERR_SERVICE_NOT_ACTIVE', 'ERR_BUSY_CREATING',
  'kIncomplete', 'kTimedOut', 'kBusy', 'kTryAgain',
]);

export function isRetriableCode(code: ClientErrorCode): boolean {
  return RETRIABLE.has(code);
}

/**
 * The one error every client call rejects with. `code` says what happened (see ClientErrorCode),
 * `retriable` whether the same call may succeed later, `context` where it happened; `cause` holds
 * the underlying transport error when there is one.
 */
export class PegasusClientError extends PegasusError<ClientErrorCode> {
  override readonly name = 'PegasusClientError';

  constructor(
    code: ClientErrorCode,
    message: string,
    readonly context: OperationContext,
    options: { readonly retriable?: boolean; readonly cause?: unknown } = {},
  ) {
    super(code, `${code}: ${context.operation} on table ${JSON.stringify(context.table)}${describeWhere(context)}: ${message}`,
      options.retriable ?? isRetriableCode(code), options.cause === undefined ? undefined : { cause: options.cause });
  }
}

export function storageErrorName(status: number): StorageErrorName {
  const name = STORAGE_ERROR_NAMES[status];
  return name === undefined || name === 'kOk' ? 'kUnknown' : name;
}

/** Bad input: nothing was sent. */
export function invalidArgument(context: OperationContext, message: string): PegasusClientError {
  return new PegasusClientError('ERR_INVALID_PARAMETERS', message, context, { retriable: false });
}

const HASH_KEY_SHOWN_BYTES_MAX = 64;

function describeWhere(context: OperationContext): string {
  const parts: string[] = [];
  if (context.hashKey !== undefined) parts.push(`hashKey ${printable(context.hashKey)}`);
  if (context.partitionIndex !== undefined) parts.push(`partition ${context.partitionIndex}`);
  if (context.server !== undefined) parts.push(`server ${context.server}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** Up to 64 bytes as text when they are printable ASCII, else as hex. */
function printable(bytes: Uint8Array): string {
  const shown = bytes.subarray(0, HASH_KEY_SHOWN_BYTES_MAX);
  const more = bytes.length > shown.length ? `... (${bytes.length} bytes)` : '';
  const ascii = shown.every((byte) => byte >= 0x20 && byte < 0x7f);
  if (ascii) return JSON.stringify(String.fromCharCode(...shown)) + more;
  return `0x${Array.from(shown, (byte) => byte.toString(16).padStart(2, '0')).join('')}${more}`;
}
