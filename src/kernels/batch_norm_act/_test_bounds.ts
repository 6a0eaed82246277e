/**
 * Test helper: batch norm's webgpu row bounds (./webgpu.ts, ./webgpu_blocked.ts) moved for
 * a run and restored after, so that a test can force every shape through one program.
 *
 * @module
 */
import { BLOCKED_ROWS, bnDispatching, ONE_DISPATCH_ROWS } from "./webgpu.ts";
import { bnBlocking, ROWS_PER_THREAD } from "./webgpu_blocked.ts";

/** The row bounds of a run. */
export interface BnBounds {
  readonly oneDispatchRows: number;
  readonly blockedRows: number;
  readonly rowsPerThread: number;
}

/** The bounds as shipped. */
export const SHIPPED_BN_BOUNDS: BnBounds = {
  oneDispatchRows: ONE_DISPATCH_ROWS,
  blockedRows: BLOCKED_ROWS,
  rowsPerThread: ROWS_PER_THREAD,
};

/** Every shape per channel: two dispatches each way. */
export const PER_CHANNEL_BN_BOUNDS: BnBounds = {
  ...SHIPPED_BN_BOUNDS,
  oneDispatchRows: 0,
  blockedRows: Infinity,
};

/** Every shape by blocks of rows, cut into as many blocks as can be. */
export const BLOCKED_BN_BOUNDS: BnBounds = { oneDispatchRows: 0, blockedRows: 0, rowsPerThread: 1 };

function setBounds(bounds: BnBounds): void {
  bnDispatching.oneDispatchRows = bounds.oneDispatchRows;
  bnDispatching.blockedRows = bounds.blockedRows;
  bnBlocking.rowsPerThread = bounds.rowsPerThread;
}

/** Runs `run` with `bounds` in force, then restores {@link SHIPPED_BN_BOUNDS}. */
export async function withBnBounds<T>(bounds: BnBounds, run: () => Promise<T>): Promise<T> {
  setBounds(bounds);
  try {
    return await run();
  } finally {
    setBounds(SHIPPED_BN_BOUNDS);
  }
}
