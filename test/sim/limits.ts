// Bounds of the simulated world. They belong to the test harness, not to the product, so they
// live here rather than in common/limits.ts.

/** Events waiting in the virtual-time queue; more means a runaway timer loop. */
export const SIM_EVENTS_QUEUED_MAX = 200_000;
/** Events one seed may execute before it is declared stuck. */
export const SIM_EVENTS_PER_RUN_MAX = 200_000;
/** Packets in flight on one directed link; beyond it the network drops, as a full buffer would. */
export const SIM_PACKETS_IN_FLIGHT_PER_LINK_MAX = 1_000;
/** Entries one simulated log holds. */
export const SIM_LOG_ENTRIES_MAX = 100_000;
/** States the linearizability search may visit for one key before it gives up as "unknown". */
export const LINEARIZABILITY_STEPS_MAX = 2_000_000;
/** Operations one key's history may hold; keeps the checker's search small. */
export const HISTORY_OPS_PER_KEY_MAX = 2_000;
