// The TCP echo ceiling of the RPC and cluster benchmarks: a plain `node:net` server that writes
// back every chunk it reads, in its own process, and a load generator that keeps N frames of
// 1 KiB outstanding on one connection. Nothing is cheaper per request over a Node socket, so our
// servers' rates are reported as a ratio to this.

import { spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ECHO_FRAME_BYTES = 1024;

export interface ServerProcess {
  readonly port: number;
  readonly pid: number;
  stop(): void;
}

/**
 * Runs `script` (with tsx) in a child process that prints the port it listens on as its first
 * line of stdout.
 */
export function spawnPortServer(script: string, args: readonly string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${script} exited (${signal ?? String(code)}) before printing its port`)));
    child.stdout.once('data', (chunk: Buffer) => resolve({ port: Number(chunk.toString().trim()), pid: child.pid ?? 0, stop: () => child.kill() }));
  });
}

/** Listens on an ephemeral port of 127.0.0.1 and prints it; for the echo server's process. */
export function serveEcho(): void {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (address !== null && typeof address === 'object') process.stdout.write(`${address.port}\n`);
  });
}

export function startEchoServer(): Promise<ServerProcess> {
  return spawnPortServer(fileURLToPath(new URL('./echo-server.ts', import.meta.url)));
}

/** Echo ceiling: `inFlight` 1 KiB frames outstanding; each one echoed back is replaced by a new one. Resolves with frames/s. */
export function runEcho(port: number, inFlight: number, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.on('error', reject);
    const frame = Buffer.alloc(ECHO_FRAME_BYTES, 0x61);
    let received = 0;
    let done = 0;
    let stopped = false;
    let start = 0;
    socket.on('connect', () => {
      start = performance.now();
      socket.write(Buffer.concat(Array.from({ length: inFlight }, () => frame)));
      setTimeout(() => { stopped = true; }, ms);
    });
    socket.on('data', (chunk) => {
      received += chunk.length;
      const completed = Math.floor(received / ECHO_FRAME_BYTES) - done;
      if (completed === 0) return;
      done += completed;
      if (stopped) {
        if (received === done * ECHO_FRAME_BYTES) {
          const seconds = (performance.now() - start) / 1000;
          socket.destroy();
          resolve((done - inFlight) / seconds);
        }
        return;
      }
      socket.write(completed === 1 ? frame : Buffer.concat(Array.from({ length: completed }, () => frame)));
    });
  });
}
