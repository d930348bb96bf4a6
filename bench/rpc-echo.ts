// RPC server benchmark against a ceiling. The ceiling is a plain Node TCP echo server with 1 KiB
// frames; ours is RpcServer answering a trivial RPC (1 KiB blob in, the same 1 KiB back) through
// the full THFT path: framing, decode, handler table, encode, write coalescing, and RpcConnection
// on the client side. Each server runs in its own process; the load generator keeps 1, 16 or 64
// requests in flight on one connection and counts answers per second.
//
//   npm run bench:rpc-echo              full run (3 s per case)
//   npm run bench:rpc-echo -- --quick   short run

import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defineRpc, t } from '../cluster/rpc/index.ts';
import { HandlerTable, RpcConnection, RpcServer } from '../cluster/rpc/node/index.ts';
import { ECHO_FRAME_BYTES as FRAME, runEcho, spawnPortServer, startEchoServer } from './lib/tcp-echo.ts';

const CONCURRENCY = [1, 16, 64] as const;
const echoRpc = defineRpc('RPC_BENCH_ECHO', t.blob, t.blob);

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, serve: { type: 'boolean', default: false } } });
const caseMs = args.quick === true ? 800 : 3000;
const warmupMs = args.quick === true ? 200 : 500;

/** The RpcServer's process (this file with --serve). */
async function serveRpc(): Promise<void> {
  const server = new RpcServer({ handlers: new HandlerTable().on(echoRpc, async (payload) => payload) });
  const { port } = await server.listen();
  process.stdout.write(`${port}\n`);
}

/** Our server: `inFlight` workers, each calling the echo RPC again as soon as it is answered. */
async function runRpc(port: number, inFlight: number, ms: number): Promise<number> {
  const connection = await RpcConnection.connect({ port });
  const payload = new Uint8Array(FRAME).fill(0x61);
  let done = 0;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < end) {
      const answer = await connection.call(echoRpc, payload);
      if (answer.length !== FRAME) throw new Error('wrong echo length');
      done++;
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  connection.close();
  return done / seconds;
}

async function main(): Promise<void> {
  if (args.serve === true) return serveRpc();
  const echo = await startEchoServer();
  const rpc = await spawnPortServer(fileURLToPath(import.meta.url), ['--serve']);
  console.log(`rpc echo benchmark: ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), node ${process.version}, load ${loadavg().map((n) => n.toFixed(2)).join(', ')}`);
  console.log(`${caseMs} ms per case, 1 KiB frames / payloads, one connection, servers in their own processes\n`);
  console.log('| in flight | TCP echo ops/s | RpcServer ops/s | ratio |');
  console.log('|---|---|---|---|');
  try {
    for (const inFlight of CONCURRENCY) {
      await runEcho(echo.port, inFlight, warmupMs);
      const ceiling = await runEcho(echo.port, inFlight, caseMs);
      await runRpc(rpc.port, inFlight, warmupMs);
      const ours = await runRpc(rpc.port, inFlight, caseMs);
      const format = (n: number): string => Math.round(n).toLocaleString('en-US');
      console.log(`| ${inFlight} | ${format(ceiling)} | ${format(ours)} | ${(ours / ceiling).toFixed(2)} |`);
    }
  } finally {
    echo.stop();
    rpc.stop();
  }
}

await main();
