import assert from "node:assert/strict";

const CLI = new URL("../cli.ts", import.meta.url).pathname;

async function explode(...args: string[]) {
  const out = await new Deno.Command("deno", {
    args: ["run", "--allow-read", "--allow-env", CLI, "explode", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("explode --json: the last line has layers, ratios and meanRatio", async () => {
  const r = await explode(
    "--depth",
    "4",
    "--width",
    "32",
    "--batch-size",
    "16,32",
    "--seeds",
    "1",
    "--json",
  );
  assert.equal(r.code, 0, r.stderr);
  const last = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assert.equal(last.layers.length, 5);
  assert.equal(last.ratios.length, 4);
  assert.equal(typeof last.meanRatio, "number");
  assert.equal(last.runs.length, 2);
  assert.match(r.stdout, /theory: sqrt\(pi\/\(pi-1\)\) = 1\.2112/);
});

Deno.test("explode refuses unknown options and impossible values with exit code 2", async () => {
  for (
    const [args, message] of [
      [["--bogus"], /unknown option "--bogus"/],
      [["--batch-size", "1"], /--batch-size: "1" is not allowed/],
      [["--depth", "2"], /--depth: "2" is not allowed/],
      [["--correlation", "1"], /--correlation: "1" is not allowed; expected a number in \[0, 1\)/],
      [
        ["--network", "bn"],
        /--network: "bn" is not allowed; expected one of bn-relu, no-bn, no-relu/,
      ],
      [["train", "--methods", "adam"], /--methods: "adam" is not allowed/],
      [["train", "--batch-size", "64,128", "--steps", "1,2,3"], /--steps: "1,2,3" is not allowed/],
      [["mechanism", "--datasets", "cifar10"], /--datasets: "cifar10" is not allowed/],
      [["mechanism", "--correlation", "1"], /--correlation: "1" is not allowed/],
      [["mechanism", "--steps", "0"], /--steps: "0" is not allowed/],
      [["mechanism", "--batch", "64"], /--batch is now --batch-size/],
      [["mechanism", "--methods", "lamb"], /--methods: "lamb" is not allowed/],
      [["mechanism", "--model", "cnn"], /--model: "cnn" is not allowed/],
      [
        ["mechanism", "--model", "resnet", "--depth", "10"],
        /--depth: resnet depth must be 6n \+ 2/,
      ],
      [["mechanism", "--model", "resnet", "--depth", "8", "--ablate"], /--ablate: .*MLP only/],
    ] as const
  ) {
    const r = await explode(...args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

Deno.test("explode --help and explode train --help list the options", async () => {
  const init = await explode("--help");
  assert.equal(init.code, 0);
  assert.match(init.stdout, /--batch-size LIST/);
  const train = await explode("train", "--help");
  assert.equal(train.code, 0);
  assert.match(train.stdout, /--methods LIST/);
  const mechanism = await explode("mechanism", "--help");
  assert.equal(mechanism.code, 0);
  assert.match(mechanism.stdout, /--batch-size N/);
});

Deno.test("explode mechanism writes its tables and plots, and refuses an unwritable --out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await new Deno.Command("deno", {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        `--allow-write=${dir}`,
        CLI,
        "explode",
        "mechanism",
        ...["--datasets", "synthetic", "--correlation", "0,0.5"],
        ...["--methods", "momentum,warmup,lalc", "--ablate"],
        ...["--seeds", "2", "--steps", "6", "--depth", "3", "--width", "8", "--warmup-steps", "3"],
        ...["--measure-every", "2", "--window", "2", "--backend", "cpu", "--out", dir, "--json"],
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const { intervention } = JSON.parse(stdout.trim().split("\n").at(-1)!);
    assert.equal(intervention.length, 6); // 2 levels x 3 methods
    assert.ok(intervention.every((r: { seeds: string }) => r.seeds === "2"));
    const files = ["steps.csv", "layers.csv", "tracking.csv", "heldout.csv", "ablation.csv"];
    for (const f of [...files, "by_cumulative_rate.csv", "predicted_vs_measured.png"]) {
      assert.ok((await Deno.stat(`${dir}/${f}`)).size > 0, f);
    }
    // 12 runs x 6 variants; 6 conditions x 6 variants.
    const lines = async (f: string) => (await Deno.readTextFile(`${dir}/${f}`)).trim().split("\n");
    assert.equal((await lines("ablation.csv")).length, 1 + 12 * 6);
    assert.equal((await lines("ablation_summary.csv")).length, 1 + 6 * 6);
    // --replot recomputes the analysis from steps.csv and layers.csv: the same tables.
    const tracking = await Deno.readTextFile(`${dir}/tracking.csv`);
    const heldout = await Deno.readTextFile(`${dir}/heldout.csv`);
    await Deno.remove(`${dir}/tracking.csv`);
    const replot = await new Deno.Command("deno", {
      args: ["run", "--allow-read", "--allow-env", `--allow-write=${dir}`, CLI, "explode"]
        .concat(["mechanism", "--replot", dir, "--window", "2"]),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(replot.code, 0, new TextDecoder().decode(replot.stderr));
    assert.equal(await Deno.readTextFile(`${dir}/tracking.csv`), tracking);
    assert.equal(await Deno.readTextFile(`${dir}/heldout.csv`), heldout);
    const refused = await explode("mechanism", "--out", `${dir}/nested`, "--steps", "10");
    // The helper grants no write permission: refused before any training, with how to run it.
    assert.equal(refused.code, 2);
    assert.match(
      refused.stderr,
      /^explode: --out: ".*nested" is outside what this command may write/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
