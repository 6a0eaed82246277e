import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { useBackend } from "../backend/backend.ts";
import { buildModel } from "./build.ts";
import type { ModelSpec } from "./types.ts";
import { values } from "./_test_sgd.ts";

await useBackend("cpu");

const cases: [ModelSpec, number[]][] = [
  [{ kind: "mlp", depth: 3, width: 8, seed: 1 }, [4, 4, 1]],
  [{ kind: "cnn", depth: 3, width: 4, seed: 1 }, [8, 8, 1]],
  [{ kind: "resnet", depth: 8, width: 4, seed: 1 }, [8, 8, 3]],
];

Deno.test("names follow ${model}/${layer}/${role} and are unique per instance", () => {
  for (const [spec, shape] of cases) {
    const a = buildModel(spec, shape, 5);
    const b = buildModel(spec, shape, 5);
    assert.notEqual(a.name, b.name);
    assert.match(a.name, new RegExp(`^${spec.kind}\\d+$`));
    for (const v of a.params) {
      assert.match(v.name, new RegExp(`^${a.name}/[a-z0-9/]+/(kernel|bias|gamma|beta)$`), v.name);
      assert.ok(v.trainable);
    }
    for (const v of a.state) {
      assert.match(v.name, /\/(moving_mean|moving_variance)$/);
      assert.ok(!v.trainable);
    }
    assert.equal(a.layers[a.layers.length - 1].name, "head/dense");
    assert.ok(a.layers.every((l) => l.kernel.name === `${a.name}/${l.name}/kernel`));
    a.dispose();
    b.dispose();
  }
});

Deno.test("layer lists: blocks in forward order, head last, biases only where BN is absent", () => {
  const mlp = buildModel({ kind: "mlp", depth: 3, width: 8, seed: 1 }, [4], 5);
  assert.deepEqual(mlp.layers.map((l) => l.name), [
    "block01/dense",
    "block02/dense",
    "block03/dense",
    "head/dense",
  ]);
  assert.deepEqual(
    mlp.params.map((p) => p.name.slice(mlp.name.length + 1)).slice(0, 3),
    ["block01/dense/kernel", "block01/bn/gamma", "block01/bn/beta"],
  );
  assert.equal(mlp.params.filter((p) => p.name.endsWith("/bias")).length, 1);
  const plain = buildModel({ kind: "mlp", depth: 3, width: 8, seed: 1, batchNorm: false }, [4], 5);
  assert.equal(plain.state.length, 0);
  assert.equal(plain.params.filter((p) => p.name.endsWith("/bias")).length, 4);
  const resnet = buildModel({ kind: "resnet", depth: 14, width: 4, seed: 1 }, [8, 8, 3], 5);
  assert.equal(resnet.layers.length, 14); // 6n + 2 weight layers, option-A shortcuts
  assert.equal(resnet.layers[1].name, "stage1/block01/conv1");
  assert.deepEqual(resnet.layers[9].kernel.shape, [3, 3, 8, 16]); // stage 3's first conv
  for (const m of [mlp, plain, resnet]) m.dispose();
});

Deno.test("same seed gives identical initial weights; another seed does not", () => {
  for (const [spec, shape] of cases) {
    const a = buildModel(spec, shape, 5);
    const b = buildModel(spec, shape, 5);
    const c = buildModel({ ...spec, seed: 2 }, shape, 5);
    a.params.forEach((p, i) => assert.deepEqual(values(p), values(b.params[i]), p.name));
    assert.notDeepEqual(values(a.layers[0].kernel), values(c.layers[0].kernel));
    for (const m of [a, b, c]) m.dispose();
  }
});

Deno.test("kernels are He-normal: variance 2 / fan_in", () => {
  const m = buildModel({ kind: "mlp", depth: 2, width: 512, seed: 3 }, [256], 10);
  const w = values(m.layers[1].kernel); // 512 x 512
  const mean = w.reduce((s, v) => s + v, 0) / w.length;
  const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
  // 262144 draws: relative standard error of the variance ~ 0.3%
  assert.ok(Math.abs(variance / (2 / 512) - 1) < 0.02, `variance ${variance}`);
  m.dispose();
});

Deno.test("bad specs and inputs fail with the parameter, the value and what is allowed", () => {
  assert.throws(
    () => buildModel({ kind: "rnn" as "mlp", depth: 1, width: 1, seed: 0 }, [4], 2),
    /spec\.kind must be one of mlp, cnn, resnet, got "rnn"/,
  );
  assert.throws(
    () => buildModel({ kind: "mlp", depth: 0, width: 4, seed: 0 }, [4], 2),
    /spec\.depth must be a positive integer, got 0/,
  );
  assert.throws(
    () => buildModel({ kind: "resnet", depth: 10, width: 4, seed: 0 }, [8, 8, 3], 2),
    /resnet depth must be 6n \+ 2 with n >= 1 \(8, 14, 20, 32, \.\.\.\), got 10/,
  );
  assert.throws(
    () => buildModel({ kind: "cnn", depth: 2, width: 4, seed: 0 }, [64], 2),
    /inputShape for a cnn must be \[height, width, channels\], got \[64\]/,
  );
  assert.throws(
    () => buildModel({ kind: "cnn", depth: 6, width: 4, seed: 0 }, [2, 2, 1], 2),
    /too small for the max-pool after block04/,
  );
  const before = tf.memory().numTensors;
  const m = buildModel({ kind: "mlp", depth: 1, width: 4, seed: 0 }, [4], 2);
  const x = tf.zeros([3, 5]);
  assert.throws(
    () => m.forward(x, { training: false }),
    new RegExp(`${m.name}: x must have shape \\[batch, 4\\], got \\[3, 5\\]`),
  );
  x.dispose();
  m.dispose();
  assert.equal(tf.memory().numTensors, before);
});
