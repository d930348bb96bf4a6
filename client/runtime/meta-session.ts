// Routing queries to the meta servers: ask the last known leader, follow ERR_FORWARD_TO_OTHERS,
// fail over across the configured servers (decisions in core/meta-leader.ts), all inside the
// caller's deadline and a bounded number of attempts.

import type { Clock } from '../../common/clock.ts';
import { CLIENT_META_QUERY_ATTEMPTS_MAX, CLIENT_META_QUERY_TIMEOUT_MS } from '../../common/limits.ts';
import type { QueryCfgResponse } from '../../cluster/rpc/meta-structs.ts';
import { clientRpcs } from '../../cluster/rpc/rpc-methods.ts';
import { PegasusClientError, type OperationContext } from '../core/client-error.ts';
import { MetaLeader, type MetaOutcome } from '../core/meta-leader.ts';
import { TransportError, type Transport } from '../core/transport.ts';
import { gaveUpError, pause, type AttemptFailure, type Budget } from './budget.ts';

export class MetaSession {
  private readonly leader: MetaLeader;

  constructor(metaServers: readonly string[], private readonly transport: Transport, private readonly clock: Clock) {
    this.leader = new MetaLeader(metaServers);
  }

  /** The meta servers known, the configured ones first. */
  get servers(): readonly string[] {
    return this.leader.known;
  }

  /**
   * The routing of `tableName` from the meta leader. Resolves with the leader's answer whatever
   * its err (ERR_OK, ERR_OBJECT_NOT_FOUND for no such table, ...); rejects when no meta server
   * could be reached in time.
   */
  async queryConfig(tableName: string, budget: Budget, context: OperationContext): Promise<QueryCfgResponse> {
    let server = this.leader.leader;
    let last: AttemptFailure | undefined;
    for (let attempt = 0; attempt < CLIENT_META_QUERY_ATTEMPTS_MAX; attempt++) {
      const remainingMs = budget.deadlineMs - this.clock.monotonicMs();
      if (remainingMs <= 0) throw gaveUpError({ ...context, server }, budget, attempt, last);
      let outcome: MetaOutcome;
      let response: QueryCfgResponse | undefined;
      try {
        response = await this.transport.call(server, clientRpcs.queryConfig, { appName: tableName, partitionIndices: [] }, {
          timeoutMs: Math.min(remainingMs, CLIENT_META_QUERY_TIMEOUT_MS),
          routing: { appId: 0, partitionIndex: 0, partitionHash: 0n },
        });
        outcome = { kind: 'response', response };
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        outcome = { kind: 'failure', code: error.code };
        // A query that timed out was given at most CLIENT_META_QUERY_TIMEOUT_MS: a real failure too.
        last = { code: error.code, message: `meta server ${server} failed: ${error.message}`, cause: error };
      }
      const step = this.leader.onOutcome(server, outcome);
      if (step.kind === 'done') {
        if (response !== undefined) return response;
        if (last === undefined) throw new PegasusClientError('ERR_UNKNOWN', 'meta query ended without an answer', { ...context, server });
        throw new PegasusClientError(last.code, last.message, { ...context, server }, { cause: last.cause });
      }
      if (response !== undefined) {
        last = { code: response.err, message: `meta server ${server} could not answer` };
      }
      server = step.server;
      if (step.delayMs > 0) await pause(Math.min(step.delayMs, Math.max(0, budget.deadlineMs - this.clock.monotonicMs())), budget.signal, context);
    }
    throw last === undefined ? new PegasusClientError('ERR_UNKNOWN', 'no meta server answered', context) : gaveUpError(context, budget, CLIENT_META_QUERY_ATTEMPTS_MAX, last);
  }
}
