// Backup on the meta server: the policies (kept in the MetaStore) and, while this server leads,
// the BullMQ orchestrator on the configured Redis with every enabled policy scheduled. Partition
// jobs go to the partition's primary as the meta core knows it now. Without --redis every backup
// request answers ERR_SERVICE_NOT_ACTIVE and the rest of the meta server runs as usual.
import { abortableSleep } from '../../../backup/abortable-sleep.ts';
import { openBlockStore } from '../../../backup/block-store/open.ts';
import { BackupError } from '../../../backup/core/backup-error.ts';
import { checkPolicyName, checkTables, checkTarget, modifyPolicy, policyFromInput, type BackupPolicy, type BackupPolicyInput } from '../../../backup/core/policy.ts';
import { BackupOrchestrator, type BackupStatus } from '../../../backup/jobs/backup-orchestrator.ts';
import { RemotePartitionRunner } from '../../../backup/jobs/remote-partition-runner.ts';
import { BackupPolicyStore } from '../../../backup/policy-store.ts';
import { BACKUP_POLICIES_MAX } from '../../../common/limits.ts';
import type { Clock } from '../../../common/clock.ts';
import type { BackupPartitionRequest, BackupPartitionResponse } from '../../rpc/cluster-messages.ts';
import type { MetaCore } from '../core/meta-core.ts';
import type { MetaStore } from '../store/meta-store.ts';

export interface MetaBackupOptions {
  /** Redis for BullMQ, "host:port"; undefined disables backup. */
  readonly redis: { readonly host: string; readonly port: number } | undefined;
  readonly clusterName: string;
  /** Key prefix of the backup queues in Redis. */
  readonly prefix: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
  readonly call: (to: string, request: BackupPartitionRequest, timeoutMs: number) => Promise<BackupPartitionResponse>;
}

export interface PolicyView extends BackupPolicy {
  /** Unix ms of the next scheduled run, when scheduled. */
  readonly nextRunMs?: number;
}

export class MetaBackup {
  private term: { readonly policies: BackupPolicyStore; readonly orchestrator: BackupOrchestrator; readonly core: () => MetaCore | undefined } | undefined;
  private starting: Promise<void> | undefined;
  /** The orchestrators being closed; a new term and close() wait for them. */
  private ending: Promise<void> = Promise.resolve();

  constructor(private readonly options: MetaBackupOptions) {}

  /** This server leads: start the orchestrator and schedule every enabled policy. */
  begin(store: MetaStore, core: () => MetaCore | undefined): void {
    const redis = this.options.redis;
    if (redis === undefined || this.term !== undefined) return;
    const policies = new BackupPolicyStore(store);
    const orchestrator = new BackupOrchestrator({
      redis,
      prefix: this.options.prefix,
      clusterName: this.options.clusterName,
      runner: new RemotePartitionRunner({
        primaryOf: (appId, partitionIndex) => {
          const primary = core()?.config({ appId, partitionIndex })?.primary;
          return primary === undefined || primary === '' ? undefined : primary;
        },
        call: this.options.call,
        sleep: abortableSleep,
      }),
      openStore: (target) => openBlockStore(target),
      nowMs: () => this.options.clock.nowMs(),
      policy: (name) => policies.get(name),
      resolveTable: (name) => {
        const table = core()?.table(name);
        if (table?.status !== 'available') return undefined;
        return { name: table.name, appId: table.appId, partitionCount: table.partitionCount, replicaCount: table.maxReplicaCount };
      },
      log: this.options.log,
    });
    this.term = { policies, orchestrator, core };
    const previous = this.ending;
    this.starting = (async () => {
      await previous;
      await orchestrator.start();
      await orchestrator.syncPolicies(await policies.list());
    })().catch((error: unknown) => this.options.log(`backup: starting the job workers failed: ${(error as Error).message}`));
  }

  /** This server stopped leading (or closes): stop taking jobs; schedules stay in Redis. */
  end(): Promise<void> {
    const term = this.term;
    this.term = undefined;
    const starting = this.starting;
    this.ending = this.ending.then(async () => {
      await starting;
      await term?.orchestrator.close().catch((error: unknown) => this.options.log(`backup: closing the job workers failed: ${(error as Error).message}`));
    });
    return this.ending;
  }

  async addPolicy(input: BackupPolicyInput): Promise<BackupPolicy> {
    const term = await this.ready();
    const policy = policyFromInput(input, this.tableNames(term.core()));
    if ((await term.policies.get(policy.name)) !== undefined) throw new BackupError('ERR_POLICY_ALREADY_EXIST', `a backup policy named ${policy.name} exists already`, false);
    if ((await term.policies.list()).length >= BACKUP_POLICIES_MAX) throw new BackupError('ERR_INVALID_PARAMETERS', `at most ${BACKUP_POLICIES_MAX} backup policies`, false);
    await term.orchestrator.schedulePolicy(policy);
    await term.policies.put(policy);
    return policy;
  }

  async listPolicies(): Promise<PolicyView[]> {
    const term = await this.ready();
    const next = await term.orchestrator.nextRuns();
    return (await term.policies.list()).map((policy) => {
      const nextRunMs = next.get(policy.name);
      return nextRunMs === undefined ? policy : { ...policy, nextRunMs };
    });
  }

  async queryPolicy(name: string): Promise<PolicyView & { readonly backups: readonly string[] }> {
    const term = await this.ready();
    const policy = (await this.listPolicies()).find((found) => found.name === checkPolicyName(name));
    if (policy === undefined) throw new BackupError('ERR_OBJECT_NOT_FOUND', `no backup policy named ${name}`, false);
    return { ...policy, backups: await term.orchestrator.listBackups(policy.name) };
  }

  async modifyPolicy(name: string, input: BackupPolicyInput): Promise<BackupPolicy> {
    const term = await this.ready();
    const policy = await this.policyNamed(term.policies, name);
    const modified = modifyPolicy(policy, input, this.tableNames(term.core()));
    await term.orchestrator.schedulePolicy(modified);
    await term.policies.put(modified);
    return modified;
  }

  async setEnabled(name: string, enabled: boolean): Promise<BackupPolicy> {
    const term = await this.ready();
    const policy = { ...(await this.policyNamed(term.policies, name)), enabled };
    await term.orchestrator.schedulePolicy(policy);
    await term.policies.put(policy);
    return policy;
  }

  async backupApp(request: { readonly table: unknown; readonly target: unknown }): Promise<string> {
    const term = await this.ready();
    const tables = checkTables(typeof request.table === 'string' ? [request.table] : request.table, this.tableNames(term.core()));
    return term.orchestrator.startBackup({ tables, target: checkTarget(request.target), policyName: '', keep: 0 });
  }

  async status(backupId: string | undefined): Promise<BackupStatus[]> {
    const term = await this.ready();
    const ids = backupId === undefined ? await term.orchestrator.listBackups() : [backupId];
    const statuses = [];
    for (const id of ids) statuses.push(await term.orchestrator.status(id));
    return statuses;
  }

  async cancel(backupId: string): Promise<void> {
    await (await this.ready()).orchestrator.cancel(backupId);
  }

  private async ready(): Promise<NonNullable<typeof this.term>> {
    if (this.options.redis === undefined) {
      throw new BackupError('ERR_SERVICE_NOT_ACTIVE', 'backup needs Redis: start the meta server with --redis HOST:PORT (docs/operations.md)', false);
    }
    await this.starting;
    const term = this.term;
    if (term === undefined || term.core() === undefined) throw new BackupError('ERR_SERVICE_NOT_ACTIVE', 'this meta server does not lead (or is still reading its state)', true);
    return term;
  }

  private tableNames(core: MetaCore | undefined): Set<string> {
    return new Set((core?.tables() ?? []).filter((table) => table.status === 'available').map((table) => table.name));
  }

  private async policyNamed(policies: BackupPolicyStore, name: string): Promise<BackupPolicy> {
    const policy = await policies.get(checkPolicyName(name));
    if (policy === undefined) throw new BackupError('ERR_OBJECT_NOT_FOUND', `no backup policy named ${name}`, false);
    return policy;
  }
}
