#!/usr/bin/env python3
"""bench/revocation_latency.py: how long a session deleted in Redis by another client
stays accepted by sessionkit servers running the near-cache (SESSION_CACHE=tracking).

For each revocation: a fresh session is written into Redis in the Go services' layout
(`session:<id>` JSON with a TTL, `user_sessions:<uid>` set) and a token for it minted with
JWT_SECRET; every keep-alive connection to every server verifies it (200; with two
connections per event loop the cache of every loop is filled); then `DEL session:<id>` is
sent on a connection of this script's own, and every connection is polled (GET
/api/auth/verify) until it answers 401. The latency of one revocation is the time from
the DEL's reply to the last connection's first 401 (an upper bound: the polls go round
the connections one after another). Prints p50 / p99 / max and how many exceeded the
staleness cap.

Self-contained (default): starts a redis-server and N servers (default 3) of the binary
given, all with SESSION_CACHE=tracking, on loopback ports, and stops them at the end:

    bench/revocation_latency.py --binary build/server/sessionkit-server
    bench/revocation_latency.py --servers 3 --revocations 1000 --cap-ms 2000

Against a deployment (servers already running with the cache on, one Redis): give each
server's URL, the Redis address, and the deployment's JWT_SECRET (and REDIS_PASSWORD)
in the environment; the script's sessions belong to the user id --user-id (default
"revocation-bench") and are deleted as it goes:

    JWT_SECRET=... bench/revocation_latency.py --url http://10.0.0.5:8080 \\
        --url http://10.0.0.6:8080 --redis 10.0.0.9:6379 --cap-ms 2000

Python 3 standard library only. Exit status 0 when p99 <= --target-ms and no
revocation exceeded the cap, 1 otherwise.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

UA = "sessionkit-revocation-bench/1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """One RESP connection (AUTH first when a password is given)."""

    def __init__(self, host, port, password=""):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.f = self.sock.makefile("rb")
        if password:
            self.cmd("AUTH", password)

    def cmd(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._read()

    def _read(self):
        line = self.f.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2].decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise RuntimeError(f"bad reply {line!r}")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret, user_id, sid, now):
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"user_id": user_id, "session_id": sid, "username": "revocation-bench",
                                "email": "revocation-bench@example.com", "role": "user", "is_premium": False,
                                "iat": now, "exp": now + 3600}).encode())
    signing = f"{header}.{claims}".encode()
    return f"{header}.{claims}.{b64url(hmac.new(secret.encode(), signing, hashlib.sha256).digest())}"


def rfc3339(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def write_session(redis, user_id, sid, now):
    record = json.dumps({"id": sid, "user_id": user_id, "username": "revocation-bench", "purpose": "login",
                         "ip_address": "127.0.0.1", "user_agent": UA, "device_id": "fp_000000000000",
                         "created_at": rfc3339(now), "expires_at": rfc3339(now + 3600),
                         "last_seen": rfc3339(now)}, separators=(",", ":"))
    redis.cmd("SET", f"session:{sid}", record, "EX", 3600)
    redis.cmd("SADD", f"user_sessions:{user_id}", sid)
    redis.cmd("EXPIRE", f"user_sessions:{user_id}", 7200)


class Conn:
    """A keep-alive HTTP connection to one server (it stays on one event loop)."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
        self.conn = cls(u.hostname, u.port or (443 if u.scheme == "https" else 80), timeout=10)
        self.url = url

    def verify(self, token):
        self.conn.request("GET", "/api/auth/verify", headers={"Authorization": f"Bearer {token}", "User-Agent": UA})
        r = self.conn.getresponse()
        r.read()
        return r.status


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def wait_healthy(port, proc, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}:\n{open(log_path).read()[-3000:]}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit(f"server on port {port} never became healthy")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default="build/server/sessionkit-server", help="server binary (self-contained mode)")
    ap.add_argument("--servers", type=int, default=3, help="servers to start (self-contained mode)")
    ap.add_argument("--io-threads", type=int, default=2, help="--io-threads of the started servers")
    ap.add_argument("--url", action="append", default=[], help="a running server (repeatable): deployment mode")
    ap.add_argument("--redis", help="host:port of the deployment's Redis (deployment mode)")
    ap.add_argument("--user-id", default="revocation-bench", help="user id of the bench's sessions")
    ap.add_argument("--revocations", type=int, default=1000)
    ap.add_argument("--connections-per-server", type=int, default=4,
                    help="keep-alive connections per server (>= 2 per event loop covers every loop)")
    ap.add_argument("--cap-ms", type=float, default=2000, help="SESSION_CACHE_MAX_STALENESS_MS of the servers")
    ap.add_argument("--target-ms", type=float, default=100, help="p99 target")
    ap.add_argument("--timeout-s", type=float, default=30, help="give up on one revocation after this")
    args = ap.parse_args()

    procs, tmp = [], None
    try:
        if args.url:
            if not args.redis:
                sys.exit("--redis host:port is required with --url")
            secret = os.environ.get("JWT_SECRET")
            if not secret:
                sys.exit("JWT_SECRET of the deployment must be in the environment")
            host, _, port = args.redis.rpartition(":")
            redis_host, redis_port = host.strip("[]"), int(port)
            urls = args.url
        else:
            tmp = tempfile.mkdtemp(prefix="sk-revocation-")
            secret = secrets.token_hex(32)
            redis_host, redis_port = "127.0.0.1", free_port()
            procs.append(subprocess.Popen(
                ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", tmp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            for _ in range(200):
                try:
                    Redis(redis_host, redis_port).cmd("PING")
                    break
                except OSError:
                    time.sleep(0.05)
            urls = []
            for i in range(args.servers):
                port = free_port()
                log_path = os.path.join(tmp, f"server{i}.log")
                env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "JWT_SECRET": secret,
                       "REDIS_ADDR": f"{redis_host}:{redis_port}", "HTTP_ADDR": f"127.0.0.1:{port}",
                       "DATABASE_URL": f"sqlite:///{tmp.lstrip('/')}/users{i}.db", "SESSION_CACHE": "tracking",
                       "SESSION_CACHE_MAX_STALENESS_MS": str(int(args.cap_ms))}
                proc = subprocess.Popen([os.path.abspath(args.binary), "--io-threads", str(args.io_threads)],
                                        env=env, cwd=tmp, stdout=open(log_path, "wb"), stderr=subprocess.STDOUT)
                procs.append(proc)
                wait_healthy(port, proc, log_path)
                urls.append(f"http://127.0.0.1:{port}")

        redis = Redis(redis_host, redis_port, os.environ.get("REDIS_PASSWORD", ""))
        conns = [Conn(u) for u in urls for _ in range(args.connections_per_server)]
        latencies = []
        for n in range(args.revocations):
            sid = "sess_" + secrets.token_hex(32)
            now = int(time.time())
            write_session(redis, args.user_id, sid, now)
            token = mint(secret, args.user_id, sid, now)
            for c in conns:  # twice: the second one is a hit on every loop
                for _ in range(2):
                    status = c.verify(token)
                    if status != 200:
                        sys.exit(f"{c.url}: verify answered {status} before the revocation")
            redis.cmd("DEL", f"session:{sid}")
            t0 = time.monotonic()
            pending = list(conns)
            while pending:
                pending = [c for c in pending if c.verify(token) != 401]
                if time.monotonic() - t0 > args.timeout_s:
                    sys.exit(f"revocation {n}: still accepted after {args.timeout_s} s")
            latencies.append((time.monotonic() - t0) * 1000)
            redis.cmd("SREM", f"user_sessions:{args.user_id}", sid)
        latencies.sort()
        beyond = sum(1 for v in latencies if v > args.cap_ms)
        p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
        print(f"servers: {len(urls)}, connections: {len(conns)}, revocations: {len(latencies)}")
        print(f"time until every server refuses (ms): p50 {p50:.2f}  p99 {p99:.2f}  max {latencies[-1]:.2f}")
        print(f"beyond the cap ({args.cap_ms:.0f} ms): {beyond}")
        print(f"target p99 <= {args.target_ms:.0f} ms: {'met' if p99 <= args.target_ms else 'NOT met'}")
        return 0 if p99 <= args.target_ms and beyond == 0 else 1
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
