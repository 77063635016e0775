#!/usr/bin/env bash
# bench/load/verify_load.sh — load a running sessionkit server (or anything speaking its
# API) with validations: wrk rotating many users' tokens, so that consecutive requests
# hit different sessions. See bench/README.md ("HTTP load script").
#
#   bench/load/verify_load.sh --url http://127.0.0.1:8080                 # 100 new users
#   bench/load/verify_load.sh --url https://auth.example --tokens my-tokens.txt
#   bench/load/verify_load.sh --url http://127.0.0.1:8080 --mixed 8       # + logins at once
#
# Needs wrk and python3 (standard library). Prints wrk's report and a summary line per
# phase; with --mixed N, first a solo phase, then the same load while N connections log
# in continuously, and the ratio of the two validation rates.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
URL=""
USERS=100
TOKENS=""
PREFIX="load$(date +%s)"
PASSWORD="Load-Test-Passw0rd"
AGENT="sessionkit-load/1"
ROUTE="/api/auth/verify"
METHOD="GET"
DURATION=10
CONNECTIONS=64
THREADS=1
MIXED=0
WARMUP=2
PID=""
KEEP=""

usage() {
  cat <<'EOF'
usage: bench/load/verify_load.sh --url URL [options]

  --url URL            server base URL (required), e.g. http://127.0.0.1:8080
  --users N            register (or log in) N users and use their tokens (default 100)
  --tokens FILE        use these tokens instead (one JWT per line; no users are created,
                       --mixed is then unavailable)
  --prefix P           user name prefix for --users (default load<unix time>)
  --password PW        password of those users (default Load-Test-Passw0rd)
  --user-agent UA      User-Agent of every request (default sessionkit-load/1); keep it
                       equal to the one the tokens were issued to, or the server sees drift
  --path PATH          route to load (default /api/auth/verify; e.g. /api/users/me)
  --method M           HTTP method for it (default GET)
  --duration S         seconds per measured phase (default 10)
  --connections C      wrk connections (default 64)
  --threads T          wrk threads (default 1)
  --warmup S           unmeasured seconds before the first phase (default 2; 0 = none)
  --mixed N            also measure with N more connections logging in continuously
  --pid PID            server process on this machine: report its CPU per request
  --keep DIR           write the tokens and login bodies to DIR and keep them
EOF
}

die() { echo "verify_load: $*" >&2; exit 2; }

while (($#)); do
  case "$1" in
    --url) URL="${2%/}"; shift 2 ;;
    --users) USERS="$2"; shift 2 ;;
    --tokens) TOKENS="$2"; shift 2 ;;
    --prefix) PREFIX="$2"; shift 2 ;;
    --password) PASSWORD="$2"; shift 2 ;;
    --user-agent) AGENT="$2"; shift 2 ;;
    --path) ROUTE="$2"; shift 2 ;;
    --method) METHOD="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --mixed) MIXED="$2"; shift 2 ;;
    --pid) PID="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[[ -n "$URL" ]] || { usage >&2; die "--url is required"; }
command -v wrk >/dev/null || die "wrk is not installed (Debian: apt-get install wrk)"
command -v python3 >/dev/null || die "python3 is required"
for n in USERS DURATION CONNECTIONS THREADS WARMUP MIXED; do
  [[ "${!n}" =~ ^[0-9]+$ ]] || die "$n must be a non-negative integer"
done
((DURATION > 0 && CONNECTIONS > 0 && THREADS > 0 && THREADS <= CONNECTIONS)) ||
  die "--duration, --connections and --threads must be > 0, threads <= connections"
[[ -z "$TOKENS" || "$MIXED" == 0 ]] || die "--mixed needs users created here (no --tokens)"
[[ -z "$PID" || -r "/proc/$PID/stat" ]] || die "no process $PID on this machine"

WORK="$(mktemp -d -t sessionkit-load.XXXXXX)"
WRK_PIDS=()
cleanup() {
  local p
  for p in "${WRK_PIDS[@]+"${WRK_PIDS[@]}"}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n "$KEEP" ]]; then
    mkdir -p "$KEEP" && cp "$WORK"/*.txt "$KEEP"/ 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [[ -z "$TOKENS" ]]; then
  ((USERS > 0)) || die "--users must be > 0"
  echo "verify_load: registering $USERS users ($PREFIX*) on $URL" >&2
  python3 "$HERE/make_tokens.py" --url "$URL" --users "$USERS" --prefix "$PREFIX" \
    --password "$PASSWORD" --user-agent "$AGENT" \
    --tokens-out "$WORK/tokens.txt" --logins-out "$WORK/logins.txt" || die "could not get tokens"
  TOKENS="$WORK/tokens.txt"
fi
[[ -s "$TOKENS" ]] || die "no tokens in $TOKENS"

# Server CPU seconds (utime + stime of every thread), when --pid is given.
cpu_seconds() {
  [[ -n "$PID" ]] || { echo 0; return; }
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); split($0, f, " "); print (f[12] + f[13]) / hz }' \
    "/proc/$PID/stat"
}

# run_wrk NAME MODE FILE CONNECTIONS PATH SECONDS: wrk in the background, output in $WORK/NAME.out
run_wrk() {
  local name="$1" mode="$2" file="$3" conns="$4" path="$5" secs="$6" threads="$THREADS"
  ((threads > conns)) && threads="$conns"
  LOAD_METHOD="$METHOD" wrk -t"$threads" -c"$conns" -d"${secs}s" --latency \
    -s "$HERE/rotate.lua" "$URL$path" -- "$mode" "$file" "$AGENT" >"$WORK/$name.out" 2>&1 &
  WRK_PIDS+=($!)
}

result() { grep -m1 '^LOAD_RESULT ' "$WORK/$1.out" | cut -d' ' -f2-; }

# summary NAME LABEL [CPU_SECONDS]
summary() {
  local json
  json="$(result "$1")" || { echo "verify_load: wrk failed:" >&2; cat "$WORK/$1.out" >&2; exit 1; }
  python3 - "$2" "$json" "${3:-}" <<'EOF'
import json, sys
label, r, cpu = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
line = (f"{label:<22} {r['ok_per_s']:>10,.0f} ok/s   p50 {r['p50_ms']:.2f} ms   p99 {r['p99_ms']:.2f} ms"
        f"   p99.9 {r['p999_ms']:.2f} ms")
if r["non_2xx"] or r["socket_errors"]:
    line += f"   !! {r['non_2xx']} non-2xx, {r['socket_errors']} socket errors"
if cpu:
    ok = r["ok_per_s"] * r["seconds"]
    line += f"   server CPU {float(cpu) * 1e6 / max(ok, 1):.1f} us/request"
print(line)
EOF
}

if ((WARMUP > 0)); then
  run_wrk warmup bearer "$TOKENS" "$CONNECTIONS" "$ROUTE" "$WARMUP"
  wait "${WRK_PIDS[-1]}" || true
fi

echo "== $METHOD $ROUTE: $CONNECTIONS connections, $THREADS wrk thread(s), ${DURATION}s, $(grep -c . "$TOKENS") tokens rotated"
c0="$(cpu_seconds)"
run_wrk solo bearer "$TOKENS" "$CONNECTIONS" "$ROUTE" "$DURATION"
wait "${WRK_PIDS[-1]}" || true
c1="$(cpu_seconds)"
sed -n '/Latency Distribution/,/Requests\/sec/p' "$WORK/solo.out"
solo_cpu=""
[[ -n "$PID" ]] && solo_cpu="$(python3 -c "print($c1 - $c0)")"
summary solo "validations" "$solo_cpu"

if ((MIXED > 0)); then
  echo "== the same, while $MIXED connections log in continuously (POST /api/auth/login)"
  run_wrk logins login "$WORK/logins.txt" "$MIXED" /api/auth/login "$DURATION"
  run_wrk mixed bearer "$TOKENS" "$CONNECTIONS" "$ROUTE" "$DURATION"
  wait "${WRK_PIDS[@]}" || true
  summary mixed "validations (mixed)"
  summary logins "logins (mixed)"
  python3 - "$(result solo)" "$(result mixed)" <<'EOF'
import json, sys
solo, mixed = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"validations while logging in: {100 * mixed['ok_per_s'] / max(solo['ok_per_s'], 1):.0f}% of solo")
EOF
fi
