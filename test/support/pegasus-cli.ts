// Runs the real `pegasus` command (bin/pegasus.js, as `npx pegasus` does) in a child process and
// collects its exit status and output; plus ports held for tests (and the onebox port picker).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/endpoints.ts';
export { freeOneboxBasePort } from '../../infra/onebox/ports.ts';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const PEGASUS = join(REPO_ROOT, 'bin', 'pegasus.js');

export function pegasus(args: readonly string[], timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [PEGASUS, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.once('error', reject);
    child.once('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** Listens on `port` (0: any) on 127.0.0.1; resolves with the port and a function that closes it. */
export function holdPort(port = 0): Promise<{ port: number; release: () => Promise<void> }> {
  return new Promise((resolveHold, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      const held = typeof address === 'object' && address !== null ? address.port : 0;
      resolveHold({ port: held, release: () => new Promise((resolveClose) => server.close(() => resolveClose())) });
    });
  });
}
