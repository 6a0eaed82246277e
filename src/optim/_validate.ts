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

/**
 * Spellings users bring from optax, timm and tf.js, and what this package calls them. A key is
 * suggested only where the owner knows it (`nesterov` is `useNesterov` for momentum, and LALC
 * has neither).
 */
const OTHER_SPELLINGS: Record<string, readonly string[]> = {
  eps: ["epsilon"],
  b1: ["beta1"],
  b2: ["beta2"],
  betas: ["beta1", "beta2"],
  lr: ["learningRate"],
  wd: ["weightDecay"],
  trust_coeff: ["trustCoefficient"],
  nesterov: ["useNesterov"],
  useNesterov: ["nesterov"],
  mask: ["weightDecayMask"],
  exclude: ["weightDecayMask", "trustRatioMask"],
};

/** Extra words for a key whose meaning changed, not only its spelling. */
const HINTS: Record<string, string> = {
  exclude: " (true = apply, the complement of exclude: rankAbove(1) for rankAtMost(1))",
};

const loose = (key: string) => key.toLowerCase().replaceAll("_", "");

/**
 * Throws one line for the first key of `options` not in `known`, naming the known spelling
 * when there is one (`lars: unknown option "eps"; use "epsilon"`), else listing the allowed
 * keys. A misspelled option would otherwise be ignored and its default used silently.
 */
export function checkKeys(owner: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggested = (OTHER_SPELLINGS[key] ?? known.filter((k) => loose(k) === loose(key)))
      .filter((k) => known.includes(k));
    if (suggested.length > 0) {
      throw new Error(
        `${owner}: unknown option "${key}"; use ${suggested.map((k) => `"${k}"`).join(" and ")}${
          HINTS[key] ?? ""
        }`,
      );
    }
    throw new Error(`${owner}: unknown option "${key}"; allowed: ${known.join(", ")}`);
  }
}

/** `value` must be one of `allowed` (strings). */
export function checkOneOf<T extends string>(
  owner: string,
  name: string,
  value: T,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value)) {
    fail(owner, name, JSON.stringify(value), `one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }
  return value;
}

/** `options` must be an object (the optimizers' single argument). */
export function checkOptionsObject(owner: string, options: unknown): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new Error(
      `${owner}: options must be an object such as { learningRate: 0.1 }, got ${String(options)}`,
    );
  }
}
