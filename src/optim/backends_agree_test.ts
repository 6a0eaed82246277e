import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { randomData } from "../backend/_test_compare.ts";
import { lalc } from "./lalc.ts";
import { lars } from "./lars.ts";
import { assertClose } from "./_test_problem.ts";

// Shapes of a small MLP and a conv layer, an empty tensor and one past a SIMD lane multiple:
// the wasm backend computes their norms in its own kernel (src/backend/squared_norms.ts).
const SHAPES = [[784, 256], [256], [256, 10], [3, 3, 64, 128], [0], [5000]];

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

Deno.test("lalc and lars steps agree between wasm and cpu", async () => {
  const results: number[][][] = [];
  for (const backend of ["cpu", "wasm"] as const) {
    await useBackend(backend);
    const params = SHAPES.map((s, i) =>
      tf.variable(tf.tensor(randomData(size(s), 2 + i), s), true, `nb/${backend}/${i}`)
    );
    const grads = SHAPES.map((s, i) => ({
      name: params[i].name,
      tensor: tf.tensor(randomData(size(s), 30 + i), s),
    }));
    for (
      const opt of [lalc({ learningRate: 0.1, weightDecay: 1e-3 }), lars({ learningRate: 0.1 })]
    ) {
      for (let t = 0; t < 3; t++) opt.applyGradients(grads);
      opt.dispose();
    }
    results.push(await Promise.all(params.map(async (p) => Array.from(await p.data()))));
    tf.dispose([...params, ...grads.map((g) => g.tensor)]);
  }
  await useBackend("cpu");
  results[1].forEach((v, i) => assertClose(v, results[0][i], `tensor ${i}`, 1e-4, 1e-6));
});
