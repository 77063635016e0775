#!/usr/bin/env bash
# Builds and runs every test: first the normal build, then the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer. Installs missing Debian packages.
# SESSIONKIT_SKIP_ASAN=1 runs only the first pass (for quick local iterations).
set -euo pipefail
cd "$(dirname "$0")/.."

run_suite() {
  local kind=$1 dir=$2
  echo "== build ($kind)"
  scripts/build.sh "$kind"
  echo "== ctest ($kind)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 300
}

run_suite release build
if [[ "${SESSIONKIT_SKIP_ASAN:-0}" != 1 ]]; then
  run_suite asan build-asan
fi
