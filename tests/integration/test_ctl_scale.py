"""sessionkit-ctl at scale, with its rates printed for bench/README.md:

- `sessions stats` over 200,000 sessions planted in a real redis-server (pipelined SETs
  over one socket) plus 1,000 records already past their expires_at (whose keys still
  live): the count is exact, and INFO commandstats shows SCAN and not one KEYS; then
  `sessions purge` deletes exactly those 1,000;
- `users import` of 10,000 JSON lines (bcrypt hashes, stored as given, never computed)
  with 100 malformed ones, then again (everything skipped), while a server runs on the
  same SQLite file and logs an imported user in.
"""

import datetime
import json
import os
import pty
import resource
import select
import socket
import subprocess
import time
import unittest

from ctl_harness import bcrypt_hash, ctl_binary, run_ctl
from sk_harness import PASSWORD, RedisProcess, ServerProcess

SESSIONS = 200_000
DEAD = 1_000
IMPORT_LINES = 10_000
MALFORMED_EVERY = 100  # 1 line in 100 is broken


def rfc3339(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def resp(*args):
    out = [f"*{len(args)}\r\n".encode()]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def plant(port, commands, batch=10_000):
    """Sends RESP commands pipelined in batches; every reply must be +OK."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        f = s.makefile("rb")
        for start in range(0, len(commands), batch):
            chunk = commands[start:start + batch]
            s.sendall(b"".join(chunk))
            for _ in chunk:
                line = f.readline()
                if line != b"+OK\r\n":
                    raise AssertionError(f"redis answered {line!r}")


def read_all(master):
    """What a pseudo-terminal's other side wrote (its writer has exited)."""
    out = b""
    while select.select([master], [], [], 0)[0]:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        out += chunk
    return out


class RedisStatsAtScaleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess().start()
        try:
            cls.server = ServerProcess(env={"REDIS_ADDR": f"127.0.0.1:{cls.redis.port}"}).start()
        except BaseException:
            cls.redis.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.redis.cleanup()

    def test_stats_over_200k_sessions_is_exact_and_uses_scan_only(self):
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        live_until = rfc3339(now + datetime.timedelta(days=1))
        dead_since = rfc3339(now - datetime.timedelta(hours=1))
        created = rfc3339(now - datetime.timedelta(hours=2))
        commands = []
        expected_register = 0
        for i in range(SESSIONS + DEAD):
            sid = "sess_" + i.to_bytes(32, "big").hex()
            dead = i >= SESSIONS
            purpose = "register" if i % 10 == 0 else "login"
            if not dead and purpose == "register":
                expected_register += 1
            record = json.dumps({
                "id": sid, "user_id": f"user-{i % 5000}", "username": f"user{i % 5000}",
                "purpose": purpose, "ip_address": "203.0.113.7", "user_agent": "scale/1",
                "device_id": "fp_0123456789ab", "created_at": created,
                "expires_at": dead_since if dead else live_until, "last_seen": created},
                separators=(",", ":"))
            commands.append(resp("SET", f"session:{sid}", record, "EX", 86400))
        t0 = time.monotonic()
        plant(self.redis.port, commands)
        planted_s = time.monotonic() - t0
        self.assertEqual(self.redis.cmd("DBSIZE"), SESSIONS + DEAD)

        self.redis.cmd("CONFIG", "RESETSTAT")
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        r = run_ctl(self.server, "--json", "sessions", "stats", "--top", "3")
        elapsed = time.monotonic() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        ctl_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        redis_cpu = float(self.redis.cmd("INFO", "cpu").split("used_cpu_user:")[1].split()[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        stats = json.loads(r.stdout)
        self.assertEqual(stats["total"], SESSIONS, "exact: every live one once, no dead one")
        self.assertEqual(stats["by_purpose"]["register"], expected_register)
        self.assertEqual(stats["by_purpose"]["login"], SESSIONS - expected_register)
        self.assertEqual(len(stats["top_users"]), 3)
        self.assertEqual(stats["top_users"][0]["sessions"], SESSIONS // 5000)
        self.assertEqual(r.stderr, "", "no progress when standard error is not a terminal")
        info = self.redis.cmd("INFO", "commandstats")
        self.assertNotIn("cmdstat_keys:", info)
        self.assertIn("cmdstat_scan:", info)
        # On a terminal, progress goes to standard error; the result is the same.
        master, slave = pty.openpty()
        try:
            env = dict(self.server.env)
            proc = subprocess.run([ctl_binary(), "--json", "sessions", "stats"], cwd=self.server.dir,
                                  env=env, stdout=subprocess.PIPE, stderr=slave, timeout=120)
            os.close(slave)
            slave = None
            progress = read_all(master)
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(json.loads(proc.stdout)["total"], SESSIONS)
        self.assertIn(b"scanned ", progress)
        print(f"\nsessions stats: {SESSIONS + DEAD} keys in {elapsed:.2f} s = "
              f"{(SESSIONS + DEAD) / elapsed:,.0f} keys/s (ctl CPU {ctl_cpu:.2f} s; "
              f"redis-server user CPU so far {redis_cpu:.2f} s; planted in {planted_s:.1f} s)")

        # purge: the 1,000 dead records (their keys would live another day) go, exactly.
        cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        r = run_ctl(self.server, "--json", "sessions", "purge", timeout=280)
        purge_s = time.monotonic() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        purge_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        self.assertEqual(r.returncode, 0, r.stderr)
        purged = json.loads(r.stdout)
        self.assertEqual(purged["dead_deleted"], DEAD)
        self.assertEqual(purged["examined"], SESSIONS + DEAD)
        self.assertEqual(purged["users"], 5000, "every user of a live record: its index read")
        self.assertEqual(self.redis.cmd("DBSIZE"), SESSIONS)
        self.assertNotIn("cmdstat_keys:", self.redis.cmd("INFO", "commandstats"))
        print(f"sessions purge: {SESSIONS + DEAD} keys examined, {DEAD} deleted, "
              f"{purged['users']} user indexes read, in {purge_s:.2f} s = "
              f"{(SESSIONS + DEAD) / purge_s:,.0f} keys/s (ctl CPU {purge_cpu:.2f} s)")


class ImportAtScaleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_import_10k_lines_with_malformed_ones(self):
        hashes = [bcrypt_hash(PASSWORD, p) for p in ("$2a$", "$2b$", "$2y$")]
        lines, malformed = [], []
        for i in range(IMPORT_LINES):
            if i % MALFORMED_EVERY == 7:
                malformed.append(i + 1)
                lines.append(["{broken", json.dumps({"username": f"x{i}"}),
                              json.dumps({"username": f"imp{i}", "email": "no-at-sign",
                                          "password_hash": hashes[0]})][i % 3])
                continue
            lines.append(json.dumps({"id": 100000 + i, "username": f"imp{i}",
                                     "email": f"imp{i}@example.com",
                                     "password_hash": hashes[i % 3],
                                     "is_premium": i % 2 == 0}))
        path = os.path.join(self.server.dir, "import.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")

        t0 = time.monotonic()
        r = run_ctl(self.server, "--json", "users", "import", path, timeout=280)
        elapsed = time.monotonic() - t0
        self.assertEqual(r.returncode, 1, "malformed lines: refused (1)\n" + r.stderr[-2000:])
        report = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual(len(report), IMPORT_LINES)
        invalid = [l["line"] for l in report if l["result"] == "invalid"]
        self.assertEqual(invalid, malformed)
        created = IMPORT_LINES - len(malformed)
        self.assertIn(f"{created} created, 0 skipped, {len(malformed)} invalid", r.stderr)

        t0 = time.monotonic()
        again = run_ctl(self.server, "users", "import", path, timeout=280)
        rerun = time.monotonic() - t0
        self.assertIn(f"0 created, {created} skipped, {len(malformed)} invalid", again.stderr)

        # On a terminal, progress goes to standard error.
        master, slave = pty.openpty()
        try:
            proc = subprocess.run([ctl_binary(), "users", "import", path], cwd=self.server.dir,
                                  env=dict(self.server.env), stdout=subprocess.DEVNULL,
                                  stderr=slave, timeout=280)
            os.close(slave)
            slave = None
            progress = read_all(master)
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(b"line 5000", progress)
        self.assertIn(b"0 created", progress)

        login = self.server.client.login("imp9999")
        self.assertEqual(login.status, 200, login)
        self.assertEqual(login.data["user"]["id"], "109999")
        print(f"\nusers import: {IMPORT_LINES} lines in {elapsed:.2f} s = "
              f"{IMPORT_LINES / elapsed:,.0f} lines/s; re-run (all skipped) "
              f"{IMPORT_LINES / rerun:,.0f} lines/s")


if __name__ == "__main__":
    unittest.main()
