/**
 * Validation helpers for command-line numbers and choices: each failure names the option,
 * the bad value and what is allowed.
 *
 * @module
 */

/** A usage error: the CLI prints its message and exits with code 2. */
export class UsageError extends Error {
  /** @param message what was wrong and what is allowed. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Parses `--name value` as an integer in [min, max]. */
export function intOption(name: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Infinity ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
    throw new UsageError(`--${name}: "${value}" is not allowed; expected ${range}`);
  }
  return n;
}

/** Parses `--name value` as a finite number in [min, max]. */
export function numberOption(name: string, value: string, min: number, max = Infinity): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
    const range = max === Infinity ? `a number >= ${min}` : `a number in [${min}, ${max}]`;
    throw new UsageError(`--${name}: "${value}" is not allowed; expected ${range}`);
  }
  return n;
}

/** Checks `--name value` against a list of allowed choices. */
export function choiceOption<T extends string>(
  name: string,
  value: string,
  allowed: readonly T[],
): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(
      `--${name}: "${value}" is not allowed; expected one of ${allowed.join(", ")}`,
    );
  }
  return value as T;
}
