// `<replica>/init-info.json`: the replica's ballot (made durable before anything of the Ready that
// carries it is sent) and the table it belongs to, so a restarted server knows what it hosts.
import { join } from 'node:path';
import type { AppSummary } from '../../rpc/cluster-messages.ts';
import type { Gpid } from '../../replication/configuration.ts';
import { readDurableFile, writeFileDurably } from './durable-file.ts';

export interface InitInfo {
  readonly gpid: Gpid;
  readonly ballot: bigint;
  readonly app: AppSummary;
}

const FILE = 'init-info.json';
const VERSION = 1;

export async function readInitInfo(directory: string): Promise<InitInfo | undefined> {
  const bytes = await readDurableFile(join(directory, FILE));
  if (bytes === undefined) return undefined;
  const path = join(directory, FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new Error(`${path} is not JSON: ${(cause as Error).message}`, { cause });
  }
  const value = parsed as { version?: unknown; gpid?: Gpid; ballot?: unknown; app?: AppSummary };
  if (value.version !== VERSION || typeof value.ballot !== 'string' || !/^\d+$/.test(value.ballot) ||
    typeof value.gpid?.appId !== 'number' || typeof value.gpid.partitionIndex !== 'number' || typeof value.app?.appId !== 'number') {
    throw new Error(`${path} is not a version ${VERSION} init-info`);
  }
  return { gpid: value.gpid, ballot: BigInt(value.ballot), app: value.app };
}

export function writeInitInfo(directory: string, info: InitInfo): Promise<void> {
  const text = JSON.stringify({ version: VERSION, gpid: info.gpid, ballot: info.ballot.toString(), app: info.app });
  return writeFileDurably(join(directory, FILE), new TextEncoder().encode(text));
}
