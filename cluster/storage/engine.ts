// KvEngine is the seam between the data operations and the bytes on disk. Two implementations
// (RocksDB and an in-memory sorted engine for the simulator) pass one conformance suite.
// Keys compare as unsigned bytes and are never empty. Keys under RESERVED_KEY_PREFIX hold
// replica bookkeeping.

export type WriteOp =
  | { readonly kind: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly kind: 'delete'; readonly key: Uint8Array };

export interface KvEntry {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** Bounds of a range; at most one lower and one upper bound. Unbounded when omitted. */
export interface KeyRange {
  readonly gte?: Uint8Array;
  readonly gt?: Uint8Array;
  readonly lte?: Uint8Array;
  readonly lt?: Uint8Array;
}

export interface IteratorOptions extends KeyRange {
  readonly reverse?: boolean;
  /** Skip values: entries come back with an empty value (cheaper for key-only walks). */
  readonly keysOnly?: boolean;
}

/**
 * A cursor over a consistent snapshot taken when the iterator was created: writes made after
 * that are not seen. Must be closed; an exhausted iterator returns undefined from next().
 */
export interface KvIterator {
  next(): Promise<KvEntry | undefined>;
  /** Up to `max` entries; fewer (possibly none) means the end was reached. */
  nextBatch(max: number): Promise<KvEntry[]>;
  /**
   * Moves the cursor, on the same snapshot, to the first entry at or after `target` (at or
   * before it when reverse); a target outside the iterator's range leaves it exhausted. Not
   * while a read is in flight. Optional so that wrappers need not provide it; both engines do.
   */
  seek?(target: Uint8Array): void;
  close(): Promise<void>;
}

export interface KvEngine {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | undefined)[]>;
  /** Applies every op or none; later ops on the same key win. */
  write(ops: readonly WriteOp[], options?: { readonly sync?: boolean }): Promise<void>;
  iterator(options?: IteratorOptions): KvIterator;
  close(): Promise<void>;
}
