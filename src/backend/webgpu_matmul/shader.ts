/**
 * The WGSL of the project's tiled matrix product: `out[b] = act(op(A[b]) x op(B[b]) + bias)`
 * over rank-3 operands (`[batch, rows, cols]`, row-major), `op` an optional transpose.
 *
 * Per workgroup (one output tile of one batch entry), per K step of `depth`:
 * every thread loads its share of A's `tileRows x depth` and B's `depth x tileCols` blocks from
 * global memory as vec4s along the operand's contiguous axis (four scalar loads where that axis
 * is not a multiple of 4), stores them K-major into workgroup memory (A transposed on the way
 * when it is stored M-by-K), and then, for each of the `depth` values of K, reads a vec4 of A
 * per 4 of its rows and a vec4 of B per 4 of its columns and does the outer product into its
 * register block. The next step's global loads are issued before the current step's products
 * (register prefetch), so their latency hides behind the arithmetic.
 *
 * A thread's rows are `ty*4 + i + g*threadsY*4` (and columns `tx*4 + j + h*threadsX*4`): the
 * fours of different threads sit side by side, so the 16 threads reading B read 16
 * consecutive vec4s (no bank conflict) and the threads of a row read the same A vec4
 * (a broadcast).
 *
 * Bounds: a tile reaching past M, N or K reads zeros there and skips those writes; shapes
 * that are multiples of the tile compile without those checks (the `fit` flags).
 *
 * The code is generated fully unrolled, accumulators as named variables: nothing depends on a
 * compiler unrolling loops or keeping an indexed array in registers.
 *
 * @module
 */
import { type MatmulTile, tileCols, tileRows } from "./tiles.ts";

/** The activations the program applies after the optional bias. */
export type MatmulActivation = "linear" | "relu" | "relu6" | "sigmoid";

/** Every choice that changes the generated code (the shader key is made from these). */
export interface MatmulShaderSpec {
  readonly tile: MatmulTile;
  /** A is stored `[batch, K, M]` (else `[batch, M, K]`). */
  readonly transposeA: boolean;
  /** B is stored `[batch, N, K]` (else `[batch, K, N]`). */
  readonly transposeB: boolean;
  /** A's, B's and the output's buffers are read/written as vec4 (their last axis % 4 == 0). */
  readonly vec4A: boolean;
  readonly vec4B: boolean;
  readonly vec4Out: boolean;
  /** M, N, K are multiples of the tile's rows, columns, depth: no bounds checks for them. */
  readonly fitM: boolean;
  readonly fitN: boolean;
  readonly fitK: boolean;
  /** A bias input (flat, indexed through the `biasStride*` uniforms). */
  readonly bias: boolean;
  readonly activation: MatmulActivation;
}

/** The shader key of `spec`: changes whenever the code would. */
export function shaderKey(spec: MatmulShaderSpec): string {
  const flags = [
    spec.transposeA,
    spec.transposeB,
    spec.vec4A,
    spec.vec4B,
    spec.vec4Out,
    spec.fitM,
    spec.fitN,
    spec.fitK,
    spec.bias,
  ].map((f) => (f ? 1 : 0)).join("");
  return `projectMatMul_${spec.tile.name}_${spec.tile.depth}_${flags}_${spec.activation}`;
}

/** The program-defined uniforms `spec` needs, WGSL struct syntax. */
export function uniformFields(spec: MatmulShaderSpec): string {
  return spec.bias ? "biasStrideB : i32, biasStrideM : i32, biasStrideN : i32," : "";
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const COMPONENTS = ["x", "y", "z", "w"];

/**
 * A read of 4 consecutive elements along the contiguous axis of operand `name` (a
 * `[batch, rows, cols]` buffer), zeros outside it.
 */
function readFn(name: "A" | "B", vec4: boolean, fit: boolean): string {
  const head =
    `fn read${name}(base : i32, row : i32, col : i32, rows : i32, cols : i32) -> vec4<f32> {`;
  if (vec4) {
    // cols % 4 == 0 and col % 4 == 0: the vec4 is wholly inside or wholly outside.
    const load = `return ${name}[(base + row * cols + col) / 4];`;
    if (fit) return `${head}\n  ${load}\n}`;
    return `${head}\n  if (row < rows && col < cols) {\n    ${load}\n  }\n` +
      `  return vec4<f32>(0.0);\n}`;
  }
  const lines = range(4).map((j) =>
    `  if (row < rows && col + ${j} < cols) { v.${COMPONENTS[j]} = ${name}[start + ${j}]; }`
  );
  return `${head}\n  var v = vec4<f32>(0.0);\n  let start = base + row * cols + col;\n` +
    `${lines.join("\n")}\n  return v;\n}`;
}

/**
 * Statements that load this thread's share of one operand's staged block into registers
 * `staged${name}${i}`, store those registers into workgroup memory, and (`setup`, run once
 * before the K loop) compute the thread's fixed offsets for both.
 *
 * `outer` is the operand's M (or N) extent of the tile, `kMajor` whether the operand is stored
 * with K as its rows (A transposed, B not): then a vec4 along its contiguous axis is 4 outer
 * indices at one K and goes to workgroup memory as is; else it is 4 K values at one outer
 * index and is scattered into 4 K rows.
 */
function stagingCode(
  name: "A" | "B",
  tile: MatmulTile,
  outer: number,
  kMajor: boolean,
): { setup: string[]; load: string[]; store: string[] } {
  const threads = tile.threadsX * tile.threadsY;
  const depth = tile.depth;
  const chunks = (outer * depth) / 4 / threads;
  const shared = `tile${name}`;
  const origin = name === "A" ? "tileRow0" : "tileCol0";
  const setup: string[] = [];
  const load: string[] = [];
  const store: string[] = [];
  for (let i = 0; i < chunks; i++) {
    const c = `chunk${name}${i}`;
    const row = `ldRow${name}${i}`;
    const col = `ldCol${name}${i}`;
    setup.push(`let ${c} = i32(localIndex) + ${i * threads};`);
    if (kMajor) {
      // Stored [K, outer]: chunk c is K row c / (outer/4), outer four c % (outer/4).
      setup.push(`let ${row} = ${c} / ${outer / 4};`, `let ${col} = (${c} % ${outer / 4}) * 4;`);
      load.push(
        `staged${name}${i} = read${name}(base${name}, k0 + ${row}, ${origin} + ${col}, ` +
          `rows${name}, cols${name});`,
      );
      store.push(`${shared}[${c}] = staged${name}${i};`);
    } else {
      // Stored [outer, K]: chunk c is outer index c / (depth/4), K four c % (depth/4); its 4
      // values go to 4 K rows of workgroup memory, lane (outer index % 4) of one vec4 each.
      const slot = `stSlot${name}${i}`;
      const lane = `stLane${name}${i}`;
      setup.push(
        `let ${row} = ${c} / ${depth / 4};`,
        `let ${col} = (${c} % ${depth / 4}) * 4;`,
        `let ${slot} = ${col} * ${outer / 4} + ${row} / 4;`,
        `let ${lane} = ${row} % 4;`,
      );
      load.push(
        `staged${name}${i} = read${name}(base${name}, ${origin} + ${row}, k0 + ${col}, ` +
          `rows${name}, cols${name});`,
      );
      for (let j = 0; j < 4; j++) {
        store.push(
          `${shared}[${slot} + ${j * (outer / 4)}][${lane}] = staged${name}${i}.${COMPONENTS[j]};`,
        );
      }
    }
  }
  return { setup, load, store };
}

function activationCode(activation: MatmulActivation): string {
  switch (activation) {
    case "linear":
      return "v";
    case "relu":
      return "max(v, vec4<f32>(0.0))";
    case "relu6":
      return "clamp(v, vec4<f32>(0.0), vec4<f32>(6.0))";
    case "sigmoid":
      return "1.0 / (1.0 + exp(-v))";
  }
}

/** The output stores of one vec4 of this thread's block (row `row`, columns `col..col+3`). */
function writeCode(spec: MatmulShaderSpec, acc: string, row: string, col: string): string {
  const lines: string[] = [`{`, `  let row = ${row};`, `  let col = ${col};`];
  const inside = spec.fitM && spec.fitN ? "true" : "row < dimM && col < dimN";
  lines.push(`  if (${inside}) {`, `    var v = ${acc};`);
  if (spec.bias) {
    // Bias elements past N are never read: their lanes are not stored either.
    lines.push(
      `    let bRow = biasBase + row * uniforms.biasStrideM;`,
      ...range(4).map((j) =>
        `    if (col + ${j} < dimN) { v.${COMPONENTS[j]} = v.${
          COMPONENTS[j]
        } + bias[bRow + (col + ${j}) * uniforms.biasStrideN]; }`
      ),
    );
  }
  lines.push(`    v = ${activationCode(spec.activation)};`);
  if (spec.vec4Out) {
    lines.push(`    result[(outBase + row * dimN + col) / 4] = v;`);
  } else {
    lines.push(
      ...range(4).map((j) =>
        `    if (col + ${j} < dimN) { result[outBase + row * dimN + col + ${j}] = v.${
          COMPONENTS[j]
        }; }`
      ),
    );
  }
  lines.push(`  }`, `}`);
  return lines.map((l) => `  ${l}`).join("\n");
}

/**
 * The program body for tf.js' shader wrapper: defines `fn main()` (a 2-D dispatch: x over
 * column tiles, y over row tiles, z over the batch), reading `A`, `B` (and `bias`) and
 * writing `result` directly.
 */
export function matmulShader(spec: MatmulShaderSpec): string {
  const { tile } = spec;
  const rowsPerWg = tileRows(tile);
  const colsPerWg = tileCols(tile);
  const rowGroups = tile.perThreadRows / 4;
  const colGroups = tile.perThreadCols / 4;
  const depth = tile.depth;
  const a = stagingCode("A", tile, rowsPerWg, spec.transposeA);
  const b = stagingCode("B", tile, colsPerWg, !spec.transposeB);
  const accName = (r: number, h: number) => `acc${r}_${h}`;

  const declarations: string[] = [];
  for (let r = 0; r < tile.perThreadRows; r++) {
    for (let h = 0; h < colGroups; h++) declarations.push(`var ${accName(r, h)} = vec4<f32>(0.0);`);
  }
  for (let i = 0; i < a.load.length; i++) declarations.push(`var stagedA${i} : vec4<f32>;`);
  for (let i = 0; i < b.load.length; i++) declarations.push(`var stagedB${i} : vec4<f32>;`);

  const products: string[] = [];
  for (let k = 0; k < depth; k++) {
    for (let g = 0; g < rowGroups; g++) {
      products.push(
        `let a${k}_${g} = tileA[${k * (rowsPerWg / 4) + g * tile.threadsY} + ty];`,
      );
    }
    for (let h = 0; h < colGroups; h++) {
      products.push(
        `let b${k}_${h} = tileB[${k * (colsPerWg / 4) + h * tile.threadsX} + tx];`,
      );
    }
    for (let g = 0; g < rowGroups; g++) {
      for (let i = 0; i < 4; i++) {
        for (let h = 0; h < colGroups; h++) {
          const acc = accName(g * 4 + i, h);
          products.push(
            `${acc} = fma(vec4<f32>(a${k}_${g}.${COMPONENTS[i]}), b${k}_${h}, ${acc});`,
          );
        }
      }
    }
  }

  const writes: string[] = [];
  for (let g = 0; g < rowGroups; g++) {
    for (let i = 0; i < 4; i++) {
      for (let h = 0; h < colGroups; h++) {
        writes.push(writeCode(
          spec,
          accName(g * 4 + i, h),
          `tileRow0 + ${g * tile.threadsY * 4} + ty * 4 + ${i}`,
          `tileCol0 + ${h * tile.threadsX * 4} + tx * 4`,
        ));
      }
    }
  }

  const indent = (lines: string[], n: number) => lines.map((l) => " ".repeat(n) + l).join("\n");
  return `
var<workgroup> tileA : array<vec4<f32>, ${(depth * rowsPerWg) / 4}>;
var<workgroup> tileB : array<vec4<f32>, ${(depth * colsPerWg) / 4}>;

${readFn("A", spec.vec4A, spec.fitM && spec.fitK)}

${readFn("B", spec.vec4B, spec.fitN && spec.fitK)}

fn main() {
  let tx = i32(localId.x);
  let ty = i32(localId.y);
  let batch = i32(workgroupId.z);
  let tileRow0 = i32(workgroupId.y) * ${rowsPerWg};
  let tileCol0 = i32(workgroupId.x) * ${colsPerWg};
  let dimM = uniforms.outShape.y;
  let dimN = uniforms.outShape.z;
  // A is [batchA, rowsA, colsA], B [batchB, rowsB, colsB]; a batch of 1 is broadcast.
  let rowsA = uniforms.aShape.y;
  let colsA = uniforms.aShape.z;
  let rowsB = uniforms.bShape.y;
  let colsB = uniforms.bShape.z;
  let dimK = ${spec.transposeA ? "rowsA" : "colsA"};
  let baseA = min(batch, uniforms.aShape.x - 1) * rowsA * colsA;
  let baseB = min(batch, uniforms.bShape.x - 1) * rowsB * colsB;
  let outBase = batch * dimM * dimN;
  ${spec.bias ? "let biasBase = batch * uniforms.biasStrideB;" : ""}
${indent(declarations, 2)}
${indent([...a.setup, ...b.setup], 2)}
  let steps = (dimK + ${depth - 1}) / ${depth};
  var k0 = 0;
${indent([...a.load, ...b.load], 2)}
  for (var step = 0; step < steps; step++) {
${indent([...a.store, ...b.store], 4)}
    workgroupBarrier();
    k0 = k0 + ${depth};
    if (step + 1 < steps) {
${indent([...a.load, ...b.load], 6)}
    }
${indent(products, 4)}
    workgroupBarrier();
  }
${writes.join("\n")}
}
`;
}
