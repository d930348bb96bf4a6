// Who listens on a TCP port, read from Linux's /proc: to tell our own server process from another
// one answering on the same port.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is field 1, st (0A = LISTEN) field 3, inode field 9.
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (local?.endsWith(portHex) === true && state === '0A' && inode !== undefined) inodes.add(inode);
    }
  }
  return inodes;
}

/** Whether some process listens on `port` (Linux /proc). */
export function portListened(port: number): boolean {
  return listeningInodes(port).size > 0;
}

/** Whether process `pid` itself holds the listening socket on `port` (Linux /proc). */
export function listensOn(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) return true;
    } catch {
      // the descriptor closed meanwhile
    }
  }
  return false;
}
