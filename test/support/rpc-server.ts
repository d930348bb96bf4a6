// An RpcServer on 127.0.0.1:0 serving put, get and clear_scanner from a Partition on a MemoryEngine,
// plus test RPCs: echo (a blob back, after the delay its first byte names in ms), a gated call that
// waits until the test opens the gate, and one whose handler throws.
import { ManualClock } from '../../common/clock.ts';
import { defineRpc, t, clientRpcs } from '../../cluster/rpc/index.ts';
import { HandlerTable, RpcServer, type RpcServerOptions } from '../../cluster/rpc/node/index.ts';
import { encodeKey } from '../../cluster/storage/key-schema.ts';
import { MemoryEngine } from '../../cluster/storage/memory-engine.ts';
import { Partition } from '../../cluster/storage/partition.ts';

export const echoRpc = defineRpc('RPC_TEST_ECHO', t.blob, t.blob);
export const gatedRpc = defineRpc('RPC_TEST_GATED', t.i32, t.i32);
export const throwingRpc = defineRpc('RPC_TEST_THROWS', t.i32, t.i32);

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
export const key = (hashKey: string, sortKey: string): Uint8Array => encodeKey(utf8(hashKey), utf8(sortKey));

export interface TestServer {
  readonly server: RpcServer;
  readonly port: number;
  readonly partition: Partition;
  /** Context ids of the clear_scanner calls received. */
  readonly cleared: bigint[];
  /** Messages the server logged. */
  readonly logged: string[];
  /** Resolves every gated call waiting so far. */
  openGate(): void;
  /** Resolves the gated calls waiting with argument `n`. */
  release(n: number): void;
  /** Gated calls waiting for the gate. */
  gatedWaiting(): number;
  stop(): Promise<void>;
}

export async function startTestServer(options: Partial<Omit<RpcServerOptions, 'handlers'>> = {}): Promise<TestServer> {
  const clock = new ManualClock();
  const engine = new MemoryEngine();
  const partition = await Partition.open(engine, { clock });
  const stamp = { appId: 1, partitionIndex: 0, server: '127.0.0.1:0' };
  let decree = partition.appliedDecree;
  const cleared: bigint[] = [];
  const logged: string[] = [];
  let gate: Array<{ readonly n: number; readonly release: () => void }> = [];
  const handlers = new HandlerTable()
    .on(clientRpcs.put, async (request) => {
      decree++;
      const { kind, key: k, value, expireTsSeconds } = request;
      const result = await partition.applyMutation({ decree, timestampUs: BigInt(clock.nowMs()) * 1000n, requests: [{ kind, key: k, value, expireTsSeconds }] });
      if (result.kind !== 'applied') throw new Error(`decree ${decree} not applied`);
      const response = result.responses[0];
      if (response?.kind !== 'update_response') throw new Error('put answered with another response kind');
      return { ...response, ...stamp };
    })
    .on(clientRpcs.get, async (request) => ({ ...(await partition.get(request)), ...stamp }))
    .onOneWay(clientRpcs.clearScanner, async (request) => {
      cleared.push(request.contextId);
    })
    .on(echoRpc, async (payload) => {
      const delay = payload[0] ?? 0;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      return payload;
    })
    .on(gatedRpc, (n) => new Promise((resolve) => gate.push({ n, release: () => resolve(n) })))
    .on(throwingRpc, async () => {
      throw new Error('handler bug');
    });
  const server = new RpcServer({ handlers, log: (message) => logged.push(message), ...options });
  const { port } = await server.listen();
  return {
    server, port, partition, cleared, logged,
    gatedWaiting: () => gate.length,
    openGate() {
      const waiting = gate;
      gate = [];
      for (const call of waiting) call.release();
    },
    release(n) {
      const chosen = gate.filter((call) => call.n === n);
      gate = gate.filter((call) => call.n !== n);
      for (const call of chosen) call.release();
    },
    async stop() {
      await server.close();
      await partition.close();
    },
  };
}
