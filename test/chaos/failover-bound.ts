// The failover bound of a onebox, derived from the failure-detector settings its servers run with
// (the meta server's defaults: the onebox passes none), as cluster/meta/README.md describes them.
import { coreOptions, parseMetaConfig } from '../../cluster/meta/shell/config.ts';

export interface FailoverBound {
  readonly graceMs: number;
  readonly checkIntervalMs: number;
  readonly cureIntervalMs: number;
  readonly leaseMs: number;
  readonly zkSessionTimeoutMs: number;
  /** A dead primary's partitions take writes again within this (replica server killed). */
  readonly replicaMs: number;
  /** How the bound adds up, for the test log and the docs. */
  readonly explanation: string;
}

export function oneboxFailoverBound(): FailoverBound {
  const config = parseMetaConfig(['--data', 'unused'], {});
  const core = coreOptions(config);
  const { graceMs, checkIntervalMs, leaseMs } = core.failureDetector;
  const cureIntervalMs = core.cureIntervalMs;
  // The meta server declares a silent replica server dead `grace` after the last beacon it got
  // (sent before the kill), notices at its next check, downgrades the dead primary and at its next
  // cure promotes a secondary; one more check interval covers the store writes and the client
  // finding the new primary.
  const replicaMs = graceMs + 2 * checkIntervalMs + cureIntervalMs;
  return {
    graceMs, checkIntervalMs, cureIntervalMs, leaseMs, zkSessionTimeoutMs: config.zkSessionTimeoutMs, replicaMs,
    explanation: `grace ${graceMs} ms + 2 x check ${checkIntervalMs} ms + cure ${cureIntervalMs} ms = ${replicaMs} ms`,
  };
}
