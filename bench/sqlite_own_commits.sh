#!/usr/bin/env bash
# bench/sqlite_own_commits.sh — the embedded store's Validate while another thread of the
# same process commits touches of other sessions at a steady rate: the writes through a
# second store on the file (every commit empties the read cache, as all commits did before
# own commits were proven) against the writes through the validating store itself (own
# commits keep the other entries). Interleaved rounds (other, own, other, own, ...) of
# build/bench/sqlite_bench's BM_SqliteValidateWithWrites; prints each round and the medians
# of validations/s, hit rate and CPU per validation.
#
#   bench/sqlite_own_commits.sh [--bench build/bench/sqlite_bench] [--rounds 5]
#                               [--rate 200|2000] [--min-time 2]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH="$HERE/../build/bench/sqlite_bench"
ROUNDS=5
RATE=2000
MIN_TIME=2
while (($#)); do
  case "$1" in
    --bench) BENCH="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --min-time) MIN_TIME="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "sqlite_own_commits: unknown argument $1" >&2; exit 2 ;;
  esac
done

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
for ((round = 1; round <= ROUNDS; round++)); do
  for own in 0 1; do
    "$BENCH" --benchmark_filter="ValidateWithWrites/own:${own}/writes_per_s:${RATE}/" \
      --benchmark_min_time="${MIN_TIME}" --benchmark_format=json \
      >"$OUT/round${round}-own${own}.json"
  done
done

python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rows = {0: [], 1: []}
for r in range(1, rounds + 1):
    for own in (0, 1):
        b = json.load(open(f"{out}/round{r}-own{own}.json"))["benchmarks"][0]
        per_s = b["items_per_second"]
        cpu_us = b["cpu_time"] / 1000.0 if b["time_unit"] == "ns" else b["cpu_time"]
        rows[own].append((per_s, b["hit_rate"], cpu_us, b["writes_per_s"]))
        print(f"round {r} {'own  ' if own else 'other'}: {per_s/1000:8.1f} k validations/s  "
              f"hit rate {b['hit_rate']*100:5.1f} %  CPU {cpu_us:6.2f} us/validation  "
              f"writes {b['writes_per_s']:7.0f}/s")
for own in (0, 1):
    m = [statistics.median(x[i] for x in rows[own]) for i in range(4)]
    print(f"median {'own commits (after)  ' if own else 'other writer (before)'}: "
          f"{m[0]/1000:8.1f} k/s  hit rate {m[1]*100:5.1f} %  CPU {m[2]:6.2f} us  "
          f"writes {m[3]:7.0f}/s")
PY
