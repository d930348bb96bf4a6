// The real meta core (cluster/meta/core) behind the harness's SimMetaCoreFactory seam.
import { MetaCore, seedTableEntries } from '../../cluster/meta/core/index.ts';
import type { Gpid } from '../../cluster/meta/core/index.ts';
import type { SimMetaCoreFactory } from './minimal-meta.ts';

export const realMetaCore: SimMetaCoreFactory = {
  name: 'real',
  seedTable: (table) => seedTableEntries(table),
  recover: ({ options, stored, nowMs }) => {
    const { core, actions } = MetaCore.recover(options, nowMs, [...stored].sort(([a], [b]) => a.localeCompare(b)));
    const view = Object.assign(core, { diagnose: (gpid: Gpid): string => core.status(gpid)?.diagnosis ?? '' });
    return { core: view, actions };
  },
};
