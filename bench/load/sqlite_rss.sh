#!/usr/bin/env bash
# Server memory with many live sessions in the embedded SQLite store (issue 16, target 5).
#
#   bench/load/sqlite_rss.sh --server build/server/sessionkit-server [--count 1000000]
#                            [--sample 20000] [--duration 10]
#
# 1. starts the server on a fresh SQLite file (no Redis), registers one user through the
#    API and keeps its token, stops the server;
# 2. plants --count copies of that session in the file (plant_sqlite_sessions.py: the
#    store's own row format, one transaction) and signs a token for --sample of them;
# 3. starts the server again on the planted file, reads its VmRSS, loads GET
#    /api/auth/verify for --duration seconds rotating the sample tokens (verify_load.sh),
#    then reads VmRSS and VmHWM (peak) and prints them with the rates.
# Needs python3, wrk, curl. Everything lives in a temporary directory removed at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
SERVER="" COUNT=1000000 SAMPLE=20000 DURATION=10
while (($#)); do
  case "$1" in
    --server) SERVER="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --sample) SAMPLE="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$SERVER" ]] || { echo "--server must name the sessionkit-server binary" >&2; exit 2; }

tmp="$(mktemp -d)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
JWT_SECRET="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export JWT_SECRET
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"

start_server() {
  env -u REDIS_ADDR -u REDIS_CLUSTER_NODES HTTP_ADDR="127.0.0.1:$port" \
    DATABASE_URL="sqlite://$tmp/rss.db" "$SERVER" >>"$tmp/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$url/healthz" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server did not answer /healthz; its log:" >&2
  cat "$tmp/server.log" >&2
  exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
mem() { awk -v k="$1:" '$1 == k { print int($2 / 1024) }' "/proc/$pid/status"; }

start_server
python3 "$here/make_tokens.py" --url "$url" --users 1 --prefix rss --tokens-out "$tmp/one.txt" \
  --logins-out "$tmp/logins.txt" >/dev/null
stop_server
echo "planting $COUNT sessions..." >&2
python3 "$here/plant_sqlite_sessions.py" --db "$tmp/rss.db" --token "$(head -1 "$tmp/one.txt")" \
  --count "$COUNT" --sample "$SAMPLE" --tokens-out "$tmp/sample.txt" >&2

start_server
sleep 1
idle_rss="$(mem VmRSS)"
"$here/verify_load.sh" --url "$url" --tokens "$tmp/sample.txt" --duration "$DURATION" \
  --warmup 1 --pid "$pid" | tail -3
echo "live sessions in the file: $((COUNT + 1)), file $(( $(stat -c %s "$tmp/rss.db") / 1048576 )) MiB"
echo "server RSS: ${idle_rss} MiB after start, $(mem VmRSS) MiB after the load, peak (VmHWM) $(mem VmHWM) MiB"
