// Why a replica did not execute (or cannot vouch for) a client request: the replication core's
// error names, plus ERR_CAPACITY_EXCEEDED for the host's own bounds. ERR_TIMEOUT means the outcome
// is unknown (the write may still commit); every other code means it was not executed.
import { PegasusError } from '../../../common/errors.ts';
import type { ReplicationErrorCode } from '../../replication/errors.ts';
import { isRetriable } from '../../replication/errors.ts';

export type ReplicaRefusalCode = ReplicationErrorCode;

export class ReplicaRefusal extends PegasusError<ReplicaRefusalCode> {
  override readonly name = 'ReplicaRefusal';

  constructor(code: ReplicaRefusalCode, message: string) {
    super(code, message, isRetriable(code));
  }
}
