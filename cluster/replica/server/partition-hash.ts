// The partition-hash checks a replica server makes on a client request whose header carries a
// partition hash (reference/pegasus-api.md sections 2.2, 4.2). Clients send crc64(hash key), or
// the partition index for unordered scanners; 0 means "not computed" and skips both checks.
//
// 1. `hash & (partitionCount - 1)` must be this partition's index (Pegasus's check_partition_hash,
//    which uses a mask, not a modulo): otherwise the client routed with a stale table layout and
//    gets ERR_PARENT_PARTITION_MISUSED, which makes it reload the whole table configuration.
// 2. A request about one hash key must carry that key's hash. Pegasus asserts this and crashes; a
//    replica server here refuses the request with ERR_INVALID_PARAMETERS and stays up.
import { crc64 } from '../../../common/crc64.ts';
import type { ErrorName } from '../../rpc/error-code.ts';
import { routingBytesOfKey } from '../../storage/key-schema.ts';
import type { DataRequest } from '../../storage/requests.ts';
import { assertNever } from '../../../common/assert.ts';

export interface PartitionHashCheck {
  readonly partitionHash: bigint;
  readonly partitionIndex: number;
  readonly partitionCount: number;
}

export type PartitionHashError = Extract<ErrorName, 'ERR_PARENT_PARTITION_MISUSED' | 'ERR_INVALID_PARAMETERS'>;

export function checkPartitionHash(check: PartitionHashCheck, request: DataRequest): { readonly error: PartitionHashError; readonly reason: string } | undefined {
  if (check.partitionHash === 0n) return undefined;
  const mask = BigInt(check.partitionCount - 1);
  const index = check.partitionHash & mask;
  if (index !== BigInt(check.partitionIndex)) {
    return {
      error: 'ERR_PARENT_PARTITION_MISUSED',
      reason: `partition hash ${check.partitionHash} belongs to partition ${index} of ${check.partitionCount}, not ${check.partitionIndex}`,
    };
  }
  const routingBytes = routingBytesOf(request);
  if (routingBytes === undefined) return undefined;
  const hash = crc64(routingBytes);
  if (hash !== check.partitionHash) {
    return { error: 'ERR_INVALID_PARAMETERS', reason: `the header's partition hash ${check.partitionHash} is not the key's hash ${hash}` };
  }
  return undefined;
}

/** The bytes a client hashes to route this request, when it is about exactly one hash key. */
function routingBytesOf(request: DataRequest): Uint8Array | undefined {
  switch (request.kind) {
    case 'put':
    case 'remove':
    case 'incr':
    case 'get':
    case 'ttl':
      // A malformed composite key is the storage layer's to refuse, with its own message.
      return routingBytesOfKey(request.key);
    case 'multi_put':
    case 'multi_remove':
    case 'check_and_set':
    case 'check_and_mutate':
    case 'multi_get':
    case 'sortkey_count':
      // An empty hash key is refused by the storage layer; clients hash nothing then.
      return request.hashKey.length === 0 ? undefined : request.hashKey;
    case 'batch_get':
    case 'get_scanner':
    case 'scan':
    case 'clear_scanner':
      return undefined;
    default:
      return assertNever(request, 'data request');
  }
}
