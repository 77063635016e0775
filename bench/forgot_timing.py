#!/usr/bin/env python3
"""Forgot-password timing, known vs unknown address (API.md §13: "about as long").

Starts sessionkit-server ($SESSIONKIT_SERVER, SQLite, a real aiosmtpd sink) with the
throttle off, registers one user, then times POST /api/auth/password/forgot for the
known address and for unknown ones in interleaved rounds (known, unknown, known, ...)
and prints the medians and the 90th percentiles. Run from tests/integration's
directory on PYTHONPATH:

    PYTHONPATH=tests/integration SESSIONKIT_SERVER=build/server/sessionkit-server \\
        python3 bench/forgot_timing.py [rounds]
"""

import statistics
import sys
import time

from sk_harness import ServerProcess
from sk_smtp import SmtpSink


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with SmtpSink() as sink:
        env = {"SMTP_URL": sink.url(), "MAIL_FROM": "Bench <bench@example.test>",
               "PUBLIC_ORIGIN": "https://auth.example.test",
               "LOGIN_MAX_FAILURES_PER_IDENTIFIER": "0", "LOGIN_MAX_FAILURES_PER_IP": "0"}
        server = ServerProcess(env=env).start()
        try:
            c = server.client
            assert c.register("timed").status == 201
            known, unknown = [], []
            for i in range(rounds):
                pairs = (("timed@example.com", known), (f"nobody{i}@example.com", unknown))
                for email, out in (pairs if i % 2 == 0 else pairs[::-1]):
                    start = time.perf_counter()
                    r = c.post("/api/auth/password/forgot", {"email": email})
                    out.append((time.perf_counter() - start) * 1e3)
                    assert r.status == 200, r
            for name, xs in (("known", known), ("unknown", unknown)):
                xs.sort()
                print(f"{name:8} median {statistics.median(xs):.3f} ms  p90 {xs[int(len(xs) * 0.9)]:.3f} ms"
                      f"  ({len(xs)} requests)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
