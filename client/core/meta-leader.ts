// Which meta server to ask next (Java MetaSession.onFinishQueryMeta, pure): start with the last
// known leader; ERR_FORWARD_TO_OTHERS names the leader in partitions[0].primary and is followed
// (the address is learned if it was not configured); a lost connection or a timeout moves on to
// the next configured server round-robin; ERR_SERVICE_NOT_ACTIVE asks the same server again after
// a pause. Any other answer ends the query, success or not.

import { assert } from '../../common/assert.ts';
import type { QueryCfgResponse } from '../../cluster/rpc/meta-structs.ts';
import type { ErrorName } from '../../cluster/rpc/error-code.ts';
import { CLIENT_META_NOT_ACTIVE_DELAY_MS, CLIENT_META_SERVERS_MAX } from '../../common/limits.ts';

export type MetaOutcome =
  | { readonly kind: 'response'; readonly response: Pick<QueryCfgResponse, 'err' | 'partitions'> }
  | { readonly kind: 'failure'; readonly code: ErrorName };

export type MetaStep =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly server: string; readonly delayMs: number };

export class MetaLeader {
  private readonly servers: string[];
  private current = 0;

  constructor(servers: readonly string[]) {
    assert(servers.length >= 1 && servers.length <= CLIENT_META_SERVERS_MAX, `between 1 and ${CLIENT_META_SERVERS_MAX} meta servers are needed, got ${servers.length}`);
    this.servers = [...new Set(servers)];
  }

  /** The server to ask first. */
  get leader(): string {
    return this.servers[this.current] ?? '';
  }

  get known(): readonly string[] {
    return this.servers;
  }

  /** What to do after `server` answered or failed. */
  onOutcome(server: string, outcome: MetaOutcome): MetaStep {
    if (outcome.kind === 'failure') {
      if (outcome.code !== 'ERR_SESSION_RESET' && outcome.code !== 'ERR_TIMEOUT' && outcome.code !== 'ERR_NETWORK_FAILURE') return { kind: 'done' };
      return { kind: 'retry', server: this.moveOn(server), delayMs: 0 };
    }
    const { err } = outcome.response;
    if (err === 'ERR_SERVICE_NOT_ACTIVE') return { kind: 'retry', server, delayMs: CLIENT_META_NOT_ACTIVE_DELAY_MS };
    if (err !== 'ERR_FORWARD_TO_OTHERS') return { kind: 'done' };
    const forward = outcome.response.partitions[0]?.primary ?? '';
    if (forward === '' || forward === server) return { kind: 'retry', server: this.moveOn(server), delayMs: 0 };
    return { kind: 'retry', server: this.follow(forward), delayMs: 0 };
  }

  private moveOn(failed: string): string {
    // Only the caller still on the current leader moves it; a concurrent query may have moved it already.
    if (this.servers[this.current] === failed) this.current = (this.current + 1) % this.servers.length;
    return this.leader;
  }

  private follow(address: string): string {
    let index = this.servers.indexOf(address);
    if (index < 0) {
      if (this.servers.length >= CLIENT_META_SERVERS_MAX) return this.moveOn(this.leader);
      index = this.servers.push(address) - 1;
    }
    this.current = index;
    return address;
  }
}
