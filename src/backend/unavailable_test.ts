/**
 * The backend library reports and the command line words: without `--allow-ffi` the library
 * prints nothing and throws a typed error with no command-line advice; `startBackend` adds it.
 */
import { runChildScript } from "../_test_child.ts";
import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { startBackend } from "../cli/guard.ts";
import { BackendUnavailableError } from "./unavailable.ts";

Deno.test("without --allow-ffi: defaultBackend is silent, useBackend('native') throws BackendUnavailableError", async () => {
  const script = `
    import { BackendUnavailableError, defaultBackend, nativeUnavailableReason, useBackend } from "./src/backend/mod.ts";
    const chosen = await defaultBackend();
    const error = await useBackend("native").then(() => null, (e) => e);
    console.log(JSON.stringify({
      chosen,
      reason: nativeUnavailableReason(),
      typed: error instanceof BackendUnavailableError,
      backend: error?.backend,
      message: error?.message,
    }));
  `;
  const out = await runChildScript(script, ["--allow-read", "--allow-env"]);
  const stderr = out.stderr;
  assertEquals(out.code, 0, stderr);
  assertEquals(stderr.includes("note:"), false, `the library printed: ${stderr}`);
  const got = JSON.parse(out.stdout);
  assertEquals(got.chosen, "wasm");
  assert(got.reason.startsWith("no --allow-ffi for "), got.reason);
  assertEquals(got.typed, true);
  assertEquals(got.backend, "native");
  assertEquals(got.message, `backend "native" unavailable: ${got.reason}`);
});

Deno.test("startBackend words a BackendUnavailableError with the --backend to use instead", async () => {
  await rejects(
    startBackend(() => Promise.reject(new BackendUnavailableError("native", "libdnnl.so.2: gone"))),
    {
      exitCode: 2,
      message: 'backend "native" unavailable: libdnnl.so.2: gone; use --backend wasm',
    },
  );
  await rejects(
    startBackend(() => Promise.reject(new BackendUnavailableError("webgpu", "no adapter"))),
    { exitCode: 2, message: 'backend "webgpu" unavailable: no adapter; use --backend wasm' },
  );
});
