// The real meta core (cluster/meta/core) behind the harness's SimMetaCoreFactory seam.
import { MetaCore, seedTableEntries } from '../../cluster/meta/core/index.ts';
import type { SimMetaCoreFactory } from './minimal-meta.ts';

export const realMetaCore: SimMetaCoreFactory = {
  name: 'real',
  seedTable: (table) => seedTableEntries(table),
  recover: ({ options, stored, nowMs }) => MetaCore.recover(options, nowMs, [...stored].sort(([a], [b]) => a.localeCompare(b))),
};
