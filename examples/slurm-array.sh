#!/bin/bash
# A grid on a Slurm cluster: one array task per shard, then one job that merges them.
#
#   sbatch examples/slurm-array.sh                     # 4 shards of the standard preset
#   sbatch --dependency=afterok:<array job id> \
#     --wrap 'deno task merge --out results/standard-merged results/standard.shard-*-of-4'
#
# Each task runs `deno task grid` without --shard: K/N come from SLURM_ARRAY_TASK_ID,
# SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT, so --array=0-3 and --array=1-4 both give
# shards 1/4 .. 4/4. The folder defaults to results/<grid>.shard-K-of-N. --workers defaults
# to the cores Deno sees; give it the task's --cpus-per-task to be exact. A task that is
# preempted or requeued resumes its own folder (the lock and meta.json make that safe).
# Not run on a cluster: the same commands were run here as separate processes (see
# docs/parallel.md).
#SBATCH --job-name=lalc-grid
#SBATCH --array=0-3
#SBATCH --cpus-per-task=8
#SBATCH --mem=16G
#SBATCH --time=04:00:00
#SBATCH --output=results/slurm-%A_%a.log
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
deno install --frozen
deno task grid --preset standard --workers "${SLURM_CPUS_PER_TASK:-1}" --no-plots
