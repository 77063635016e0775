#!/usr/bin/env bash
# Configures and builds one build tree. Usage: scripts/build.sh [release|asan] [targets...]
#   release -> build/       (RelWithDebInfo, benchmarks included)
#   asan    -> build-asan/  (ASan + UBSan, no benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
shift || true
case "$kind" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DSESSIONKIT_SANITIZE=ON -DSESSIONKIT_BUILD_BENCH=OFF) ;;
  *) echo "usage: $0 [release|asan] [targets...]" >&2; exit 2 ;;
esac
scripts/install-deps.sh
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
jobs=$(nproc)
if [[ $# -gt 0 ]]; then
  cmake --build "$dir" -j "$jobs" --target "$@"
else
  cmake --build "$dir" -j "$jobs"
fi
