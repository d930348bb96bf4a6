// Backup policies in the meta server's MetaStore, one JSON value per policy under
// backup/policies/<name>, so they survive a meta server restart and a change of leader.
import type { MetaStore } from '../cluster/meta/store/meta-store.ts';
import type { BackupPolicy } from './core/policy.ts';

const PREFIX = 'backup/policies';

export class BackupPolicyStore {
  constructor(private readonly store: MetaStore) {}

  async list(): Promise<BackupPolicy[]> {
    const entries = await this.store.entries(PREFIX);
    return entries.filter(([key]) => key.startsWith(`${PREFIX}/`)).map(([, value]) => JSON.parse(value) as BackupPolicy);
  }

  async get(name: string): Promise<BackupPolicy | undefined> {
    const value = await this.store.get(`${PREFIX}/${name}`);
    return value === undefined ? undefined : (JSON.parse(value) as BackupPolicy);
  }

  put(policy: BackupPolicy): Promise<void> {
    return this.store.put(`${PREFIX}/${policy.name}`, JSON.stringify(policy));
  }
}
