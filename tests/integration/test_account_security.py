"""Account security end to end (issue 5, API.md §5-6): refresh rotation, the grace window,
reuse -> the session revoked, password change, login throttling, and the per-user cap --
on the embedded store and on Redis, plus two servers sharing one Redis.

Windows are small (set through the environment) so the suite stays fast: a refresh grace
of 2 s, a failed-login window of 5 s, limits of 3 failures per identifier and 6 per IP.
Each test logs in from its own client address (X-Forwarded-For, believed from 127.0.0.1
through TRUSTED_PROXIES), so the per-IP windows of different tests never mix.
"""

import concurrent.futures
import itertools
import threading
import time
import unittest
import uuid

from sk_harness import PASSWORD, RedisProcess, ServerProcess, jwt_claims

GRACE = 2
WINDOW = 5
PER_IDENTIFIER = 3
PER_IP = 6
NEW_PASSWORD = "battery staple 2"

SECURITY_ENV = {
    "REFRESH_REUSE_GRACE_SECONDS": str(GRACE),
    "LOGIN_FAILURE_WINDOW_SECONDS": str(WINDOW),
    "LOGIN_MAX_FAILURES_PER_IDENTIFIER": str(PER_IDENTIFIER),
    "LOGIN_MAX_FAILURES_PER_IP": str(PER_IP),
    "TRUSTED_PROXIES": "127.0.0.1",
}

_addresses = itertools.count(1)


def fresh_ip():
    n = next(_addresses)
    return f"10.77.{n // 250}.{n % 250 + 1}"


def from_ip(ip):
    return {"headers": {"X-Forwarded-For": ip}}


def parallel(calls):
    """Runs the callables at the same instant (a barrier), returns their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def stop_server(server):
    try:
        code = server.terminate()
        assert code == 0, f"server exit {code}\n{server.log_text()[-4000:]}"
    finally:
        server.stop()


class AccountSecurityContract:
    """Mixed into a TestCase whose setUpClass sets cls.server (started with SECURITY_ENV)."""

    server = None

    @property
    def c(self):
        return self.server.client

    def new_user(self, ip=None):
        name = "u" + uuid.uuid4().hex[:12]
        r = self.c.register(name, **from_ip(ip or fresh_ip()))
        self.assertEqual(r.status, 201, r)
        return name, r.data

    def assert_error(self, r, status, code):
        self.assertEqual(r.status, status, r)
        self.assertIs(r.json.get("success"), False, r)
        self.assertEqual(r.code, code, r)

    # ---------------------------------------------------------------- refresh
    def test_refresh_rotates_within_the_same_session(self):
        _, data = self.new_user()
        r = self.c.refresh(data["refresh_token"])
        self.assertEqual(r.status, 200, r)
        self.assertIs(r.json["success"], True)
        self.assertEqual(set(r.data), {"token", "refresh_token"})
        self.assertRegex(r.data["refresh_token"], r"^[A-Za-z0-9_-]{43}$")
        self.assertNotEqual(r.data["refresh_token"], data["refresh_token"])
        old, new = jwt_claims(data["token"]), jwt_claims(r.data["token"])
        self.assertEqual(new["session_id"], old["session_id"])
        self.assertEqual(new["user_id"], old["user_id"])
        self.assertEqual(new["username"], old["username"])
        # Access tokens issued earlier stay valid while the session lives.
        self.assertEqual(self.c.verify(data["token"]).status, 200)
        self.assertEqual(self.c.verify(r.data["token"]).status, 200)
        # The new refresh token rotates again, still the same session.
        again = self.c.refresh(r.data["refresh_token"])
        self.assertEqual(again.status, 200, again)
        self.assertEqual(jwt_claims(again.data["token"])["session_id"], old["session_id"])

    def test_refresh_input_errors(self):
        self.assert_error(self.c.post("/api/auth/refresh", {}), 400, "bad_request")
        self.assert_error(self.c.post("/api/auth/refresh", {"refresh_token": ""}), 400,
                          "bad_request")
        self.assert_error(self.c.post("/api/auth/refresh", {"refresh_token": 7}), 400,
                          "bad_request")
        self.assert_error(self.c.post("/api/auth/refresh", raw="{"), 400, "bad_request")
        for bad in ("nope", "A" * 42 + "=", "A" * 44, "A" * 43):  # the last: well-formed, unknown
            with self.subTest(token=bad):
                self.assert_error(self.c.refresh(bad), 401, "unauthorized")
        r = self.c.get("/api/auth/refresh")
        self.assertEqual(r.status, 405)
        self.assertEqual(r.headers.get("allow"), "POST")

    def test_logout_kills_the_refresh_token(self):
        _, data = self.new_user()
        self.assertEqual(self.c.post("/api/auth/logout", token=data["token"]).status, 200)
        self.assert_error(self.c.refresh(data["refresh_token"]), 401, "unauthorized")

    def test_two_tabs_refreshing_at_once_get_the_same_pair(self):
        _, data = self.new_user()
        token = data["refresh_token"]
        results = parallel([lambda: self.c.refresh(token)] * 4)
        for r in results:
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.data, results[0].data)
        # A replay a moment later, still inside the grace: the same pair again.
        self.assertEqual(self.c.refresh(token).data, results[0].data)
        self.assertEqual(self.c.verify(results[0].data["token"]).status, 200)
        self.assertEqual(self.c.refresh(results[0].data["refresh_token"]).status, 200)

    def test_reuse_after_the_grace_revokes_the_session(self):
        _, data = self.new_user()
        _, bystander = self.new_user()
        rotated = self.c.refresh(data["refresh_token"])
        self.assertEqual(rotated.status, 200, rotated)
        time.sleep(GRACE + 0.3)
        r = self.c.refresh(data["refresh_token"])
        self.assert_error(r, 401, "refresh_reused")
        # The whole session is gone: every access token and the successor.
        self.assert_error(self.c.verify(data["token"]), 401, "unauthorized")
        self.assert_error(self.c.verify(rotated.data["token"]), 401, "unauthorized")
        self.assert_error(self.c.refresh(rotated.data["refresh_token"]), 401, "unauthorized")
        self.assertEqual(self.c.verify(bystander["token"]).status, 200)
        # Logged as a theft signal, with the short session id and never a token.
        sid = jwt_claims(data["token"])["session_id"]
        log = self.server.log_text()
        lines = [l for l in log.splitlines() if "refresh token reuse" in l]
        self.assertTrue(lines, log[-3000:])
        self.assertIn(sid[:12], lines[-1])
        self.assertIn("warn", lines[-1])
        for secret in (data["refresh_token"], rotated.data["refresh_token"], sid):
            self.assertNotIn(secret, log)
        metrics = self.c.get("/metrics").body.decode()
        self.assertRegex(metrics, r'sessionkit_refresh_total\{outcome="reused"\} [1-9]')

    # ---------------------------------------------------------------- password change
    def test_password_change_keeps_the_current_session_and_revokes_the_others(self):
        ip = fresh_ip()
        name, data = self.new_user(ip)
        others = [self.c.login(name, **from_ip(ip)).data for _ in range(2)]
        r = self.c.change_password(data["token"], PASSWORD, NEW_PASSWORD, **from_ip(ip))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.data, {"revoked": 2})
        self.assertEqual(self.c.verify(data["token"]).status, 200)
        for other in others:
            self.assertEqual(self.c.verify(other["token"]).status, 401)
            self.assertEqual(self.c.refresh(other["refresh_token"]).status, 401)
        self.assertEqual(self.c.refresh(data["refresh_token"]).status, 200)
        self.assert_error(self.c.login(name, **from_ip(ip)), 401, "invalid_credentials")
        self.assertEqual(self.c.login(name, password=NEW_PASSWORD, **from_ip(ip)).status, 200)
        self.assertNotIn(NEW_PASSWORD, self.server.log_text())

    def test_wrong_current_password_is_401_and_counts_as_a_failed_login(self):
        ip = fresh_ip()
        name, data = self.new_user(ip)
        for _ in range(PER_IDENTIFIER - 1):
            self.assertEqual(self.c.login(name, password="wrong password", **from_ip(ip)).status,
                             401)
        r = self.c.change_password(data["token"], "wrong password", NEW_PASSWORD,
                                   **from_ip(fresh_ip()))
        self.assert_error(r, 401, "invalid_credentials")
        # The third failure of the identifier: even the right password is refused now.
        locked = self.c.login(name.upper(), **from_ip(fresh_ip()))
        self.assert_error(locked, 429, "rate_limited")
        self.assertEqual(self.c.verify(data["token"]).status, 200)

    def test_password_change_input_errors(self):
        _, data = self.new_user()
        token = data["token"]
        self.assert_error(self.c.change_password(token, PASSWORD, "short"), 400, "bad_request")
        self.assert_error(self.c.post("/api/auth/password", {"current_password": PASSWORD},
                                      token=token), 400, "bad_request")
        self.assert_error(self.c.change_password(None, PASSWORD, NEW_PASSWORD), 401,
                          "unauthorized")
        self.assert_error(self.c.change_password("not.a.jwt", PASSWORD, NEW_PASSWORD), 401,
                          "unauthorized")

    # ---------------------------------------------------------------- throttling
    def test_identifier_throttle_with_retry_after_until_the_window_frees(self):
        ip = fresh_ip()
        name, _ = self.new_user(ip)
        for _ in range(PER_IDENTIFIER):
            self.assert_error(self.c.login(name, password="wrong password", **from_ip(ip)), 401,
                              "invalid_credentials")
        locked = self.c.login(name, **from_ip(ip))  # the right password, refused
        self.assert_error(locked, 429, "rate_limited")
        retry = int(locked.headers["retry-after"])
        self.assertGreaterEqual(retry, 1)
        self.assertLessEqual(retry, WINDOW)
        # From any address, and refused attempts do not count.
        self.assert_error(self.c.login(name, **from_ip(fresh_ip())), 429, "rate_limited")
        self.assert_error(self.c.login(name.upper(), password="wrong password",
                                       **from_ip(ip)), 429, "rate_limited")
        time.sleep(retry)
        ok = self.c.login(name, **from_ip(ip))
        self.assertEqual(ok.status, 200, ok)

    def test_unknown_user_is_counted_like_a_wrong_password(self):
        ip = fresh_ip()
        ghost = "ghost" + uuid.uuid4().hex[:8]
        answers = [self.c.login(ghost, password="wrong password", **from_ip(ip))
                   for _ in range(PER_IDENTIFIER)]
        self.assertEqual({a.body for a in answers}, {answers[0].body})
        self.assert_error(answers[0], 401, "invalid_credentials")
        self.assert_error(self.c.login(ghost, password="wrong password", **from_ip(ip)), 429,
                          "rate_limited")

    def test_a_success_resets_the_identifier(self):
        ip = fresh_ip()
        name, _ = self.new_user(ip)
        for _ in range(2):
            for _ in range(PER_IDENTIFIER - 1):
                self.assertEqual(
                    self.c.login(name, password="wrong password", **from_ip(fresh_ip())).status,
                    401)
            r = self.c.login(name, **from_ip(fresh_ip()))
            self.assertEqual(r.status, 200, r)  # without the reset, the second round is 429

    def test_concurrent_guesses_never_pass_the_identifier_limit(self):
        # Issue 10: with the check before the hash and the count after it, ~250 guesses in
        # flight all passed. Reserved atomically, at most the limit are checked (401).
        name, _ = self.new_user()
        guesses = 200
        answers = parallel([lambda: self.c.login(name, password="wrong password",
                                                 **from_ip(fresh_ip()))] * guesses)
        statuses = [a.status for a in answers]
        self.assertLessEqual(statuses.count(401), PER_IDENTIFIER, statuses)
        self.assertEqual(statuses.count(401) + statuses.count(429), guesses, statuses)
        for a in answers:
            if a.status == 429:
                self.assertEqual(a.code, "rate_limited", a)

    def test_ip_throttle_covers_every_identifier(self):
        ip = fresh_ip()
        name, _ = self.new_user()
        for i in range(PER_IP):
            self.assertEqual(
                self.c.login(f"guess{i}-{uuid.uuid4().hex[:6]}", password="wrong password",
                             **from_ip(ip)).status, 401)
        locked = self.c.login(name, **from_ip(ip))
        self.assert_error(locked, 429, "rate_limited")
        self.assertLessEqual(int(locked.headers["retry-after"]), WINDOW)
        self.assertEqual(self.c.login(name, **from_ip(fresh_ip())).status, 200)
        metrics = self.c.get("/metrics").body.decode()
        self.assertRegex(metrics, r'sessionkit_logins_total\{result="throttled"\} [1-9]')


class EmbeddedAccountSecurityTest(AccountSecurityContract, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(env=SECURITY_ENV).start()

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)


class RedisAccountSecurityTest(AccountSecurityContract, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess().start()
        try:
            cls.server = ServerProcess(
                env=dict(SECURITY_ENV, REDIS_ADDR=f"127.0.0.1:{cls.redis.port}")).start()
        except BaseException:
            cls.redis.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            stop_server(cls.server)
        finally:
            cls.redis.cleanup()

    def test_refresh_keys_hold_only_hashes(self):
        _, data = self.new_user()
        sid = jwt_claims(data["token"])["session_id"]
        members = self.redis.cmd("SMEMBERS", f"session_refresh:{sid}")
        self.assertEqual(len(members), 1)
        self.assertRegex(members[0], r"^[0-9a-f]{64}$")
        record = self.redis.cmd("HGETALL", f"refresh_token:{members[0]}")
        self.assertIn(sid, record)
        self.assertNotIn(data["refresh_token"], record)
        self.assertGreater(self.redis.cmd("PTTL", f"refresh_token:{members[0]}"), 0)


class TwoServersOneRedisTest(unittest.TestCase):
    """Two server processes sharing one Redis, one users file and JWT_SECRET, as a
    deployment behind a load balancer would."""

    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess().start()
        cls.servers = []
        try:
            env = dict(SECURITY_ENV, REDIS_ADDR=f"127.0.0.1:{cls.redis.port}")
            first = ServerProcess(env=env).start()
            cls.servers.append(first)
            env["DATABASE_URL"] = first.env["DATABASE_URL"]  # the same users
            cls.servers.append(ServerProcess(env=env).start())
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            for server in reversed(cls.servers):
                stop_server(server)
        finally:
            cls.redis.cleanup()

    def test_racing_refreshes_on_two_servers_get_the_same_pair(self):
        a, b = (s.client for s in self.servers)
        r = a.register("duo" + uuid.uuid4().hex[:10], **from_ip(fresh_ip()))
        self.assertEqual(r.status, 201, r)
        token = r.data["refresh_token"]
        sid = jwt_claims(r.data["token"])["session_id"]
        for round_ in range(5):
            with self.subTest(round=round_):
                results = parallel([lambda: a.refresh(token), lambda: b.refresh(token),
                                    lambda: a.refresh(token), lambda: b.refresh(token)])
                for res in results:
                    self.assertEqual(res.status, 200, res)
                    self.assertEqual(res.body, results[0].body)  # byte-identical
                self.assertEqual(jwt_claims(results[0].data["token"])["session_id"], sid)
                token = results[0].data["refresh_token"]
        self.assertEqual(b.verify(results[0].data["token"]).status, 200)
        self.assertEqual(a.verify(results[0].data["token"]).status, 200)

    def test_reuse_seen_by_the_other_server_revokes_everywhere(self):
        a, b = (s.client for s in self.servers)
        r = a.register("duo" + uuid.uuid4().hex[:10], **from_ip(fresh_ip()))
        rotated = a.refresh(r.data["refresh_token"])
        self.assertEqual(rotated.status, 200, rotated)
        time.sleep(GRACE + 0.3)
        reused = b.refresh(r.data["refresh_token"])
        self.assertEqual((reused.status, reused.code), (401, "refresh_reused"), reused)
        self.assertEqual(a.verify(rotated.data["token"]).status, 401)
        self.assertEqual(b.verify(r.data["token"]).status, 401)

    def test_failed_logins_are_counted_across_servers(self):
        a, b = (s.client for s in self.servers)
        name = "duo" + uuid.uuid4().hex[:10]
        self.assertEqual(a.register(name, **from_ip(fresh_ip())).status, 201)
        for i in range(PER_IDENTIFIER):
            client = (a, b)[i % 2]
            self.assertEqual(
                client.login(name, password="wrong password", **from_ip(fresh_ip())).status, 401)
        for client in (a, b):
            locked = client.login(name, **from_ip(fresh_ip()))
            self.assertEqual((locked.status, locked.code), (429, "rate_limited"), locked)
            self.assertIn("retry-after", locked.headers)


# 100 logins in flight for one user: each holds a throttle reservation until its password
# is checked, so with the default limits (10 per identifier) most would be refused. The
# cap tests turn the throttle off; the throttle has its own tests above.
CAP_ENV = {"LOGIN_MAX_FAILURES_PER_IDENTIFIER": "0", "LOGIN_MAX_FAILURES_PER_IP": "0"}


class SessionCapTest:
    """SESSION_MAX_PER_USER=5 and 100 concurrent logins of one user: exactly 5 live."""

    CAP = 5
    LOGINS = 100

    def test_concurrent_logins_leave_exactly_the_cap(self):
        self.logins_leave_the_cap()

    def logins_leave_the_cap(self):
        """Returns the live access tokens."""
        c = self.server.client
        name = "cap" + uuid.uuid4().hex[:10]
        reg = c.register(name)
        self.assertEqual(reg.status, 201, reg)
        results = parallel([lambda: c.login(name)] * self.LOGINS)
        for r in results:
            self.assertEqual(r.status, 200, r)
        tokens = [reg.data["token"]] + [r.data["token"] for r in results]
        live = [t for t in tokens if c.verify(t).status == 200]
        self.assertEqual(len(live), self.CAP)
        listed = c.get("/api/auth/sessions", token=live[0])
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual(len(listed.data), self.CAP)
        self.assertEqual({s["id"] for s in listed.data},
                         {jwt_claims(t)["session_id"] for t in live})
        self.assertEqual(c.verify(reg.data["token"]).status, 401)  # the register session too
        return live


class EmbeddedSessionCapTest(SessionCapTest, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(env=dict(CAP_ENV, SESSION_MAX_PER_USER=str(SessionCapTest.CAP)),
                                   args=["--hash-queue", "512"]).start()

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)


class RedisSessionCapTest(SessionCapTest, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess().start()
        try:
            cls.server = ServerProcess(
                env=dict(CAP_ENV, SESSION_MAX_PER_USER=str(SessionCapTest.CAP),
                         REDIS_ADDR=f"127.0.0.1:{cls.redis.port}"),
                args=["--hash-queue", "512"]).start()
        except BaseException:
            cls.redis.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            stop_server(cls.server)
        finally:
            cls.redis.cleanup()

    def test_concurrent_logins_leave_exactly_the_cap(self):
        live = self.logins_leave_the_cap()
        uid = jwt_claims(live[0])["user_id"]
        ids = self.redis.cmd("SMEMBERS", f"user_sessions:{uid}")
        alive = [i for i in ids if self.redis.cmd("EXISTS", f"session:{i}")]
        self.assertEqual(len(alive), self.CAP)


if __name__ == "__main__":
    unittest.main()
