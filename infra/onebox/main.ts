// npm start [-- --metas 3 --zk] [--base-port N] [--dir D] [--fsync always|never] [--redis HOST:PORT]: runs a onebox
// (meta servers and 3 replica servers on 127.0.0.1) in the foreground until Ctrl-C. Also the
// detached launcher behind `pegasus onebox start` (with --background).
import { parseArgs } from 'node:util';
import { runOnebox } from './control.ts';
import { ONEBOX_START_OPTIONS, OneboxOptionError, oneboxOptionsFrom } from './options.ts';

function main(argv: readonly string[]): Promise<number> | number {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...ONEBOX_START_OPTIONS, background: { type: 'boolean' } }, strict: true, allowPositionals: false });
    const options = oneboxOptionsFrom(parsed.values, process.cwd());
    const background = parsed.values.background === true;
    const log = (line: string) => console.log(background ? `${new Date().toISOString()} ${line}` : line);
    return runOnebox(options, !background, log);
  } catch (error) {
    if (error instanceof OneboxOptionError || (error instanceof TypeError && 'code' in error)) {
      console.error(`npm start: ${error.message}\nusage: npm start [-- --metas 1|3 --zk] [--base-port N] [--dir D] [--fsync always|never] [--redis HOST:PORT]`);
      return 2;
    }
    throw error;
  }
}

Promise.resolve(main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : String(error));
    process.exitCode = 1;
  },
);
