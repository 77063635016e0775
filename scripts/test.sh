#!/usr/bin/env bash
# Builds and runs every test: first the normal build, then the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer; in between, each fuzz target runs for
# 15 s (SESSIONKIT_FUZZ_SECONDS; 13 targets, about 3.3 minutes). Installs missing Debian packages.
# SESSIONKIT_SKIP_ASAN=1 runs only the first pass (for quick local iterations).
set -euo pipefail
cd "$(dirname "$0")/.."

run_suite() {
  local kind=$1 dir=$2
  shift 2
  echo "== build ($kind)"
  scripts/build.sh "$kind"
  echo "== ctest ($kind)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" --timeout 300 "$@"
}

run_suite release build
# The library installed and used from a scratch prefix, the .deb packages unpacked and
# run (scripts/check-package.sh; its own build tree, build-pkg/). Once: plain pass only.
echo "== package"
scripts/check-package.sh
# Every libFuzzer target for a short bounded time (clang, its own build tree; the
# sanitizers are built into the fuzzers, so once is enough). docs/fuzzing.md.
echo "== fuzz"
scripts/fuzz.sh "${SESSIONKIT_FUZZ_SECONDS:-15}"
if [[ "${SESSIONKIT_SKIP_ASAN:-0}" != 1 ]]; then
  # The fault test (label heavy) kills processes under load on the optimised build's
  # timings: plain pass only.
  run_suite asan build-asan -LE heavy
fi
