/**
 * Kept for `gate_power.ts`, which still imports this path: the statistics are defined once,
 * in src/stats/stats.ts (shared with the diagnostics).
 *
 * @module
 */
export { studentTQuantile } from "../stats/stats.ts";
