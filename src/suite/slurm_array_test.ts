/**
 * `examples/slurm-array.sh`, unchanged, under a real Slurm: `deno task test:slurm` starts a
 * one-node cluster with `tools/slurm_local.sh` and runs this file in it. Elsewhere (no
 * `SLURM_LOCAL_DIR`, as in `deno task test`) the test is ignored.
 *
 * It submits the script as an array of more tasks than the node has cores (so tasks queue)
 * over a tiny grid, with a stepped, 1-based range (`--array=1-(2N-1):2`), the merge as a job
 * depending on the array (`afterok`) and the protocol check as a job depending on the merge.
 * Shard 1's task is requeued (`scontrol requeue`) once its folder holds a finished run; it
 * must start again in that folder and finish it with nothing lost or duplicated. Meanwhile the
 * same grid runs in one process; the merged folder must equal it row for row (timings aside).
 * Then a list array (`--array=1,2,5`) must fail in every task with the grid's exit code.
 * The final states come from the cluster's job-completion log (`jobcomp/filetxt`).
 *
 * The protocol check, not the gate: the gate's floors exist only for the presets' whole cell
 * sets, and floors for this grid would be derived from the very runs being checked.
 */
import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseCsv } from "../output/csv.ts";
import { TINY_GRID_JSON } from "./_test_grid.ts";
import { gridCells } from "./plan.ts";
import { inShard } from "./shard.ts";
import { validateGridSpec } from "./grid_spec.ts";
import { readResults } from "./store.ts";

const LOCAL = Deno.env.get("SLURM_LOCAL_DIR");
const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const TIMING = ["wall_seconds", "samples_per_sec", "finished_at"];
/** Longest the whole chain may take before the test gives up. */
const DEADLINE_MS = 10 * 60_000;

/** Runs `cmd args` in the repository root; its stdout, or an error with its stderr. */
async function sh(cmd: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd: ROOT, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")}: exit ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return text.trim();
}

/** The job id `sbatch --parsable` printed (it may add `;cluster`). */
const jobId = (text: string) => text.split(";")[0];

/** A CSV file's rows without the timing columns. */
async function untimed(path: string): Promise<string[]> {
  return parseCsv(await Deno.readTextFile(path))
    .map((r) => JSON.stringify(Object.entries(r).filter(([k]) => !TIMING.includes(k))));
}

/** Finished rows of `dir/runs.csv` (its complete lines after the header), 0 when absent. */
async function rowsIn(dir: string): Promise<number> {
  const text = await Deno.readTextFile(`${dir}/runs.csv`).catch(() => "");
  return Math.max(0, text.split("\n").length - 2);
}

/** The records of the job-completion log: one `key=value` map per ended (or requeued) job. */
async function jobcomp(): Promise<Record<string, string>[]> {
  const text = await Deno.readTextFile(`${LOCAL}/jobcomp.txt`);
  return text.trim().split("\n").map((line) =>
    Object.fromEntries([...line.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1], m[2]]))
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: "examples/slurm-array.sh under Slurm: queued, requeued, merged, checked, as one process",
  ignore: LOCAL === undefined,
  sanitizeResources: false,
  async fn() {
    const cores = Number(await sh("sinfo", "-h", "-o", "%c"));
    const shards = Math.max(4, cores + 2);
    // 5 methods x batch sizes x depths: at least one cell per shard.
    const batchSizes = [16, 32, 64, 128, 256].slice(
      0,
      Math.min(5, Math.max(2, Math.ceil(shards / 5))),
    );
    const depths = Array.from(
      { length: Math.ceil(shards / (5 * batchSizes.length)) },
      (_, i) => i + 2,
    );
    const name = `slurm-test-${Date.now().toString(36)}`;
    const spec = {
      ...TINY_GRID_JSON,
      name,
      dataset: { name: "synthetic", trainSamples: 512, testSamples: 64 },
      batchSizes,
      depths,
      // 5 held-out seeds and 3 rates a factor 4 apart: what the protocol check asks.
      seeds: [1, 2, 3, 4, 5, 6],
      lrGrid: { points: 3, factor: 4 },
    };
    const grid = validateGridSpec(spec);
    assert(gridCells(grid).length >= shards);
    const gridFile = `results/${name}.grid.json`;
    const folder = (k: number) => `results/${name}.shard-${k}-of-${shards}`;
    const merged = `results/${name}.merged`;
    const one = `results/${name}.one`;
    await Deno.writeTextFile(`${ROOT}/${gridFile}`, JSON.stringify(spec));
    const log = (s: string) => console.log(`slurm: ${s}`);
    log(`${cores} cores, ${shards} array tasks, grid ${name}: ${gridCells(grid).length} cells`);

    // The array: ids 1, 3, ..., 2N-1 (a 1-based range with a step) are shards 1..N.
    const arrayJob = jobId(
      await sh(
        "sbatch",
        "--parsable",
        `--array=1-${2 * shards - 1}:2`,
        "--cpus-per-task=1",
        "--mem=1G",
        "--time=00:15:00",
        "examples/slurm-array.sh",
        "--grid",
        gridFile,
        "--backend",
        "cpu",
      ),
    );
    const after = (dep: string, jobName: string, command: string) =>
      sh(
        "sbatch",
        "--parsable",
        `--dependency=afterok:${dep}`,
        `--job-name=${jobName}`,
        "--output=results/slurm-%j.log",
        "--time=00:05:00",
        `--wrap=${command}`,
      ).then(jobId);
    const mergeJob = await after(
      arrayJob,
      "lalc-merge",
      `deno task merge --no-plots --out ${merged} results/${name}.shard-*-of-${shards}`,
    );
    const checkJob = await after(
      mergeJob,
      "lalc-check",
      `deno task report ${merged} --no-plots --check-protocol`,
    );
    log(`array job ${arrayJob}, merge job ${mergeJob} (afterok), check job ${checkJob} (afterok)`);

    // The same grid in one process, while the cluster works.
    const serial = new Deno.Command("deno", {
      args: ["task", "grid", "--grid", gridFile, "--backend", "cpu", "--workers", "1"]
        .concat(["--no-plots", "--out", one]),
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();

    // Watch the queue; requeue shard 1 once its folder holds a finished run.
    const requeued = `${arrayJob}_1`;
    let before = -1;
    let staleLock = "";
    let maxRunning = 0;
    let queuedWhileFull = false;
    const started = Date.now();
    while (true) {
      assert(Date.now() - started < DEADLINE_MS, "the jobs did not end in 10 minutes");
      const queue = (await sh(
        "squeue",
        "-h",
        "-r",
        "-j",
        [arrayJob, mergeJob, checkJob].join(","),
        "-o",
        "%i %T",
      ))
        .split("\n").filter((l) => l !== "").map((l) => l.split(" "));
      if (queue.length === 0) break;
      const tasks = queue.filter(([id]) => id.startsWith(`${arrayJob}_`));
      const running = tasks.filter(([, s]) => s === "RUNNING").length;
      maxRunning = Math.max(maxRunning, running);
      if (running >= cores && tasks.some(([, s]) => s === "PENDING")) queuedWhileFull = true;
      const state = queue.find(([id]) => id === requeued)?.[1];
      if (before < 0 && state === "RUNNING" && await rowsIn(`${ROOT}/${folder(1)}`) >= 1) {
        await sh("scontrol", "requeue", requeued);
        // Killed and back in the queue: then nothing writes its folder.
        while ((await sh("squeue", "-h", "-j", requeued, "-o", "%T")) !== "PENDING") {
          assert(Date.now() - started < DEADLINE_MS, `${requeued} did not return to the queue`);
          await sleep(200);
        }
        before = (await readResults(`${ROOT}/${folder(1)}`)).rows.length;
        staleLock = (await Deno.readTextFile(`${ROOT}/${folder(1)}/.lock`)).trim();
        log(`requeued ${requeued} with ${before} runs in ${folder(1)}; .lock: "${staleLock}"`);
        // Slurm holds a requeued job for about 2 minutes (BeginTime); release it now.
        await sh("scontrol", "update", `JobId=${requeued}`, "StartTime=now");
      }
      await sleep(500);
    }
    const serialOut = await serial;
    const serialText = new TextDecoder().decode(serialOut.stderr);
    assertEquals(serialOut.code, 0, serialText);
    log(`all jobs ended after ${((Date.now() - started) / 1000).toFixed(0)} s`);

    // Final states, from the job-completion log.
    const records = (await jobcomp()).filter((r) =>
      r.ArrayJobId === arrayJob || r.JobId === mergeJob || r.JobId === checkJob
    );
    for (const r of records) {
      const what = r.ArrayJobId === arrayJob ? `${r.ArrayJobId}_${r.ArrayTaskId}` : r.Name;
      log(
        `jobcomp JobId=${r.JobId} ${what} JobState=${r.JobState} ExitCode=${r.ExitCode} ` +
          `${r.StartTime} .. ${r.EndTime}`,
      );
    }
    const last = new Map<string, Record<string, string>>();
    for (const r of records) last.set(r.ArrayJobId === arrayJob ? r.ArrayTaskId : r.JobId, r);
    const ids = Array.from({ length: shards }, (_, i) => `${2 * i + 1}`);
    for (const id of [...ids, mergeJob, checkJob]) {
      const r = last.get(id);
      assertEquals([id, r?.JobState, r?.ExitCode], [id, "COMPLETED", "0:0"]);
    }
    const attempts = records.filter((r) => r.ArrayJobId === arrayJob && r.ArrayTaskId === "1");
    assertEquals(attempts.length, 2, "the requeued task's two attempts are in the log");
    const show = await sh("scontrol", "show", "job", requeued);
    const restarts = /Restarts=(\d+)/.exec(show)?.[1];
    log(`scontrol show job ${requeued}: ${/JobState=\S+/.exec(show)} Restarts=${restarts}`);
    assertEquals(restarts, "1");
    assert(maxRunning <= cores, `${maxRunning} tasks ran at once on ${cores} cores`);
    assert(queuedWhileFull, "no task waited while the cores were busy");
    log(`at most ${maxRunning} tasks ran at once on ${cores} cores; the others queued`);

    // The requeued shard: resumed in its folder, nothing lost or duplicated.
    const cells = gridCells(grid);
    const inOne = (await readResults(`${ROOT}/${one}`)).rows;
    const shardOne = inOne.filter((r) =>
      inShard(
        cells.findIndex((c) =>
          c.method === r.method && c.batchSize === r.batchSize && c.depth === r.depth
        ),
        { index: 1, count: shards },
      )
    );
    const resumed = await readResults(`${ROOT}/${folder(1)}`);
    const finalRuns = resumed.rows.length;
    log(
      `${requeued}: ${before} runs before the requeue, ${finalRuns} after; the one-process ` +
        `run has ${shardOne.length} in shard 1`,
    );
    assert(before >= 1, `shard 1 ended before it could be requeued (${before})`);
    assert(before < shardOne.length, `requeued after its last run: ${before} runs`);
    assert(/^pid \d+ on /.test(staleLock), "the killed task left its lock behind");
    assertEquals(finalRuns, shardOne.length);
    assertEquals(new Set(resumed.rows.map((r) => r.runId)).size, finalRuns);
    assertEquals(resumed.meta?.resumes?.map((r) => r.runsBefore), [before]);
    const taskLog = await Deno.readTextFile(`${ROOT}/results/slurm-${arrayJob}_1.log`);
    assert(/restart 0,/.test(taskLog) && /restart 1,/.test(taskLog), taskLog);
    assert(taskLog.includes("DUE TO JOB REQUEUE"), "the first attempt's log was kept");
    for (const line of taskLog.split("\n").filter((l) => /^slurm-array\.sh:|\*\*\*/.test(l))) {
      log(`results/slurm-${arrayJob}_1.log: ${line}`);
    }
    for (const id of ids) {
      const text = await Deno.readTextFile(`${ROOT}/results/slurm-${arrayJob}_${id}.log`);
      assert(text.includes("grid complete"), `task ${id}: ${text}`);
    }

    // The merged folder is the one-process folder, row for row, timings aside.
    const mergedRuns = await untimed(`${ROOT}/${merged}/runs.csv`);
    const oneRuns = await untimed(`${ROOT}/${one}/runs.csv`);
    assertEquals(mergedRuns, oneRuns);
    for (const f of ["curves.csv", "layer_rates.csv"]) {
      assertEquals(
        await Deno.readTextFile(`${ROOT}/${merged}/${f}`),
        await Deno.readTextFile(`${ROOT}/${one}/${f}`),
        f,
      );
    }
    log(
      `merged ${merged}: ${mergedRuns.length} runs, equal row for row to ${one} (timings ` +
        "aside); curves.csv and layer_rates.csv byte-identical",
    );
    const check = await Deno.readTextFile(`${ROOT}/results/slurm-${checkJob}.log`);
    assert(check.includes("protocol check passed"), check);
    log(`check job ${checkJob}: ${check.trim().split("\n").at(-1)}`);

    // A list array has no shard ranks: every task fails, with the grid's exit code.
    const listJob = jobId(
      await sh(
        "sbatch",
        "--parsable",
        "--array=1,2,5",
        "--cpus-per-task=1",
        "--mem=1G",
        "--time=00:05:00",
        "examples/slurm-array.sh",
        "--grid",
        gridFile,
      ),
    );
    while ((await sh("squeue", "-h", "-j", listJob, "-o", "%i")) !== "") await sleep(500);
    const listRecords = (await jobcomp()).filter((r) => r.ArrayJobId === listJob);
    for (const r of listRecords) {
      log(`list array ${listJob}_${r.ArrayTaskId}: JobState=${r.JobState} ExitCode=${r.ExitCode}`);
    }
    assertEquals(
      listRecords.map((r) => [r.JobState, r.ExitCode]),
      [1, 2, 3].map(() => ["FAILED", "2:0"]),
    );
    for (const id of [1, 2, 5]) {
      const text = await Deno.readTextFile(`${ROOT}/results/slurm-${listJob}_${id}.log`);
      const reason = text.split("\n").filter((l) => l.includes("is not a range of ids"));
      assertEquals(reason.length, 1, text);
      assert(!text.includes("    at "), `no stack trace: ${text}`);
      if (id === 5) log(`results/slurm-${listJob}_5.log: ${reason[0]}`);
    }

    // Only now, with every check passed: a failure leaves the folders and logs to look at.
    for await (const e of Deno.readDir(`${ROOT}/results`)) {
      const ours = e.name.startsWith(`${name}.`) ||
        [arrayJob, mergeJob, checkJob, listJob].some((j) =>
          /^slurm-(\d+)[_.]/.exec(e.name)?.[1] === j
        );
      if (ours) await Deno.remove(`${ROOT}/results/${e.name}`, { recursive: true });
    }
  },
});
