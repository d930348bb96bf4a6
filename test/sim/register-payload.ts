// The simulated state machine's write payload: one register write per client request, encoded as
// JSON text in the opaque bytes the replication core carries. A mutation's digest is the text of
// its requests, so replicas that applied different content at a decree are told apart.
import type { Mutation } from '../../cluster/replication/index.ts';

export interface RegisterWrite {
  readonly key: string;
  readonly value: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeWrite(write: RegisterWrite): Uint8Array {
  return encoder.encode(JSON.stringify([write.key, write.value]));
}

export function decodeWrite(payload: Uint8Array): RegisterWrite {
  const [key, value] = JSON.parse(decoder.decode(payload)) as [string, string];
  return { key, value };
}

export function mutationDigest(mutation: Mutation): string {
  if (mutation.requests.length === 0) return 'empty';
  return mutation.requests.map((request) => decoder.decode(request)).join('|');
}
