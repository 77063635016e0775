#!/usr/bin/env bash
# bench/near_cache_throughput.sh — verify throughput with the near-cache off and on, in
# one run, interleaved (off, on, off, on, ...), with the existing load tool
# (bench/load/verify_load.sh: wrk rotating 100 users' tokens).
#
#   bench/near_cache_throughput.sh [--binary build/server/sessionkit-server] [--rounds 5]
#                                  [--duration 5] [--connections 64] [--io-threads N]
#
# Starts one redis-server and two servers on it with the same JWT_SECRET: `off`
# (SESSION_CACHE=off) and `on` (SESSION_CACHE=tracking); the tokens are made once on
# `off` (sessions live in the shared Redis, so both servers accept them). Each round loads
# one server, then the other; prints each round's line and the medians of req/s and of
# the server's CPU per request, with their ratio. Needs wrk, redis-server, python3.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BINARY="$HERE/../build/server/sessionkit-server"
ROUNDS=5
DURATION=5
CONNECTIONS=64
IO_THREADS=""
while (($#)); do
  case "$1" in
    --binary) BINARY="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --io-threads) IO_THREADS="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "near_cache_throughput: unknown argument $1" >&2; exit 2 ;;
  esac
done
BINARY="$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")"
[[ -x "$BINARY" ]] || { echo "near_cache_throughput: no server binary at $BINARY" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

WORK="$(mktemp -d -t sk-nearcache.XXXXXX)"
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

REDIS_PORT="$(free_port)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" >/dev/null &
PIDS+=($!)
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done

SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
declare -A PORT PID
for name in off on; do
  PORT[$name]="$(free_port)"
  cache=off; [[ "$name" == on ]] && cache=tracking
  args=(); [[ -n "$IO_THREADS" ]] && args=(--io-threads "$IO_THREADS")
  env -i PATH="$PATH" JWT_SECRET="$SECRET" REDIS_ADDR="127.0.0.1:$REDIS_PORT" \
    HTTP_ADDR="127.0.0.1:${PORT[$name]}" DATABASE_URL="sqlite:///${WORK#/}/$name.db" SESSION_CACHE="$cache" \
    "$BINARY" "${args[@]+"${args[@]}"}" >"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  PIDS+=($!)
  for _ in $(seq 200); do
    curl -fs "http://127.0.0.1:${PORT[$name]}/healthz" >/dev/null 2>&1 && break
    sleep 0.05
  done
done

python3 "$HERE/load/make_tokens.py" --url "http://127.0.0.1:${PORT[off]}" --users 100 \
  --tokens-out "$WORK/tokens.txt" --logins-out "$WORK/logins.txt" >/dev/null

results="$WORK/results.txt"
for round in $(seq "$ROUNDS"); do
  for name in off on; do
    line="$("$HERE/load/verify_load.sh" --url "http://127.0.0.1:${PORT[$name]}" --tokens "$WORK/tokens.txt" \
      --duration "$DURATION" --connections "$CONNECTIONS" --warmup 1 --pid "${PID[$name]}" | grep '^validations')"
    echo "round $round $name: $line"
    echo "$name $line" >>"$results"
  done
done

python3 - "$results" <<'EOF'
import re, statistics, sys
rows = {"off": [], "on": []}
for line in open(sys.argv[1]):
    name = line.split()[0]
    rate = float(re.search(r"([\d,]+) ok/s", line).group(1).replace(",", ""))
    cpu = float(re.search(r"server CPU ([\d.]+) us/request", line).group(1))
    rows[name].append((rate, cpu))
med = {k: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
for k in ("off", "on"):
    print(f"median {k:>3}: {med[k][0]:>9,.0f} ok/s   server CPU {med[k][1]:.1f} us/request")
print(f"on / off: req/s {med['on'][0] / med['off'][0]:.2f}x   server CPU per request {med['on'][1] / med['off'][1]:.2f}x")
EOF
