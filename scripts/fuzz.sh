#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, ASan + UBSan) in build-fuzz/ and runs
# each for a bounded time. Exits non-zero if any target finds a crash, a sanitizer
# report, a failed property, a leak or a timeout; the input is kept in
# build-fuzz/artifacts/<target>/.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  time per target (default 25); targets default to all of them
#   FUZZ_RUNS=N  stop each target after N executions instead (time still bounds it)
# New inputs are written to build-fuzz/corpus/<target>/ (not to the seeds in
# fuzz/corpus/<target>/, which stay small and hand-made); docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-25}
shift || true
all_targets=(jwt_verify session_record rfc3339 http_request dotenv config_load redis_reply
  cookie_header origin user_agent totp_secret two_factor_code users_import)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

scripts/install-deps.sh
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSESSIONKIT_FUZZ=ON -DSESSIONKIT_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

failed=()
for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t artifacts=build-fuzz/artifacts/$t
  mkdir -p "$corpus" "$artifacts"
  runs=()
  [[ -z "${FUZZ_RUNS:-}" ]] || runs=(-runs="$FUZZ_RUNS")
  echo "== fuzz $t (${seconds}s${FUZZ_RUNS:+, at most $FUZZ_RUNS runs})"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" "${runs[@]}" -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "fuzz/corpus/$t" \
      >"build-fuzz/fuzz_$t.log" 2>&1; then
    tail -n 40 "build-fuzz/fuzz_$t.log" >&2
    failed+=("$t")
  fi
  grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
    "build-fuzz/fuzz_$t.log" | tr '\n' ' ' || true
  echo "corpus: $(find "$corpus" -type f | wc -l) files"
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: findings in ${failed[*]} (inputs in build-fuzz/artifacts/)" >&2
  exit 1
fi
