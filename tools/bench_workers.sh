#!/bin/bash
# The smoke grid with --workers 1 and --workers 2, in turn (1, 2, 2, 1) in one script so that
# both see the same machine; prints each wall time, the speedup (sum of the 1-worker times
# over the sum of the 2-worker times), and whether the two give the same rows.
#   bash tools/bench_workers.sh [PRESET]
set -euo pipefail
preset="${1:-smoke}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
declare -A total=([1]=0 [2]=0)
for w in 1 2 2 1; do
  out="$dir/w$w-$RANDOM"
  start=$(date +%s.%N)
  deno run --allow-read --allow-write="$dir" --allow-env --allow-sys=cpus,systemMemoryInfo,hostname \
    src/cli.ts grid --preset "$preset" --out "$out" --workers "$w" --no-plots >"$out.log" 2>&1
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  total[$w]=$(echo "${total[$w]} + $t" | bc)
  echo "workers $w: ${t} s"
  last[$w]="$out"
done
echo "speedup 2 workers over 1: $(echo "scale=2; ${total[1]} / ${total[2]}" | bc)x"
# Same rows, timing columns (wall_seconds, samples_per_sec, finished_at: 24, 25, 30) aside.
strip() { cut -d, -f1-23,26-29 "$1" | sort; }
if diff <(strip "${last[1]}/runs.csv") <(strip "${last[2]}/runs.csv") >/dev/null &&
  diff <(sort "${last[1]}/curves.csv") <(sort "${last[2]}/curves.csv") >/dev/null; then
  echo "rows and curves of 1 and 2 workers: identical (timings aside)"
else
  echo "rows or curves of 1 and 2 workers DIFFER"
  exit 1
fi
