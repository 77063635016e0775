"""sessionkit-ctl (API.md §11) on the stores of a running sessionkit-server: every
command on the SQLite file and on a real redis-server (users in MariaDB too), what ctl
revokes or disables refused by the server on its next request, the exit codes 0/1/2/3,
and no password on any command line.
"""

import datetime
import json
import os
import platform
import sqlite3
import subprocess
import threading
import time
import unittest

from ctl_harness import bcrypt_hash, ctl_binary, run_ctl
from sk_harness import (PASSWORD, SECRET, Client, MariadbProcess, RedisProcess, ServerProcess,
                        free_port, jwt_claims, wait_until)

NEW_PASSWORD = "battery staple 9"


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def session_record(sid, user_id, created, expires):
    """A session record as the Go service writes one (API.md §2)."""
    return json.dumps({"id": sid, "user_id": user_id, "username": "planted", "purpose": "login",
                       "ip_address": "203.0.113.9", "user_agent": "curl/8", "device_id": "",
                       "created_at": rfc3339(created), "expires_at": rfc3339(expires),
                       "last_seen": rfc3339(created)}, separators=(",", ":"))


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class CtlContract:
    """The cases every store setup runs; subclasses start self.server (and stores)."""

    def ctl(self, *args, **kw):
        return run_ctl(self.server, *args, **kw)

    def ok(self, *args, **kw):
        r = self.ctl(*args, **kw)
        self.assertEqual(r.returncode, 0, f"{args}: {r.stdout}\n{r.stderr}")
        return r

    def login(self, name, password=PASSWORD):
        r = self.server.client.login(name, password)
        self.assertEqual(r.status, 200, r)
        return r.data

    def fresh_user(self, name):
        """A user added by ctl (password from a pipe), logged in by the server."""
        self.ok("users", "add", name, f"{name}@example.com", stdin=PASSWORD + "\n")
        return name

    # --- help and usage -------------------------------------------------------------

    def test_every_command_has_help(self):
        commands = [[], ["sessions"], ["sessions", "list"], ["sessions", "show"],
                    ["sessions", "revoke"], ["sessions", "revoke-user"], ["sessions", "stats"],
                    ["sessions", "purge"], ["users"], ["users", "list"], ["users", "show"],
                    ["users", "add"], ["users", "set-password"], ["users", "disable"],
                    ["users", "enable"], ["users", "set-role"], ["users", "import"],
                    ["secret"], ["secret", "generate"], ["config"], ["config", "check"]]
        for command in commands:
            r = self.ctl(*command, "--help")
            self.assertEqual(r.returncode, 0, f"{command}: {r.stderr}")
            self.assertIn("Usage", r.stdout, command)

    def test_usage_errors_exit_2(self):
        for args in ([], ["nonsense"], ["sessions"], ["sessions", "list"],
                     ["sessions", "show", "sess_NOT-AN-ID"], ["sessions", "revoke", "x"],
                     ["users", "add", "x", "bad-email"], ["users", "set-role", "a", "bad role"],
                     ["users", "add", "alice", "a@example.com", "--password", "x"]):
            r = self.ctl(*args, stdin="")
            self.assertEqual(r.returncode, 2, f"{args}: {r.stdout}\n{r.stderr}")
        r = self.ctl("sessions", "stats", env={"JWT_SECRET": "short"})
        self.assertEqual(r.returncode, 2)
        self.assertIn("JWT_SECRET", r.stderr)
        r = self.ctl("--env-file", "/nonexistent/env", "config", "check")
        self.assertEqual(r.returncode, 2)

    def test_secret_generate(self):
        a = self.ok("secret", "generate").stdout.strip()
        b = self.ok("secret", "generate").stdout.strip()
        self.assertRegex(a, r"^[0-9a-f]{64}$")
        self.assertNotEqual(a, b)

    def test_config_check_redacts_and_reaches_the_stores(self):
        r = self.ok("config", "check")
        self.assertNotIn(SECRET, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"JWT_SECRET\s+\(set, redacted\)")
        self.assertIn("reachable", r.stdout)
        self.assertNotIn("UNREACHABLE", r.stdout)
        lines = json_lines(self.ok("--json", "config", "check").stdout)
        stores = [l for l in lines if "store" in l]
        self.assertEqual({s["store"] for s in stores}, {"sessions", "users"})
        self.assertTrue(all(s["reachable"] for s in stores))

    # --- users ----------------------------------------------------------------------

    def test_users_add_show_list_without_hashes(self):
        self.fresh_user("ada")
        self.login("ada")
        shown = json_lines(self.ok("--json", "users", "show", "ada").stdout)[0]
        self.assertEqual(shown["username"], "ada")
        self.assertFalse(shown["disabled"])
        self.assertEqual(json_lines(self.ok("users", "show", shown["id"], "--json").stdout)[0]["id"],
                         shown["id"])
        listed = self.ok("users", "list").stdout
        self.assertIn("ada@example.com", listed)
        self.assertNotIn("$argon2id", listed + json.dumps(shown))
        # Taken: refused (1); unknown user: not found (1).
        r = self.ctl("users", "add", "ADA", "other@example.com", stdin=PASSWORD + "\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("username already taken", r.stderr)
        self.assertEqual(self.ctl("users", "show", "nobody-here").returncode, 1)
        # A short password from the pipe: refused, nothing created.
        r = self.ctl("users", "add", "bea", "bea@example.com", stdin="short\n")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.ctl("users", "show", "bea").returncode, 1)

    def test_set_password_revokes_and_replaces(self):
        self.fresh_user("cyd")
        token = self.login("cyd")["token"]
        r = self.ok("--json", "users", "set-password", "cyd", stdin=NEW_PASSWORD + "\n")
        self.assertEqual(json_lines(r.stdout)[0]["revoked"], 1)
        self.assertEqual(self.server.client.verify(token).status, 401)
        self.assertEqual(self.server.client.login("cyd", PASSWORD).status, 401)
        self.login("cyd", NEW_PASSWORD)

    def test_disable_refuses_login_refresh_and_verify_then_enable(self):
        self.fresh_user("dee")
        first = self.login("dee")
        second = self.login("dee")
        r = self.ok("--json", "users", "disable", "dee")
        self.assertEqual(json_lines(r.stdout)[0]["revoked"], 2)
        client = self.server.client
        self.assertEqual(client.verify(first["token"]).status, 401)
        self.assertEqual(client.verify(second["token"]).status, 401)
        refused = client.login("dee")
        self.assertEqual((refused.status, refused.code), (403, "account_disabled"), refused)
        wrong = client.login("dee", "not the password")
        self.assertEqual((wrong.status, wrong.code), (401, "invalid_credentials"),
                         "no oracle without the password")
        self.assertEqual(client.refresh(first["refresh_token"]).status, 401)
        self.assertTrue(json_lines(self.ok("--json", "users", "show", "dee").stdout)[0]["disabled"])
        self.ok("users", "enable", "dee")
        self.login("dee")

    def test_no_login_racing_with_disable_survives_it(self):
        """Logins keep coming while ctl disables the user: once ctl has returned and the
        logins in flight have answered, no token any of them got is accepted."""
        self.fresh_user("rex")
        stop = threading.Event()
        tokens, lock = [], threading.Lock()

        def keep_logging_in():
            client = Client(self.server.port)
            while not stop.is_set():
                r = client.login("rex")
                if r.status == 200:
                    with lock:
                        tokens.append(r.data["token"])
                elif r.status == 403:
                    return

        threads = [threading.Thread(target=keep_logging_in) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            wait_until(lambda: len(tokens) >= 4, 30, "a few logins")
            self.ok("users", "disable", "rex")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        live = [t for t in tokens if self.server.client.verify(t).status != 401]
        self.assertEqual(len(live), 0, f"{len(live)} of {len(tokens)} tokens still valid")

    def test_set_role_is_in_new_tokens(self):
        self.fresh_user("eve")
        self.ok("users", "set-role", "eve", "admin")
        self.assertEqual(jwt_claims(self.login("eve")["token"])["role"], "admin")
        self.assertEqual(self.ctl("users", "set-role", "nobody-here", "admin").returncode, 1)

    def test_import_is_idempotent_and_reports_each_line(self):
        lines = [
            json.dumps({"id": 9001, "username": "gopher", "email": "gopher@example.com",
                        "password_hash": bcrypt_hash(PASSWORD, "$2a$"), "role": "admin",
                        "is_premium": True, "is_verified": True}),
            json.dumps({"username": "gopher2", "email": "gopher2@example.com",
                        "password_hash": bcrypt_hash(PASSWORD, "$2y$")}),
            "{this is not json",
            json.dumps({"username": "gopher3", "email": "gopher3@example.com",
                        "password_hash": "plain-text"}),
            "",
            json.dumps({"username": "gopher4", "email": "gopher4@example.com",
                        "password_hash": bcrypt_hash(PASSWORD, "$2b$")}),
        ]
        path = os.path.join(self.server.dir, "users.jsonl")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = self.ctl("--json", "users", "import", path)
        self.assertEqual(r.returncode, 1, "invalid lines: refused (1)\n" + r.stderr)
        report = {(l["line"], l["result"]) for l in json_lines(r.stdout)}
        self.assertEqual(report, {(1, "created"), (2, "created"), (3, "invalid"),
                                  (4, "invalid"), (6, "created")})
        self.assertIn("3 created, 0 skipped, 2 invalid", r.stderr)
        # Again: everything there is skipped.
        r = self.ctl("users", "import", path)
        self.assertIn("line 1: skipped gopher", r.stdout)
        self.assertIn("0 created, 3 skipped, 2 invalid", r.stderr)
        # The bcrypt users log in on the server; the Go id and fields are kept.
        data = self.login("gopher")
        self.assertEqual(data["user"]["id"], "9001")
        self.assertEqual(data["user"]["role"], "admin")
        self.login("gopher2")
        self.login("gopher4")

    # --- sessions -------------------------------------------------------------------

    def test_sessions_list_show_revoke(self):
        self.fresh_user("fay")
        a = self.login("fay")
        b = self.login("fay")
        user_id = a["user"]["id"]
        listed = json_lines(self.ok("--json", "sessions", "list", "--username", "fay").stdout)
        self.assertEqual(len(listed), 2)
        self.assertEqual([s["user_id"] for s in listed], [user_id, user_id])
        by_id = json_lines(self.ok("sessions", "list", "--user", user_id, "--json").stdout)
        self.assertEqual({s["id"] for s in by_id}, {s["id"] for s in listed})
        self.assertIn("USER AGENT", self.ok("sessions", "list", "--username", "fay").stdout)
        session_a = jwt_claims(a["token"])["session_id"]
        shown = json_lines(self.ok("--json", "sessions", "show", session_a).stdout)[0]
        self.assertEqual(shown["purpose"], "login")
        self.ok("sessions", "revoke", session_a)
        self.assertEqual(self.server.client.verify(a["token"]).status, 401)
        self.assertEqual(self.server.client.verify(b["token"]).status, 200)
        self.assertEqual(self.ctl("sessions", "revoke", session_a).returncode, 1)
        self.assertEqual(self.ctl("sessions", "show", session_a).returncode, 1)
        self.assertEqual(self.ctl("sessions", "list", "--username", "nobody-here").returncode, 1)

    def test_revoke_user_prints_the_count(self):
        self.fresh_user("gil")
        tokens = [self.login("gil")["token"] for _ in range(3)]
        r = self.ok("sessions", "revoke-user", "gil")
        self.assertIn("3 sessions revoked", r.stdout)
        for token in tokens:
            self.assertEqual(self.server.client.verify(token).status, 401)
        self.assertEqual(json_lines(self.ok("--json", "sessions", "revoke-user", "gil").stdout)[0]["revoked"], 0)

    def test_stats_and_purge(self):
        self.fresh_user("hal")
        self.fresh_user("ivy")
        for _ in range(3):
            self.login("hal")
        self.login("ivy")
        stats = json_lines(self.ok("--json", "sessions", "stats").stdout)[0]
        hal = json_lines(self.ok("--json", "users", "show", "hal").stdout)[0]["id"]
        self.assertGreaterEqual(stats["total"], 4)
        self.assertGreaterEqual(stats["by_purpose"]["login"], 4)
        top = {u["user_id"]: u["sessions"] for u in stats["top_users"]}
        self.assertEqual(top[hal], 3)
        table = self.ok("sessions", "stats", "--top", "1").stdout
        self.assertIn("live sessions:", table)
        self.assertIn("PURPOSE", table)
        purged = json_lines(self.ok("--json", "sessions", "purge").stdout)[0]
        self.assertEqual(purged["live_sessions"], stats["total"])
        again = json_lines(self.ok("--json", "sessions", "stats").stdout)[0]
        self.assertEqual(again["total"], stats["total"], "purge keeps every live session")

    def test_purge_deletes_dead_records_whatever_their_ttl(self):
        """Records past their expires_at that the store would keep (Redis: planted with no
        TTL, as by hand or by another service; SQLite: rows nobody reads) are deleted with
        their index entries; live ones, planted or made by the server, are untouched."""
        self.fresh_user("pia")
        token = self.login("pia")["token"]
        now = time.time()
        dead = ["sess_" + f"{i:02x}" * 32 for i in range(0xd0, 0xd5)]
        live = ["sess_" + f"{i:02x}" * 32 for i in range(0xe0, 0xe2)]
        for sid in dead:
            self.plant_record(sid, "planted-user", now - 7200, now - 60)
        for sid in live:
            self.plant_record(sid, "planted-user", now - 60, now + 7200)
        r = self.ok("--json", "sessions", "purge")
        purged = json_lines(r.stdout)[0]
        self.assertEqual(purged["dead_deleted"], len(dead), r.stdout)
        self.assertGreaterEqual(purged["examined"], len(dead))
        for sid in dead:
            self.assertFalse(self.record_exists(sid), sid)
            self.assertFalse(self.indexed("planted-user", sid), sid)
        for sid in live:
            self.assertTrue(self.record_exists(sid), sid)
        self.assertEqual(self.server.client.verify(token).status, 200)
        text = self.ok("sessions", "purge").stdout
        self.assertIn("deleted 0 dead session records", text)

    # --- secrets --------------------------------------------------------------------

    def test_no_password_on_any_command_line(self):
        """While ctl waits for the password on its standard input, no process of this test
        (ctl, the server, redis...) has it in /proc/<pid>/cmdline or its environment."""
        secret_password = "pw-on-stdin-" + os.urandom(6).hex()
        env = dict(self.server.env)
        proc = subprocess.Popen([ctl_binary(), "users", "add", "kim", "kim@example.com"],
                                cwd=self.server.dir, env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # Wait until ctl has opened the stores and blocks in read(0, ...) on its
            # standard input (x86-64 read is syscall 0). Where /proc/<pid>/syscall is not
            # readable the scan below is still meaningful: the password is only in the pipe.
            def reading():
                if platform.machine() != "x86_64":
                    return True
                try:
                    with open(f"/proc/{proc.pid}/syscall") as f:
                        return f.read().startswith("0 0x0 ")
                except OSError:
                    return True
            wait_until(reading, 30, "ctl to wait for input")
            proc.stdin.write(secret_password[:5])  # half typed: still not on any command line
            proc.stdin.flush()
            offenders = []
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                for part in ("cmdline", "environ"):
                    try:
                        with open(f"/proc/{pid}/{part}", "rb") as f:
                            if secret_password.encode() in f.read():
                                offenders.append((pid, part))
                    except OSError:
                        pass
            self.assertEqual(offenders, [])
            out, err = proc.communicate(secret_password[5:] + "\n", timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn(secret_password, out + err)
        self.login("kim", secret_password)


class SqliteCtlTest(CtlContract, unittest.TestCase):
    """Sessions and users in the server's SQLite file."""

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess().start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def plant_record(self, sid, user_id, created, expires):
        with sqlite3.connect(os.path.join(self.server.dir, "sessionkit.db"), timeout=10) as db:
            db.execute("INSERT INTO sessions (id, user_id, created_at, expires_at, record) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (sid, user_id, int(created * 1000), int(expires * 1000),
                        session_record(sid, user_id, created, expires)))

    def record_exists(self, sid):
        with sqlite3.connect(os.path.join(self.server.dir, "sessionkit.db"), timeout=10) as db:
            return db.execute("SELECT COUNT(*) FROM sessions WHERE id = ?", (sid,)).fetchone()[0] == 1

    def indexed(self, user_id, sid):
        return self.record_exists(sid)  # the index is the table's

    def test_an_unusable_database_is_unreachable_3(self):
        r = self.ctl("config", "check", env={"DATABASE_URL": "sqlite:///nonexistent-dir/x.db"})
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("UNREACHABLE", r.stdout)
        r = self.ctl("sessions", "stats", env={"DATABASE_URL": "sqlite:///nonexistent-dir/x.db"})
        self.assertEqual(r.returncode, 3)
        r = self.ctl("sessions", "purge", env={"DATABASE_URL": "sqlite:///nonexistent-dir/x.db"})
        self.assertEqual(r.returncode, 3)


class RedisCtlTest(CtlContract, unittest.TestCase):
    """Sessions in a real redis-server, users in the server's SQLite file."""

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

    def plant_record(self, sid, user_id, created, expires):
        self.redis.cmd("SET", f"session:{sid}", session_record(sid, user_id, created, expires))
        self.redis.cmd("SADD", f"user_sessions:{user_id}", sid)  # no TTL on either

    def record_exists(self, sid):
        return self.redis.cmd("EXISTS", f"session:{sid}") == 1

    def indexed(self, user_id, sid):
        return self.redis.cmd("SISMEMBER", f"user_sessions:{user_id}", sid) == 1

    def test_a_redis_that_is_down_is_unreachable_3(self):
        down = {"REDIS_ADDR": f"127.0.0.1:{free_port()}"}
        for args in (["config", "check"], ["sessions", "stats"], ["sessions", "revoke-user", "x"],
                     ["sessions", "purge"]):
            r = self.ctl(*args, env=down)
            self.assertEqual(r.returncode, 3, f"{args}: {r.stdout}\n{r.stderr}")

    def test_config_check_redacts_the_database_password(self):
        env = {"DATABASE_URL": f"mysql://sk:TopSecretPw42@127.0.0.1:{free_port()}/skdb",
               "REDIS_PASSWORD": "RedisPw-77"}
        r = self.ctl("config", "check", env=env)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertNotIn("TopSecretPw42", r.stdout + r.stderr)
        self.assertNotIn("RedisPw-77", r.stdout + r.stderr)
        self.assertIn("mysql://sk:***@", r.stdout)
        self.assertRegex(r.stdout, r"users\s+mysql://sk:\*\*\*@\S+\s+UNREACHABLE")
        self.assertNotRegex(r.stdout, r"sessions .* reachable", "not claimed without a check")
        self.assertRegex(r.stdout, r"REDIS_PASSWORD\s+\(set, redacted\)")

    def test_purge_drops_stale_index_members(self):
        self.fresh_user("pam")
        user_id = self.login("pam")["user"]["id"]
        self.fresh_user("pat")  # no session at all: found through the users database
        pat = json_lines(self.ok("--json", "users", "show", "pat").stdout)[0]["id"]
        stale = "sess_" + "ab" * 32
        for uid in (user_id, pat):
            self.redis.cmd("SADD", f"user_sessions:{uid}", stale)
            self.redis.cmd("EXPIRE", f"user_sessions:{uid}", 3600)
        self.ok("sessions", "purge")
        self.assertEqual(self.redis.cmd("SISMEMBER", f"user_sessions:{user_id}", stale), 0)
        self.assertEqual(self.redis.cmd("SISMEMBER", f"user_sessions:{pat}", stale), 0)
        self.assertEqual(self.redis.cmd("SCARD", f"user_sessions:{user_id}"), 1)

    def test_stats_never_uses_keys(self):
        self.redis.cmd("CONFIG", "RESETSTAT")
        self.ok("sessions", "stats")
        self.ok("sessions", "purge")
        info = self.redis.cmd("INFO", "commandstats")
        self.assertNotIn("cmdstat_keys:", info)
        self.assertIn("cmdstat_scan:", info)


class MariadbCtlTest(unittest.TestCase):
    """Users in MariaDB (migration 2 adds `disabled`), sessions in Redis: the user commands
    that touch the users table."""

    @classmethod
    def setUpClass(cls):
        cls.mariadb = MariadbProcess().start()
        cls.redis = RedisProcess().start()
        db = cls.mariadb.create_database()
        cls.server = ServerProcess(env={"REDIS_ADDR": f"127.0.0.1:{cls.redis.port}",
                                        "DATABASE_URL": cls.mariadb.url(db)}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.redis.cleanup()
        cls.mariadb.cleanup()

    def ctl(self, *args, **kw):
        return run_ctl(self.server, *args, **kw)

    def test_users_on_mariadb(self):
        r = self.ctl("users", "add", "mia", "mia@example.com", "--role", "ops", stdin=PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        login = self.server.client.login("mia")
        self.assertEqual(login.status, 200, login)
        self.assertEqual(jwt_claims(login.data["token"])["role"], "ops")
        r = self.ctl("--json", "users", "disable", "mia")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json_lines(r.stdout)[0]["revoked"], 1)
        self.assertEqual(self.server.client.verify(login.data["token"]).status, 401)
        refused = self.server.client.login("mia")
        self.assertEqual((refused.status, refused.code), (403, "account_disabled"))
        self.assertEqual(self.ctl("users", "enable", "mia").returncode, 0)
        self.assertEqual(self.server.client.login("mia").status, 200)
        path = os.path.join(self.server.dir, "go.jsonl")
        with open(path, "w") as f:
            f.write(json.dumps({"id": 77, "username": "gogo", "email": "gogo@example.com",
                                "password_hash": bcrypt_hash(PASSWORD)}) + "\n{bad\n")
        r = self.ctl("users", "import", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("1 created, 0 skipped, 1 invalid", r.stderr)
        self.assertIn("0 created, 1 skipped, 1 invalid", self.ctl("users", "import", path).stderr)
        self.assertEqual(self.server.client.login("gogo").data["user"]["id"], "77")
        listed = self.ctl("users", "list").stdout
        self.assertIn("gogo@example.com", listed)
        check = self.ctl("config", "check")
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)


if __name__ == "__main__":
    unittest.main()
