// One table's routing as the meta server last described it (a query_cfg answer): the app id, the
// partition count and each partition's ballot and primary. Rules (Java TableHandler):
// - A response is accepted only whole: err ERR_OK, a partition count in range, exactly one
//   configuration per index. Anything else is refused with the reason, and the old table stays.
// - Split rule: while a split runs, the count is already doubled but a child whose ballot is -1 is
//   not serving yet; its keys go to the parent, index - count/2.
// - Every accepted response replaces the table whole and gets the next version, so a failed call
//   can tell whether the routing it used is already outdated.

import type { QueryCfgResponse } from '../../cluster/rpc/meta-structs.ts';
import { META_PARTITIONS_PER_TABLE_MAX } from '../../common/limits.ts';
import { partitionIndexOfHash } from './partition-hash.ts';

export interface PartitionRoute {
  readonly appId: number;
  readonly partitionIndex: number;
  /** "host:port" of the primary; "" when the partition has none right now. */
  readonly primary: string;
  readonly ballot: bigint;
}

/** Where a request goes: by the key's partition hash, or to a partition named by index (full scans). */
export type Locator =
  | { readonly kind: 'hash'; readonly hash: bigint }
  | { readonly kind: 'index'; readonly partitionIndex: number };

export type RoutingTableResult =
  | { readonly ok: true; readonly table: RoutingTable }
  | { readonly ok: false; readonly reason: string };

export class RoutingTable {
  private constructor(
    readonly tableName: string,
    readonly appId: number,
    readonly version: number,
    private readonly partitions: readonly { readonly ballot: bigint; readonly primary: string }[],
  ) {}

  /** Builds the table from a query_cfg response; `version` must exceed the one it replaces. */
  static fromQueryConfig(tableName: string, response: QueryCfgResponse, version: number): RoutingTableResult {
    if (response.err !== 'ERR_OK') return { ok: false, reason: `meta answered ${response.err}` };
    const count = response.partitionCount;
    if (!Number.isInteger(count) || count < 1 || count > META_PARTITIONS_PER_TABLE_MAX) {
      return { ok: false, reason: `partition count ${count} is outside 1..${META_PARTITIONS_PER_TABLE_MAX}` };
    }
    if (response.partitions.length !== count) {
      return { ok: false, reason: `${response.partitions.length} partition configurations for partition count ${count}` };
    }
    const partitions: Array<{ ballot: bigint; primary: string } | undefined> = new Array(count).fill(undefined);
    for (const configuration of response.partitions) {
      const index = configuration.pid.partitionIndex;
      if (!Number.isInteger(index) || index < 0 || index >= count) return { ok: false, reason: `partition index ${index} is outside 0..${count - 1}` };
      if (configuration.pid.appId !== response.appId) {
        return { ok: false, reason: `partition ${index} names app ${configuration.pid.appId}, the table is app ${response.appId}` };
      }
      if (partitions[index] !== undefined) return { ok: false, reason: `partition ${index} is configured twice` };
      partitions[index] = { ballot: configuration.ballot, primary: configuration.ballot < 0n ? '' : configuration.primary };
    }
    for (let index = count / 2; index < count && isPowerOfTwo(count) && count >= 2; index++) {
      const parent = partitions[index - count / 2];
      if ((partitions[index]?.ballot ?? 0n) < 0n && (parent === undefined || parent.ballot < 0n)) {
        return { ok: false, reason: `partition ${index} is not ready and neither is its parent ${index - count / 2}` };
      }
    }
    return { ok: true, table: new RoutingTable(tableName, response.appId, version, partitions as Array<{ ballot: bigint; primary: string }>) };
  }

  get partitionCount(): number {
    return this.partitions.length;
  }

  /** The partition serving `locator`, with the split rule applied to hash routing. */
  route(locator: Locator): PartitionRoute {
    let index = locator.kind === 'hash' ? partitionIndexOfHash(locator.hash, this.partitions.length) : locator.partitionIndex;
    if (locator.kind === 'index' && (!Number.isInteger(index) || index < 0 || index >= this.partitions.length)) {
      throw new RangeError(`partition index ${index} is outside 0..${this.partitions.length - 1}`);
    }
    if (locator.kind === 'hash' && this.ballotOf(index) < 0n) index -= this.partitions.length / 2;
    const partition = this.partitions[index];
    return { appId: this.appId, partitionIndex: index, primary: partition?.primary ?? '', ballot: partition?.ballot ?? -1n };
  }

  /** Every distinct primary address (to connect ahead of the first calls). */
  primaries(): string[] {
    return [...new Set(this.partitions.map((partition) => partition.primary).filter((primary) => primary !== ''))];
  }

  private ballotOf(index: number): bigint {
    return this.partitions[index]?.ballot ?? -1n;
  }
}

function isPowerOfTwo(count: number): boolean {
  return (count & (count - 1)) === 0;
}
