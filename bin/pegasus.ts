// The `pegasus` command: cluster administration, data commands and the local onebox.
// `pegasus help` lists the commands; docs/shell.md has an example of each.
import { runShell } from '../infra/shell/run.ts';

runShell(process.argv.slice(2), {
  stdout: (text) => { process.stdout.write(`${text}\n`); },
  stderr: (text) => { process.stderr.write(`${text}\n`); },
  cwd: process.cwd(),
  nowMs: () => Date.now(),
}).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`pegasus: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 70;
  },
);
