import assert from "node:assert/strict";
import { adapterNote, webgpuAdapterInChild } from "../src/backend/_test_webgpu_adapter.ts";
import { childJsonReport } from "../src/_test_child.ts";
import { BATCH_FULL } from "../src/backend/webgpu_counts.ts";
import type { GpuCountsReport } from "./_test_gpu_counts.ts";

const adapter = await webgpuAdapterInChild();

/** Runs _test_gpu_counts.ts in a child process (WebGPU stays out of the test runner). */
const report = () =>
  childJsonReport<GpuCountsReport>(new URL("./_test_gpu_counts.ts", import.meta.url), [
    "--allow-read",
    "--allow-env",
  ]);

Deno.test({
  name: `webgpu training step: no uploads, every pass ends at a submit, counts at most measured${
    adapterNote(adapter)
  }`,
  ignore: adapter === null,
  fn: async () => {
    const got = await report();
    assert.ok(got.mlp, "no counts from the child");
    assert.deepEqual(got.notRestored, [], "the counter left the backend changed");
    // globalAveragePool's gradient is broadcast(dy / N) where tf.js' is dy * ones / N.
    assert.equal(got.poolGradientDiffers, 0, "pool gradient differs from tf.js' mean's");
    const { total, steps, tensors } = got.mlp;
    console.log(JSON.stringify({ ...total, programs: undefined }));
    // mlp:16:64:128, momentum, 8 counted steps, losses read every 4 (2 reads). Measured on
    // lavapipe, per step, before this branch's cuts (tf.js' `ones` seed and mean gradient;
    // bench/gpu_counts.ts, 8 steps, 1 read): 277.4 dispatches, 18.75 passes, 18.5 submits,
    // 1 upload (the loss seed; it ended 0.25 passes a step). After: 278.25 dispatches (+1: the seed's Fill), 18.75 passes,
    // 18.75 submits, 0 uploads; every pass ends at a submit (2226, 150, 150 in total). Since
    // the fused update and BN write several outputs per dispatch (src/kernels/
    // webgpu_multi_output.ts): 1442 dispatches, 98 passes, 98 submits in total (180.25,
    // 12.25, 12.25 a step). Since the update goes by chunks of tensors and the step norms
    // bind as many tensors as the device allows (its own storage buffer limit, 32 here):
    // 1066 dispatches, 72 passes, 72 submits (133.25, 9, 9 a step). Since BN takes one
    // dispatch each way at an MLP's 128 rows: 810 dispatches, 54 passes, 56 submits (101.25,
    // 6.75, 7 a step); both reads now come where tf.js' batch had just been submitted, so they
    // end no pass and their submits carry none.
    assert.equal(total.uploads, 0, `uploads ${JSON.stringify(total.uploaded)}`);
    const passEnds = Object.keys(total.passEnds);
    assert.ok(passEnds.every((end) => end === BATCH_FULL || end === "read"), passEnds.join());
    assert.equal(total.reads, 2);
    assert.ok(total.passes <= total.submits, "a pass ended without a submit");
    assert.ok(total.dispatches <= 810, `dispatches ${total.dispatches / steps} a step`);
    assert.ok(total.submits <= 56, `submits ${total.submits / steps} a step`);
    // Measured: 134 tensors after the warm-up's read and after each of the two later reads.
    assert.ok(tensors.every((n) => n === tensors[0]), `tensors ${tensors}`);
    // cnn:3:8:32, 4 counted steps, 1 read. Measured per step before the cuts (bench, 8 steps,
    // 1 read): 73.4 dispatches, 7.75 passes, 5 submits, 3 uploads (the seed, and tf.js' mean
    // gradient's ones [32,7,7,8] and N: 2.75 pass ends a step). After, here: 75.25
    // dispatches (+Fill, +Tile, -Mul), 5.25 passes, 5.25 submits, 0 uploads (301, 21, 21) on
    // tf.js' convolutions; on the project's (the default since), 313 dispatches and 21 submits
    // in 4 steps: the filter gradient's split-K sum is a second dispatch for each of 3 convs.
    // With several outputs per dispatch in the update and BN: 233 dispatches, 16 submits; with
    // the update by chunks and the norms by the device's limit: 193 and 13.
    const cnn = got.cnn!.total;
    assert.equal(cnn.uploads, 0, `cnn uploads ${JSON.stringify(cnn.uploaded)}`);
    assert.equal(cnn.passes, cnn.submits, "a cnn pass ended without a submit");
    assert.ok(cnn.dispatches <= 193 && cnn.submits <= 13, `cnn ${cnn.dispatches}, ${cnn.submits}`);
    // The kernel times of 2 more steps (lavapipe has timestamp-query): one per dispatch, the
    // step's batch-norm programs among them, the backend unwrapped after.
    assert.equal(got.timerLeftWrapped, false, "the kernel timer left recordAndSubmit wrapped");
    const gpu = got.cnn!.gpu;
    assert.ok(typeof gpu === "object", `no GPU times: ${gpu}`);
    const timed = Object.values(gpu.byProgram).reduce((n, e) => n + e.dispatches, 0) / gpu.steps;
    // Counted steps include a loss read (a Concat) every 4 steps; the timed ones do not.
    assert.ok(Math.abs(timed - cnn.dispatches / got.cnn!.steps) <= 1, `timed ${timed} a step`);
    assert.ok(Object.keys(gpu.byProgram).includes("bnActStatsMoving"));
    assert.ok(gpu.totalMs > 0 && Object.values(gpu.byProgram).every((e) => e.ms >= 0));
    assert.equal(got.leaked, 0, "tensors leaked on webgpu");
  },
});

Deno.test({
  name: `bench:gpu --counts prints each case's counts per step, with the permissions of the task${
    adapterNote(adapter)
  }`,
  ignore: adapter === null,
  fn: async () => {
    const out = await new Deno.Command("deno", {
      args: [
        "run",
        "--allow-read",
        "--allow-run=python3,/usr/bin/python3,git",
        new URL("./gpu_workloads.ts", import.meta.url).pathname,
        "--counts",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr).slice(-2000));
    assert.match(text, /^WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE = 15; optimizer momentum$/m);
    for (const name of ["mlp:16:64:128", "cnn:3:8:32"]) {
      const line = new RegExp(`^${name}: per step over 8 steps .* 0 uploads, 0\\.13 reads$`, "m");
      assert.match(text, line);
    }
  },
});
