#!/usr/bin/env python3
"""Login rate and peak memory of sessionkit-server (issue 10, argon2id cost).

Starts the server on loopback (port chosen by the kernel) with a throwaway SQLite file
in a temp dir, registers one user, then logs in N times one after another and N times
from 8 concurrent clients, and reports logins/s for each and the server's peak RSS
(VmHWM from /proc/<pid>/status) after both. Extra server settings come from --env
(e.g. --env PASSWORD_HASH_MEMORY_KIB=65536 --env PASSWORD_HASH_ITERATIONS=2 for the old
cost). Stdlib only.

  bench/load/login_rss.py --server build/server/sessionkit-server --logins 200
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

PASSWORD = "correct horse battery staple"


def call(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        payload = json.dumps(body).encode()
        conn.request("POST", path, body=payload, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", default="build/server/sessionkit-server")
    ap.add_argument("--logins", type=int, default=200, help="logins per phase")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for the server")
    args = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="sk-login-rss-")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "HTTP_ADDR": "127.0.0.1:0",
           "DATABASE_URL": "sqlite:///" + os.path.join(workdir, "bench.db").lstrip("/"),
           "JWT_SECRET": os.urandom(24).hex(),
           "LOGIN_MAX_FAILURES_PER_IP": "0"}
    for item in args.env:
        key, _, value = item.partition("=")
        env[key] = value
    log_path = os.path.join(workdir, "server.log")
    log = open(log_path, "wb")
    proc = subprocess.Popen([os.path.abspath(args.server)], cwd=workdir,
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        port = None
        deadline = time.monotonic() + 30
        while port is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("server did not start:\n" + open(log_path).read())
            m = re.search(r"listening on [^ ]*:(\d+) ", open(log_path).read())
            port = int(m.group(1)) if m else None
            time.sleep(0.05)

        assert call(port, "/api/auth/register", {"username": "bench", "email": "bench@example.com",
                                                  "password": PASSWORD}) == 201
        login = {"email_or_username": "bench", "password": PASSWORD}

        start = time.monotonic()
        for _ in range(args.logins):
            assert call(port, "/api/auth/login", login) == 200
        sequential = args.logins / (time.monotonic() - start)
        hwm_sequential = vm_hwm_kib(proc.pid)

        start = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            statuses = list(pool.map(lambda _: call(port, "/api/auth/login", login),
                                     range(args.logins)))
        concurrent_rate = args.logins / (time.monotonic() - start)
        assert all(s == 200 for s in statuses), statuses
        hwm = vm_hwm_kib(proc.pid)

        cost = " ".join(args.env) or "server defaults"
        print(f"cost: {cost}")
        print(f"sequential: {sequential:.1f} logins/s ({args.logins} logins)")
        print(f"{args.concurrency} concurrent: {concurrent_rate:.1f} logins/s ({args.logins} logins)")
        print(f"peak RSS (VmHWM): {hwm_sequential / 1024:.1f} MiB after sequential, "
              f"{hwm / 1024:.1f} MiB after concurrent")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
