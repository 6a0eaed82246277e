#!/usr/bin/env bash
# Packs what tools/gpu_offline_run.sh needs on a GPU machine without network access: the Deno
# binary (xz), the node_modules files a GPU run opens (a tar.xz of well under 1 MB instead
# of the 350 MB folder) and, with --vulkan-loader, Debian's Vulkan loader package for a
# machine whose image lacks libvulkan.so.1. Run it in the repository on an x86-64 Linux
# machine with network that has run `bash .ci/setup` (Deno, node_modules, lavapipe) and has
# strace (Debian: apt-get install strace).
#
#   bash tools/gpu_offline_bundle.sh [DIR] [--vulkan-loader]      (DIR: .gpu-bundle)
#
# Which node_modules files: those a --quick run of tools/gpu_offline_run.sh opens here on
# lavapipe (traced with strace), each by its real path, plus every symbolic link in
# node_modules (tf.js' packages must resolve to the one copy of tfjs-core, or each would
# load its own). The bundle is about 29 MB (Deno 2.9.6: 95.6 MB, 28.3 MB compressed).
# Then copy DIR and the repository to the GPU machine (the repository's results/, 40 MB of
# committed results, is not needed there) and run there:
#
#   bash tools/gpu_offline_run.sh DIR LOGS
set -euo pipefail
cd "$(dirname "$0")/.."

dir=.gpu-bundle
loader=""
for arg in "$@"; do
  case "$arg" in
    --vulkan-loader) loader=1 ;;
    -*) echo "gpu_offline_bundle: unknown option \"$arg\"; allowed: --vulkan-loader" >&2; exit 2 ;;
    *) dir=$arg ;;
  esac
done
for tool in deno strace xz tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "gpu_offline_bundle: needs $tool" >&2; exit 2; }
done
[ -d node_modules/.deno ] || { echo "gpu_offline_bundle: no node_modules: run bash .ci/setup first" >&2; exit 2; }
mkdir -p "$dir"

version=$(deno --version | head -1)
if [ ! -f "$dir/deno.xz" ] || [ "$(cat "$dir/deno.version" 2>/dev/null)" != "$version" ]; then
  echo "compressing $(readlink -f "$(command -v deno)") ($version), about a minute"
  xz -9 -T0 -c "$(readlink -f "$(command -v deno)")" >"$dir/deno.xz.tmp"
  mv "$dir/deno.xz.tmp" "$dir/deno.xz"
  echo "$version" >"$dir/deno.version"
fi

work=$(mktemp -d)
trap '[ -n "${GPU_BUNDLE_KEEP:-}" ] || rm -rf "$work"' EXIT
echo "tracing a --quick run on this machine's adapter (a few minutes)"
strace -f -qq -e trace=openat,open,stat,newfstatat,statx,readlink,readlinkat -o "$work/trace" \
  env -u GPU_OFFLINE_USE_BUNDLE bash tools/gpu_offline_run.sh "$dir" "$work/logs" --quick >"$work/run.log" 2>&1 ||
  { tail -20 "$work/run.log" >&2; echo "gpu_offline_bundle: the traced run failed" >&2; exit 1; }
grep -q "== correct: exit 0" "$work/logs/correct.log" ||
  { tail -20 "$work/logs/correct.log" >&2; echo "gpu_offline_bundle: the traced tests failed" >&2; exit 1; }
# The run works in /tmp/gpu-offline/repo, its node_modules a link to this checkout's.
grep -o '"[^"]*node_modules/[^"]*"' "$work/trace" | tr -d '"' |
  sed 's#^.*/gpu-offline/repo/##; s#^'"$(pwd)"'/##' | grep '^node_modules/' | sort -u | while read -r path; do
  if [ -f "$path" ]; then realpath --relative-to=. "$path"; fi
done >"$work/files"
find node_modules -type l >>"$work/files"
sort -u "$work/files" -o "$work/files"
tar --no-recursion -cf - -T "$work/files" | xz -9 -T0 >"$dir/node_modules.tar.xz"

if [ -n "$loader" ]; then
  mkdir -p "$dir/gl"
  (cd "$dir/gl" && apt-get download libvulkan1) ||
    { echo "gpu_offline_bundle: apt-get download libvulkan1 failed (apt-get update first?)" >&2; exit 1; }
fi
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | head -1)
echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)${dirty:+ (with uncommitted changes)}" >"$dir/COMMIT"
echo "bundle $dir: $(wc -l <"$work/files") node_modules entries; $(du -sh "$dir" | cut -f1) in all"
ls -la "$dir"
