// Short timeouts for scripted scenarios, so a scenario reads in a handful of ticks.
import type { ReplicaCoreOptions } from '../../cluster/replication/api.ts';

export const SCENARIO_OPTIONS: Partial<ReplicaCoreOptions> = {
  emptyWriteIdleTicks: 5,
  groupCheckIntervalTicks: 20,
  prepareTimeoutTicks: 10,
  prepareRetryTicks: 3,
  learnRetryTicks: 5,
  metaRetryTicks: 5,
};
