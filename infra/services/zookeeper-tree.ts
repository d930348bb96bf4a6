// Removing a ZooKeeper subtree (a test's or a onebox's root) with a bound on how many nodes it
// visits, so a wrong path cannot turn into an unbounded walk of somebody else's data.
import { META_STORE_ENTRIES_MAX } from '../../common/limits.ts';
import type { ZooKeeperSession } from '../../cluster/meta/store/zookeeper-session.ts';

/** Removes `path` and everything below it; a path that does not exist is fine. Resolves with the nodes removed. */
export async function removeTree(session: ZooKeeperSession, path: string, budget = { nodes: 2 * META_STORE_ENTRIES_MAX }): Promise<number> {
  if (--budget.nodes < 0) throw new Error(`removing ${path}: more than ${2 * META_STORE_ENTRIES_MAX} ZooKeeper nodes; not a tree this code made`);
  const children = await session.getChildren(path).catch(() => []);
  let removed = 0;
  for (const child of children) removed += await removeTree(session, `${path}/${child}`, budget);
  await session.remove(path).then(() => { removed += 1; }, () => undefined);
  return removed;
}
