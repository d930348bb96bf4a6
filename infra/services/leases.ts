// Machine-wide leases, so that several checkouts running `npm test` at once share the services on
// the default ports without pulling them from under each other. Every test run holds a lease on
// each service it uses (a file named after its pid, in a directory per service and address under
// the cache directory). A run that started a service but finishes while others still hold leases
// hands the process over (writes its pid file and command-line marker as the owner) instead of
// stopping it; the last lease holder to finish stops a handed-over process.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setting } from '../endpoints.ts';
import { isAlive, ownedPid, stopPid } from './process.ts';

export interface Owner {
  readonly pidFile: string;
  readonly marker: string;
}

const OWNER_FILE = 'owner.json';

function leaseDir(key: string): string {
  return join(setting('cacheDir'), 'leases', key.replace(/[^A-Za-z0-9.-]+/g, '_'));
}

/** Takes this process's lease on the service known by `key` (its name and address). */
export function takeLease(key: string): void {
  const dir = leaseDir(key);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, String(process.pid)), '');
}

/** Drops this process's lease; returns the pids of the other live holders (dead ones are forgotten). */
export function releaseLease(key: string): number[] {
  const dir = leaseDir(key);
  if (!existsSync(dir)) return [];
  rmSync(join(dir, String(process.pid)), { force: true });
  const others: number[] = [];
  for (const entry of readdirSync(dir)) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (isAlive(pid)) others.push(pid);
    else rmSync(join(dir, entry), { force: true });
  }
  return others;
}

/** Leaves the service running for the other holders; the last of them stops it. */
export function handOver(key: string, owner: Owner): void {
  const dir = leaseDir(key);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner));
}

/** Stops a process handed over on `key`, if there is one and it is still the one handed over. */
export async function stopHandedOver(key: string): Promise<boolean> {
  const file = join(leaseDir(key), OWNER_FILE);
  if (!existsSync(file)) return false;
  const owner = JSON.parse(readFileSync(file, 'utf8')) as Owner;
  rmSync(file, { force: true });
  const pid = ownedPid(owner.pidFile, owner.marker);
  if (pid === undefined) return false;
  await stopPid(pid, owner.pidFile);
  return true;
}
