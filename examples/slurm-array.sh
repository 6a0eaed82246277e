#!/bin/bash
# A grid on a Slurm cluster: one array task per shard, then one job that merges them.
#
#   sbatch examples/slurm-array.sh                     # 4 shards of the standard preset
#   sbatch --dependency=afterok:<array job id> \
#     --wrap 'deno task merge --out results/standard-merged results/standard.shard-*-of-4'
#   sbatch --array=1-8 examples/slurm-array.sh --grid my-grid.json   # any grid: the
#                                                      # arguments replace --preset standard
#
# Each task runs `deno task grid` without --shard: K/N come from the array's variables, so
# --array=0-3, --array=1-4 and --array=0-6:2 all give shards 1/4 .. 4/4 (a list such as
# --array=1,2,5 is refused by every task). The folder defaults to
# results/<grid>.shard-K-of-N. --workers is the task's --cpus-per-task. A task that is
# requeued or preempted starts again in the folder it left and resumes it (the lock and
# meta.json make that safe); the log is opened for appending so it keeps every attempt
# (Slurm truncates it on a restart otherwise). Run under Slurm 22.05 by
# src/suite/slurm_array_test.ts (see docs/parallel.md).
#SBATCH --job-name=lalc-grid
#SBATCH --array=0-3
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=04:00:00
#SBATCH --output=results/slurm-%A_%a.log
#SBATCH --open-mode=append
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
echo "slurm-array.sh: task ${SLURM_ARRAY_TASK_ID:-none} of job ${SLURM_ARRAY_JOB_ID:-none}," \
  "restart ${SLURM_RESTART_COUNT:-0}, on $(hostname) at $(date -u +%FT%TZ)"
[ $# -gt 0 ] || set -- --preset standard
deno install --frozen
deno task grid "$@" --workers "${SLURM_CPUS_PER_TASK:-1}" --no-plots
