// Data commands (set, get, scans, ...) through the client SDK.
import type { Command, GlobalOptions } from './args.ts';
import type { Output } from './format.ts';
import { ShellError } from './meta-http.ts';

export type DataCommand = Extract<Command, { kind: 'set' | 'get' | 'del' | 'exist' | 'ttl' | 'multi_set' | 'multi_get' | 'multi_del' | 'incr' | 'check_and_set' | 'count' | 'hash_scan' | 'full_scan' }>;

export function runDataCommand(command: DataCommand, _globals: GlobalOptions): Promise<Output> {
  return Promise.reject(new ShellError(`${command.kind}: data commands are not available yet`));
}
