/**
 * deno.json cannot share a variable between its tasks, so each task that grants
 * `--allow-ffi` spells out the native libraries again; these tests hold every copy to the one
 * list in the code.
 */
import { runChildScript } from "../_test_child.ts";
import assert from "node:assert/strict";
import { NATIVE_LIBRARY_PATHS } from "./native_ffi.ts";

const root = new URL("../../", import.meta.url);

/** Every `--allow-ffi` value of `text`: the scoped list, or `""` for a bare flag. */
function allowFfiLists(text: string): string[] {
  return [...text.matchAll(/--allow-ffi(?:=([^\s"']*))?/g)].map((m) => m[1] ?? "");
}

Deno.test("allowFfiLists reads the scoped list and a bare flag", () => {
  assert.deepEqual(allowFfiLists("deno run --allow-ffi=/a.so,/b.so x.ts --allow-ffi y"), [
    "/a.so,/b.so",
    "",
  ]);
});

Deno.test("every deno.json task grants --allow-ffi for exactly NATIVE_LIBRARY_PATHS", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    tasks: Record<string, string>;
  };
  const expected = NATIVE_LIBRARY_PATHS.join(",");
  const wrong = Object.entries(config.tasks).flatMap(([name, command]) =>
    allowFfiLists(command).filter((list) => list !== expected).map((list) =>
      `${name}: ${list === "" ? "(bare --allow-ffi)" : list}`
    )
  );
  assert.deepEqual(wrong, [], `tasks whose --allow-ffi is not ${expected}`);
  // The count guards the regex: the tasks that run native kernels do grant it.
  const granting = Object.values(config.tasks).filter((c) => allowFfiLists(c).length > 0);
  assert.ok(granting.length >= 9, `only ${granting.length} tasks grant --allow-ffi`);
});

Deno.test("tools/bench_workers.sh takes its --allow-ffi list from the code", async () => {
  const script = await Deno.readTextFile(new URL("tools/bench_workers.sh", root));
  assert.match(script, /NATIVE_LIBRARY_PATHS/);
  assert.deepEqual(script.match(/\.so[.\d]*/g) ?? [], [], "a library path spelled out");
  // Run the module the script pipes to deno, as the script does.
  const module = script.match(/echo '([^']*)' \|\s*deno run --ext=ts -\)/)?.[1];
  assert.ok(module !== undefined, "no `echo '...' | deno run --ext=ts -` in the script");
  const out = await runChildScript(module, []);
  assert.equal(out.code, 0, out.stderr);
  assert.equal(out.stdout.trim(), NATIVE_LIBRARY_PATHS.join(","));
});
