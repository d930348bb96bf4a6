// Runs a TypeScript child script that prints one line per acknowledged operation, kills it with
// SIGKILL once it printed `killAfterLines` lines, and hands every complete line to `onLine`; crash
// tests use it to learn what was acknowledged before the kill.
import { spawn } from 'node:child_process';

export async function runAndKillAfterLines(
  script: string,
  args: readonly string[],
  killAfterLines: number,
  onLine: (line: string) => void,
): Promise<void> {
  const child = spawn(process.execPath, ['--import=tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = 0;
  let partial = '';
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve());
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        onLine(line);
        count += 1;
      }
      if (count >= killAfterLines && child.exitCode === null) child.kill('SIGKILL');
    });
  });
}
