/**
 * Shared pieces of the `explode` command line: comma-separated lists and the usage error.
 *
 * @module
 */
import { UsageError } from "../train/options.ts";

export { UsageError };

/** Splits `--name a,b,c` and parses each item with `parse` (which names `name` on failure). */
export function listOption<T>(
  name: string,
  value: string,
  parse: (name: string, item: string) => T,
): T[] {
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) {
    throw new UsageError(`--${name}: "${value}" is not allowed; expected a comma-separated list`);
  }
  return items.map((item) => parse(name, item));
}

/** Every combination of the given lists, as objects (first key varies slowest). */
export function cartesian<T extends Record<string, readonly unknown[]>>(
  lists: T,
): { [K in keyof T]: T[K][number] }[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(lists)) {
    out = out.flatMap((o) => values.map((v) => ({ ...o, [key]: v })));
  }
  return out as { [K in keyof T]: T[K][number] }[];
}
