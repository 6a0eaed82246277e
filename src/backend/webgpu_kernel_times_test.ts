import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { profileMs } from "./webgpu_kernel_times.ts";

Deno.test("profileMs reads tf.js' kernel times in order, names with commas and digits aside", () => {
  assertEquals(profileMs("MatMulPackedProgram: 0.25, Object: 1e-3, BinaryOpProgram: 12"), [
    0.25,
    0.001,
    12,
  ]);
  // Names as programName gives them (shader-key prefixes) may hold commas and digits.
  assertEquals(profileMs("lalcSquaredNorms31_256,1,11: 0.5, bnActY_01_64,1,12: 2.5e-2"), [
    0.5,
    0.025,
  ]);
  assertEquals(profileMs(""), []);
});
