#!/usr/bin/env bash
# bench/load/instructions_per_request.sh — instructions a server binary executes per
# request, counted by valgrind's callgrind: a figure that, unlike req/s or CPU time, does
# not move with the other load on the machine, so two builds can be compared on a busy box.
#
#   bench/load/instructions_per_request.sh --server build/server/sessionkit-server \
#       [--redis-port 6379] [--route /api/auth/verify] [--seconds 8]
#
# It starts the server normally on a temporary SQLite file with REDIS_ADDR pointing at the
# given (running, disposable: it is FLUSHALLed) Redis -- without --redis-port, sessions stay
# in the embedded store in that file (environment such as SQLITE_READ_CACHE_ENTRIES is passed
# on; system calls are not counted: compare embedded figures with each other) -- registers 20 users for their tokens
# (bench/load/make_tokens.py), restarts the same binary under callgrind with one I/O thread,
# warms up, zeroes the counters, loads the route with wrk (8 connections, tokens rotated by
# rotate.lua) and prints the user-space instructions per answered request. Needs valgrind,
# wrk, curl, redis-cli, python3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
server="" redis_port="" route=/api/auth/verify seconds=8
while [[ $# -gt 0 ]]; do
  case "$1" in
    --server) server=$(realpath "$2"); shift 2 ;;
    --redis-port) redis_port=$2; shift 2 ;;
    --route) route=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) echo "usage: $0 --server BIN [--redis-port PORT] [--route PATH] [--seconds S]" >&2; exit 2 ;;
  esac
done
[[ -n "$server" ]] || { echo "--server is required" >&2; exit 2; }

dir=$(mktemp -d)
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [[ -n "$redis_port" ]]; then
  redis-cli -p "$redis_port" flushall >/dev/null
  export REDIS_ADDR=127.0.0.1:$redis_port
else
  unset REDIS_ADDR REDIS_CLUSTER_NODES  # the embedded store, in the same SQLite file
fi
export JWT_SECRET=$(head -c 32 /dev/urandom | base64)
export HTTP_ADDR=127.0.0.1:$port DATABASE_URL=sqlite://$dir/users.db

wait_healthy() {
  for _ in $(seq 300); do curl -sf "localhost:$port/healthz" >/dev/null && return 0; sleep 0.2; done
  echo "server did not become healthy" >&2; exit 1
}

"$server" --io-threads 1 2>/dev/null & pid=$!
wait_healthy
python3 "$HERE/make_tokens.py" --url "http://127.0.0.1:$port" --users 20 --prefix ipruser \
  --tokens-out "$dir/tokens.txt" --logins-out "$dir/logins.txt" >/dev/null 2>&1
kill "$pid"; wait "$pid" 2>/dev/null || true

(cd "$dir" && exec valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
  "$server" --io-threads 1 --hash-threads 1 2>/dev/null) & pid=$!
wait_healthy
load() { wrk -t1 -c8 -d"$1"s -s "$HERE/rotate.lua" "http://127.0.0.1:$port$route" -- bearer "$dir/tokens.txt"; }
load 3 >/dev/null
callgrind_control -z "$pid" >/dev/null 2>&1
report=$(load "$seconds")
callgrind_control -d "$pid" >/dev/null 2>&1
sleep 1
requests=$(awk '/requests in/ {print $1}' <<<"$report")
non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$report")
instructions=$(cat "$dir"/cg.out.* | awk '/^summary:/ {s += $2} END {print s}')
echo "$(basename "$server") $route: $requests requests (non-2xx: ${non2xx:-0}), $((instructions / requests)) instructions/request"
