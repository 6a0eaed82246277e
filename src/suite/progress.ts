/**
 * The grid's progress line: a bar, counts and the estimated time left.
 *
 * @module
 */

/** `seconds` as `1h02m`, `4m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h${String(m).padStart(2, "0")}m`;
  if (m > 0) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/**
 * One progress line. The time left is the mean time of the runs done in this process
 * (skipped, already finished runs cost nothing) times the runs left.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { progressLine } from "./progress.ts";
 * assertEquals(
 *   progressLine({ done: 5, total: 10, ranNow: 5, elapsedSeconds: 50 }),
 *   "[##########----------]  5/10  50%  elapsed 50s  ETA 50s",
 * );
 * ```
 */
export function progressLine(
  p: { done: number; total: number; ranNow: number; elapsedSeconds: number; label?: string },
  width = 20,
): string {
  const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.round(fraction * width);
  const bar = "#".repeat(filled) + "-".repeat(width - filled);
  const eta = p.ranNow > 0 ? (p.elapsedSeconds / p.ranNow) * (p.total - p.done) : NaN;
  const count = `${String(p.done).padStart(String(p.total).length)}/${p.total}`;
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  return `[${bar}] ${count} ${pct}  elapsed ${formatDuration(p.elapsedSeconds)}  ETA ${
    p.done >= p.total ? "0s" : formatDuration(eta)
  }${p.label ? `  ${p.label}` : ""}`;
}
