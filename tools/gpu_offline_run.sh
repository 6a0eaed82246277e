#!/usr/bin/env bash
# Runs the GPU checks and measurements of docs/backends.md ("Re-making the table") in one go,
# on a GPU machine that may have no network and no Deno (an air-gapped cluster node), from a
# bundle made by tools/gpu_offline_bundle.sh. Each stage's output goes to LOGS/<stage>.log
# (and to stdout); a stage past its time limit is stopped and the next one runs.
#
#   bash tools/gpu_offline_run.sh BUNDLE LOGS [--quick] [STAGE ...]
#
# Stages (limits in seconds); by default the first five, in this order, about 8 minutes at
# most and usually far less, so that a short GPU allocation leaves time for a second try:
#   env      20   the GPU, the driver, Deno, the bundle's commit
#   correct 120   the webgpu kernels against cpu on this GPU (matmul, conv, BN, update
#                 chunks, fused loss and norms, step counts, a tiny grid)
#   steps   210   the step table: the project on webgpu vs PyTorch CUDA (--cap 12)
#   kernels  90   matMul and the 3x3 conv, tf.js' kernels vs the project's, TFLOP/s
#   counts   60   dispatches, passes, the backend's host time and each kernel's GPU time
#                 (timestamp queries) per step
# and, only when named:
#   tiles    90   matMul with each tile of the project's program forced
#   project  90   the step table with the project's matmul (--cap 5)
#   bn       90   batch norm's webgpu programs timed each way on the same shapes (ResNet-20
#                 at batch 256, MLP 16 x 1024 at batch 8192): as shipped, by blocks of rows
#                 past 1024 rows, and per channel on every shape
# --quick runs every stage at tiny sizes (a check of this script, e.g. on lavapipe).
#
# Needs bash, xz, tar, sed, timeout (coreutils) and, for the Vulkan loader packages when the
# machine lacks libvulkan, dpkg (as root). Works on a copy in /tmp/gpu-offline.
set -uo pipefail

usage() {
  echo "usage: bash tools/gpu_offline_run.sh BUNDLE LOGS [--quick] [STAGE ...]" >&2
  echo "stages: env correct steps kernels counts (the default), tiles, project, bn" >&2
  exit 2
}
[ $# -ge 2 ] || usage
bundle=$(cd "$1" 2>/dev/null && pwd) || { echo "gpu_offline_run: no bundle folder \"$1\"" >&2; exit 2; }
mkdir -p "$2" || exit 2
logs=$(cd "$2" && pwd)
shift 2
quick=""
stages=()
for arg in "$@"; do
  case "$arg" in
    --quick) quick="--quick" ;;
    env | correct | steps | kernels | counts | tiles | project | bn) stages+=("$arg") ;;
    *) echo "gpu_offline_run: unknown argument \"$arg\"; allowed: --quick, env, correct, steps, kernels, counts, tiles, project, bn" >&2; exit 2 ;;
  esac
done
[ ${#stages[@]} -gt 0 ] || stages=(env correct steps kernels counts)
source=$(cd "$(dirname "$0")/.." && pwd)

# Deno: the bundle's, unless this machine has the pinned one (GPU_OFFLINE_USE_BUNDLE=1: the
# bundle's in any case).
want=$(cat "$bundle/deno.version" 2>/dev/null)
if [ -n "${GPU_OFFLINE_USE_BUNDLE:-}" ] || ! command -v deno >/dev/null 2>&1 ||
  [ "$(deno --version | head -1)" != "$want" ]; then
  [ -f "$bundle/deno.xz" ] || { echo "gpu_offline_run: no deno here and no $bundle/deno.xz" >&2; exit 2; }
  mkdir -p /tmp/gpu-offline/bin
  xz -dc "$bundle/deno.xz" >/tmp/gpu-offline/bin/deno && chmod +x /tmp/gpu-offline/bin/deno
  export PATH="/tmp/gpu-offline/bin:$PATH"
fi
# The run works on a copy of the repository (results/ left out) whose deno.json says
# "nodeModulesDir": "manual": in "auto" mode Deno checks node_modules against its global npm
# cache and, offline with an empty cache, fails to download what it finds missing; in
# "manual" mode it reads node_modules as they are. The checkout itself is left untouched.
repo=/tmp/gpu-offline/repo
rm -rf "$repo" && mkdir -p "$repo"
tar -C "$source" --exclude=./results --exclude=./node_modules --exclude=./.git \
  --exclude="./$(basename "$bundle")" -cf - . | tar -C "$repo" -xf - || exit 2
sed -i 's/"nodeModulesDir": "auto"/"nodeModulesDir": "manual"/' "$repo/deno.json"
grep -q '"nodeModulesDir": "manual"' "$repo/deno.json" ||
  { echo "gpu_offline_run: deno.json has no \"nodeModulesDir\": \"auto\" to turn to manual" >&2; exit 2; }
# node_modules: the checkout's (GPU_OFFLINE_USE_BUNDLE=1: the bundle's pruned copy in any case).
if [ -d "$source/node_modules/.deno" ] && [ -z "${GPU_OFFLINE_USE_BUNDLE:-}" ]; then
  ln -s "$source/node_modules" "$repo/node_modules"
else
  tar -C "$repo" -xJf "$bundle/node_modules.tar.xz" ||
    { echo "gpu_offline_run: cannot unpack $bundle/node_modules.tar.xz" >&2; exit 2; }
fi
cd "$repo"
# The Vulkan loader, when the machine has none and the bundle brought Debian's.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  for f in "$bundle"/gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
  ldconfig 2>/dev/null
fi
# Some GPU containers mount the NVIDIA driver under /usr/local/nvidia, outside the loader's path.
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ] && [ -z "${VK_DRIVER_FILES:-}" ]; then export VK_DRIVER_FILES=$icd; fi
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
export DENO_NO_UPDATE_CHECK=1

# stage NAME LIMIT COMMAND...: runs COMMAND for at most LIMIT seconds, logged.
stage() {
  local name=$1 limit=$2
  shift 2
  echo "== $name (at most ${limit} s): $*" | tee "$logs/$name.log"
  local start=$SECONDS
  timeout --kill-after=5 "$limit" "$@" 2>&1 | tee -a "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "== $name: exit $rc after $((SECONDS - start)) s$([ "$rc" = 124 ] && echo " (stopped at its limit)")" |
    tee -a "$logs/$name.log"
}

test_flags=(--allow-read --allow-ffi --allow-env --allow-write --allow-run=deno)
for s in "${stages[@]}"; do
  case "$s" in
    env)
      stage env 20 bash -c "nvidia-smi 2>&1 | head -15; deno --version; uname -m;
        echo \"bundle commit: \$(cat '$bundle/COMMIT' 2>/dev/null)\"; date -u" ;;
    correct)
      stage correct 120 deno test "${test_flags[@]}" \
        src/backend/webgpu_matmul_test.ts src/backend/webgpu_conv/webgpu_conv_test.ts \
        src/kernels/batch_norm_act/webgpu_test.ts src/kernels/multi_tensor_update/webgpu_chunks_test.ts \
        src/kernels/fused_webgpu_test.ts bench/gpu_counts_test.ts src/suite/webgpu_grid_test.ts ;;
    steps) stage steps 210 deno task bench:gpu --cap 12 $quick ;;
    kernels) stage kernels 90 deno task bench:gpu --matmul --conv $quick ;;
    tiles) stage tiles 90 deno task bench:gpu --matmul --matmul-tiles $quick ;;
    counts)
      if [ -n "$quick" ]; then cases=(--case mlp:2:8:8); else
        cases=(--case mlp:16:256:256 --case cnn:6:32:128 --case resnet:20:16:256); fi
      stage counts 60 deno run --allow-read --allow-env bench/gpu_counts.ts --gpu-time "${cases[@]}" ;;
    project) stage project 90 deno task bench:gpu --matmul-kernel project --cap 5 $quick ;;
    bn)
      if [ -n "$quick" ]; then cases="--case cnn:2:8:16"; else
        cases="--case resnet:20:16:256 --case mlp:16:1024:8192"; fi
      counts="deno run --allow-read --allow-env bench/gpu_counts.ts --gpu-time --steps 2 --warmup 1 $cases"
      stage bn 90 bash -c "$counts && $counts --bn-blocked-rows 1024 && $counts --bn-blocked-rows Infinity" ;;
  esac
done
