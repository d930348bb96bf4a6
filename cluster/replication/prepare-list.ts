// The prepare list (Pegasus prepare_list): the mutations of one replica keyed by decree, from the
// oldest kept committed one to the highest prepared one, with the committed decree. Bounded: at
// most `capacity` decrees between the lowest kept and the highest; committed entries are dropped
// from the low end to make room, uncommitted ones never.
import { assert } from '../../common/assert.ts';
import type { Ballot, Decree, Mutation } from './types.ts';

export interface PreparedEntry {
  readonly mutation: Mutation;
  /** The append that made this version durable is acknowledged. */
  logged: boolean;
  /** Sequence number of the append holding this version (0: durable before this process). */
  appendSeq: number;
  /** Replica to acknowledge the prepare to once logged (secondaries and learners). */
  ackTo: string | undefined;
}

export class PrepareList {
  private readonly entries = new Map<Decree, PreparedEntry>();
  private committed: Decree;
  private committedBallot: Ballot = 0n;

  constructor(
    readonly capacity: number,
    committedDecree: Decree,
  ) {
    assert(capacity > 0, 'prepare list capacity is positive');
    assert(committedDecree >= 0n, 'committed decree is not negative');
    this.committed = committedDecree;
  }

  get committedDecree(): Decree {
    return this.committed;
  }

  /** The highest decree held, or the committed decree when nothing above it is held. */
  get maxDecree(): Decree {
    let max = this.committed;
    for (const decree of this.entries.keys()) if (decree > max) max = decree;
    return max;
  }

  /** The lowest decree held (committed entries are kept for LT_CACHE until room is needed). */
  get minDecree(): Decree {
    let min = this.committed + 1n;
    for (const decree of this.entries.keys()) if (decree < min) min = decree;
    return min;
  }

  get(decree: Decree): PreparedEntry | undefined {
    return this.entries.get(decree);
  }

  /** Whether a mutation at `decree` fits without dropping an uncommitted entry. */
  hasRoomFor(decree: Decree): boolean {
    return decree > this.committed && decree - this.committed <= BigInt(this.capacity);
  }

  /** Puts or replaces the entry at its decree. The caller checked hasRoomFor. */
  put(entry: PreparedEntry): void {
    const decree = entry.mutation.decree;
    assert(this.hasRoomFor(decree), `decree ${decree} fits the prepare list (committed ${this.committed})`);
    const existing = this.entries.get(decree);
    assert(
      existing === undefined || existing.mutation.ballot <= entry.mutation.ballot,
      `a prepared mutation is replaced only by one with a ballot at least as high (decree ${decree})`,
    );
    this.entries.set(decree, entry);
    this.dropCommittedBeyondCapacity();
  }

  /**
   * Commits the next decree if it is held and logged; returns its mutation. `checkBallotOrder`
   * asserts that ballots never decrease along decrees committed through two-phase commit; a
   * learner passes false, since what it learns may carry other stamps for the same contents.
   */
  commitNext(checkBallotOrder = true): Mutation | undefined {
    const next = this.entries.get(this.committed + 1n);
    if (next === undefined || !next.logged) return undefined;
    assert(
      !checkBallotOrder || next.mutation.ballot >= this.committedBallot,
      `ballots never decrease along committed decrees (d${next.mutation.decree} b${next.mutation.ballot} after b${this.committedBallot})`,
    );
    this.committed = next.mutation.decree;
    this.committedBallot = next.mutation.ballot;
    return next.mutation;
  }

  /** Drops every entry above `decree` (a learner discarding its uncommitted tail). */
  truncateAfter(decree: Decree): void {
    assert(decree >= this.committed, 'never truncate committed mutations');
    for (const key of [...this.entries.keys()]) if (key > decree) this.entries.delete(key);
  }

  /** Forgets everything; `committedDecree` becomes the new base (after a checkpoint import or discard). */
  reset(committedDecree: Decree): void {
    this.entries.clear();
    this.committed = committedDecree;
    this.committedBallot = 0n;
  }

  /** Entries from `from` to `to` inclusive, all present; undefined if any is missing. */
  range(from: Decree, to: Decree): Mutation[] | undefined {
    const out: Mutation[] = [];
    for (let decree = from; decree <= to; decree += 1n) {
      const entry = this.entries.get(decree);
      if (entry === undefined) return undefined;
      out.push(entry.mutation);
    }
    return out;
  }

  /** Uncommitted entries in decree order. */
  uncommitted(): PreparedEntry[] {
    return [...this.entries.values()]
      .filter((entry) => entry.mutation.decree > this.committed)
      .sort((a, b) => (a.mutation.decree < b.mutation.decree ? -1 : 1));
  }

  private dropCommittedBeyondCapacity(): void {
    const highest = this.maxDecree;
    for (let lowest = this.minDecree; highest - lowest + 1n > BigInt(this.capacity); lowest = this.minDecree) {
      assert(lowest <= this.committed, 'only committed entries are dropped for room');
      this.entries.delete(lowest);
    }
  }
}
