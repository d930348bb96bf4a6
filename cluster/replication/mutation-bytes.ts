// The bytes a mutation takes in a message: its request payloads plus an allowance for the framing
// around them. An estimate never below the size on the wire (test/unit/replication/limits-chain.test.ts
// compares it with the real encoding), so bounds counted with it hold for the encoded messages.
import type { Mutation } from './types.ts';

/** Ballot, decree, committed decree, timestamp, size and the list header, with room to spare. */
export const MUTATION_FRAMING_BYTES = 96;
/** The length prefix of one request payload, with room to spare. */
export const REQUEST_FRAMING_BYTES = 8;

export function mutationBytes(mutation: Mutation): number {
  let bytes = MUTATION_FRAMING_BYTES;
  for (const request of mutation.requests) bytes += REQUEST_FRAMING_BYTES + request.length;
  return bytes;
}

/**
 * How many of `mutations`, from the first, fit `bytesMax` together; at least one, so a single
 * mutation larger than the bound still travels (the write limits keep it within a frame).
 */
export function countWithinBytes(mutations: readonly Mutation[], bytesMax: number): number {
  let bytes = 0;
  let count = 0;
  for (const mutation of mutations) {
    bytes += mutationBytes(mutation);
    if (count > 0 && bytes > bytesMax) break;
    count += 1;
  }
  return count;
}
