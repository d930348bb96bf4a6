// Liveness: once faults stop and every node is back, each partition must become healthy (a
// primary and all secondaries serving, as the meta server sees it) and accept a write, within a
// stated bound of virtual time after the heal.
export interface PartitionRecovery {
  readonly gpid: string;
  /** First time after the heal the partition was seen healthy; undefined if never. */
  readonly healthyAtMs: number | undefined;
  /** First time after the heal a probe write to it was acknowledged; undefined if never. */
  readonly writeAckedAtMs: number | undefined;
}

export interface LivenessViolation {
  readonly gpid: string;
  readonly message: string;
}

export function checkLiveness(options: { healedAtMs: number; boundMs: number; partitions: readonly PartitionRecovery[] }): LivenessViolation[] {
  const deadline = options.healedAtMs + options.boundMs;
  const violations: LivenessViolation[] = [];
  for (const partition of options.partitions) {
    if (partition.healthyAtMs === undefined || partition.healthyAtMs > deadline) {
      violations.push({ gpid: partition.gpid, message: `not healthy within ${options.boundMs} ms of the heal at ${options.healedAtMs}` });
    } else if (partition.writeAckedAtMs === undefined || partition.writeAckedAtMs > deadline) {
      violations.push({ gpid: partition.gpid, message: `no write acknowledged within ${options.boundMs} ms of the heal at ${options.healedAtMs}` });
    }
  }
  return violations;
}
