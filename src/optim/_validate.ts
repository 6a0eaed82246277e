/**
 * Hyperparameter checks shared by the schedules and optimizers. Each failure names the
 * owner, the parameter, the bad value and the allowed range, so a typo in a sweep config is
 * caught at construction instead of showing up as NaN weights many steps later.
 *
 * @module
 */

function fail(owner: string, name: string, value: unknown, allowed: string): never {
  throw new Error(`${owner}: ${name} must be ${allowed}, got ${String(value)}`);
}

/** `value` must be finite and >= 0. */
export function checkNonNegative(owner: string, name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    fail(owner, name, value, "a finite number >= 0");
  }
  return value;
}

/** `value` must be finite and > 0. */
export function checkPositive(owner: string, name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    fail(owner, name, value, "a finite number > 0");
  }
  return value;
}

/** `value` must lie in [0, 1): momentum and Adam's betas (1 would never forget). */
export function checkUnitInterval(owner: string, name: string, value: number): number {
  if (typeof value !== "number" || !(value >= 0 && value < 1)) {
    fail(owner, name, value, "in [0, 1)");
  }
  return value;
}

/** `value` must be a boolean. */
export function checkBoolean(owner: string, name: string, value: boolean): boolean {
  if (typeof value !== "boolean") fail(owner, name, value, "true or false");
  return value;
}
