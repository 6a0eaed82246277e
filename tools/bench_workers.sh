#!/bin/bash
# A grid with --workers 1 and --workers 2, in turn (1, 2, 2, 1) in one script so that both see
# the same machine; prints each wall time, the speedup (sum of the 1-worker times over the sum
# of the 2-worker times), and whether the two give the same rows and curves.
#   bash tools/bench_workers.sh [PRESET] [BACKEND] [THREADS]
# BACKEND defaults to wasm; THREADS (native only) is passed to both, so that the comparison
# is of workers alone (without it, one native worker takes both cores for its BLAS).
set -euo pipefail
preset="${1:-smoke}"
backend="${2:-wasm}"
threads="${3:-}"
case "$backend" in wasm | cpu | native) ;; *)
  echo "bench_workers.sh: backend '$backend' is not one of wasm, cpu, native" >&2
  exit 2
  ;;
esac
# The native libraries, from the one list in the code (a module without permissions).
ffi="$(echo 'import { NATIVE_LIBRARY_PATHS as p } from "./src/backend/native_ffi.ts"; console.log(p.join(","));' |
  deno run --ext=ts -)"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
declare -A total=([1]=0 [2]=0)
declare -A last
for w in 1 2 2 1; do
  out="$dir/w$w-$RANDOM"
  start=$(date +%s.%N)
  deno run --allow-read --allow-write="$dir" --allow-env --allow-ffi="$ffi" \
    --allow-sys=cpus,systemMemoryInfo,hostname src/cli.ts grid --preset "$preset" \
    --backend "$backend" ${threads:+--threads "$threads"} --out "$out" --workers "$w" \
    --no-plots >"$out.log" 2>&1
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  total[$w]=$(echo "${total[$w]} + $t" | bc)
  echo "workers $w: ${t} s ($(($(wc -l <"$out/runs.csv") - 1)) runs)"
  last[$w]="$out"
done
echo "speedup 2 workers over 1: $(echo "scale=2; ${total[1]} / ${total[2]}" | bc)x"
# Same rows but for the timing columns, found by name in the header; same curves.
strip() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) skip[i] = ($i ~ /^(wall_seconds|samples_per_sec|finished_at)$/) }
    { line = ""; for (i = 1; i <= NF; i++) if (!skip[i]) line = line $i ","; print line }' "$1" | sort
}
if diff <(strip "${last[1]}/runs.csv") <(strip "${last[2]}/runs.csv") >/dev/null &&
  diff <(sort "${last[1]}/curves.csv") <(sort "${last[2]}/curves.csv") >/dev/null &&
  diff <(sort "${last[1]}/layer_rates.csv") <(sort "${last[2]}/layer_rates.csv") >/dev/null; then
  echo "rows, curves and layer rates of 1 and 2 workers: identical (timings aside)"
else
  echo "rows, curves or layer rates of 1 and 2 workers DIFFER"
  exit 1
fi
