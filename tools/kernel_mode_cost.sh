#!/usr/bin/env bash
# What the reproducible kernels cost: W1, W2 and S1 trained with `deno task train` in three
# kernel settings, interleaved (A B C A B C ...) so that load on the machine hits each alike,
# one native thread each as in a grid. Prints samples/s per round and the median ratio of each
# setting to the reproducible one.
#   reproducible  the default: oneDNN capped at AVX2, OpenBLAS Haswell
#   fast          --fast: oneDNN's widest ISA; OpenBLAS's core from the environment as it is
#   fast-skx      --fast with OPENBLAS_CORETYPE=SkylakeX: OpenBLAS's AVX-512 kernels, what an
#                 AVX-512 machine takes without a pin (skipped without avx512f)
# Usage: bash tools/kernel_mode_cost.sh [ROUNDS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
declare -A workloads=(
  [S1]="--model mlp --depth 16 --width 64 --batch-size 128 --optimizer lalc --steps 150"
  [W1]="--model mlp --depth 16 --width 256 --batch-size 256 --optimizer momentum --steps 40"
  [W2]="--model cnn --depth 6 --width 32 --batch-size 128 --optimizer momentum --steps 12"
)
settings=(reproducible fast)
grep -qw avx512f /proc/cpuinfo && settings+=(fast-skx)
speed() { # setting, workload args -> samples/s
  local setting=$1; shift
  local env=() flags=()
  case $setting in
    fast) flags=(--fast) ;;
    fast-skx) flags=(--fast); env=(OPENBLAS_CORETYPE=SkylakeX) ;;
  esac
  env "${env[@]}" deno task train --dataset synthetic --threads 1 "$@" "${flags[@]}" --json \
    2>/dev/null | tail -1 | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["samplesPerSec"]))'
}
echo "kernel mode cost, $(date -u +%F), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
for w in S1 W1 W2; do
  declare -A got=()
  for ((r = 1; r <= rounds; r++)); do
    for s in "${settings[@]}"; do got[$s]+="$(speed "$s" ${workloads[$w]}) "; done
  done
  line="$w:"
  for s in "${settings[@]}"; do line+=" $s [${got[$s]% }]"; done
  echo "$line"
  for s in "${settings[@]}"; do
    [ "$s" = reproducible ] && continue
    python3 -c "
import statistics,sys
a=[float(x) for x in '${got[reproducible]}'.split()]; b=[float(x) for x in '${got[$s]}'.split()]
print(f'  $w $s / reproducible: median of per-round ratios {statistics.median(y/x for x,y in zip(a,b)):.3f}')"
  done
  unset got
done
