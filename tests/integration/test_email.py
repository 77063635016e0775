"""End to end: email verification and password recovery (API.md §13) against a real SMTP
server (tests/integration/sk_smtp.py, aiosmtpd on a loopback port).

Mail leaves through the durable queue in the account-state store; the tests wait for
mail to arrive (never for time): registration mails a link that verifies once; forgot
answers the same for a known and an unknown address and mails once; a reset link works
once and kills every session; 2FA needs the code; an SMTP server that is down when the
request comes (even across a server restart) still gets the mail; two servers on one
Redis send each mail once; throttling answers 429; bad configurations refuse to start;
no token and no SMTP password reach the log.
"""

import re
import subprocess
import time
import unittest

from sk_harness import PASSWORD, Client, RedisProcess, ServerProcess, free_port, jwt_claims, wait_until
from sk_smtp import SmtpSink

ORIGIN = "https://auth.example.test"
MAIL_FROM = "Example Auth <no-reply@example.test>"
SMTP_PASSWORD = "smtp-pw-must-never-be-logged-7c1e"
LINK = re.compile(re.escape(ORIGIN) + r"/account/(verify-email|reset)\?token=([A-Za-z0-9_-]{43})")
NEW_PASSWORD = "a brand new password 2"


def mail_env(smtp_url):
    return {"SMTP_URL": smtp_url, "MAIL_FROM": MAIL_FROM, "PUBLIC_ORIGIN": ORIGIN}


def parts(message):
    """(text, html) of a multipart/alternative message."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def link_of(message, kind):
    text, html = parts(message)
    found = LINK.search(text)
    assert found and found.group(1) == kind, text
    assert found.group(0).replace("&", "&amp;") in html
    return found.group(2)


def mails_to(sink, address):
    return [m for m in sink.messages if address in m["To"]]


def totp(secret, step):
    out = subprocess.run(["oathtool", "--totp", "-b", "-", "-N", f"@{step * 30}"],
                         input=secret + "\n", capture_output=True, text=True, check=True)
    return out.stdout.strip()


class EmailFlows(unittest.TestCase):
    """One server (SQLite) and one SMTP sink for the flows."""

    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink().start()
        env = mail_env(cls.sink.url("mailer:" + SMTP_PASSWORD))
        env["LOGIN_MAX_FAILURES_PER_IDENTIFIER"] = "3"
        cls.server = ServerProcess(env=env).start()
        cls.c = cls.server.client
        cls.tokens_seen = []

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.sink.stop()

    def wait_mail(self, address, n=1):
        wait_until(lambda: len(mails_to(self.sink, address)) >= n, 20, f"mail {n} to {address}")
        return mails_to(self.sink, address)

    def token_from(self, address, kind, n=1):
        token = link_of(self.wait_mail(address, n)[n - 1], kind)
        self.tokens_seen.append(token)
        return token

    def test_registration_mails_a_link_that_verifies_once(self):
        r = self.c.register("vera")
        self.assertEqual(r.status, 201, r)
        self.assertFalse(r.data["is_verified"])
        message = self.wait_mail("vera@example.com")[0]
        self.assertEqual(message["From"], MAIL_FROM)
        self.assertEqual(message["To"], "vera <vera@example.com>")
        self.assertEqual(message["Subject"], "Confirm your email address")
        self.assertTrue(message["Date"])
        self.assertRegex(message["Message-ID"], r"^<[0-9a-f]{32}@auth\.example\.test>$")
        self.assertEqual(message["MIME-Version"], "1.0")
        self.assertEqual(message.get_content_type(), "multipart/alternative")
        text, html = parts(message)
        self.assertIn("Hello vera", text)
        self.assertIn("vera", html)
        self.assertEqual(self.sink.envelopes[self.sink.messages.index(message)][0],
                         "no-reply@example.test")
        token = self.token_from("vera@example.com", "verify-email")

        ok = self.c.post("/api/auth/email/verify", {"token": token})
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.data, {"is_verified": True})
        again = self.c.post("/api/auth/email/verify", {"token": token})
        self.assertEqual((again.status, again.code), (400, "invalid_token"), again)
        bad = self.c.post("/api/auth/email/verify", {"token": "x" * 43})
        self.assertEqual((bad.status, bad.code), (400, "invalid_token"))

        login = self.c.login("vera")
        self.assertEqual(login.status, 200, login)
        self.assertTrue(login.data["is_verified"])
        self.assertTrue(jwt_claims(login.data["token"])["is_verified"])
        me = self.c.get("/api/users/me", token=login.data["token"])
        self.assertTrue(me.data["is_verified"], me)

    def test_verification_request_is_once_a_minute(self):
        r = self.c.register("rhea")
        self.assertEqual(r.status, 201)
        self.wait_mail("rhea@example.com")
        # The registration mail counts: another within the minute is 429.
        again = self.c.post("/api/auth/email/verify/request", token=r.data["token"])
        self.assertEqual((again.status, again.code), (429, "rate_limited"), again)
        self.assertGreater(int(again.headers["retry-after"]), 0)
        self.assertEqual(self.c.post("/api/auth/email/verify/request").status, 401)

    def test_forgot_answers_alike_for_known_and_unknown_and_mails_once(self):
        self.assertEqual(self.c.register("fred").status, 201)
        self.wait_mail("fred@example.com")  # the verification mail
        before = len(self.sink.messages)
        known = self.c.post("/api/auth/password/forgot", {"email": "FRED@example.com"})
        unknown = self.c.post("/api/auth/password/forgot", {"email": "nobody@example.com"})
        self.assertEqual(known.status, 200, known)
        self.assertEqual((unknown.status, unknown.body), (known.status, known.body))
        self.token_from("fred@example.com", "reset", n=2)
        # Flush the queue: a later mail (to someone else) arrives after anything queued before.
        self.assertEqual(self.c.register("fred_after").status, 201)
        self.wait_mail("fred_after@example.com")
        self.assertEqual(len(self.sink.messages) - before, 2, [m["To"] for m in self.sink.messages])
        self.assertEqual(mails_to(self.sink, "nobody@example.com"), [])

    def test_reset_works_once_and_kills_every_session(self):
        r = self.c.register("rosa")
        self.assertEqual(r.status, 201)
        sessions = [r.data["token"], self.c.login("rosa").data["token"],
                    self.c.login("rosa").data["token"]]
        self.wait_mail("rosa@example.com")
        self.assertEqual(self.c.post("/api/auth/password/forgot", {"email": "rosa@example.com"}).status, 200)
        older = self.token_from("rosa@example.com", "reset", n=2)
        self.assertEqual(self.c.post("/api/auth/password/forgot", {"email": "rosa@example.com"}).status, 200)
        token = self.token_from("rosa@example.com", "reset", n=3)

        killed = self.c.post("/api/auth/password/reset", {"token": older, "new_password": NEW_PASSWORD})
        self.assertEqual((killed.status, killed.code), (400, "invalid_token"), "a newer reset kills it")
        weak = self.c.post("/api/auth/password/reset", {"token": token, "new_password": "short"})
        self.assertEqual(weak.status, 400)
        ok = self.c.post("/api/auth/password/reset", {"token": token, "new_password": NEW_PASSWORD})
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(ok.data, {"revoked": 3})
        for access in sessions:
            self.assertEqual(self.c.verify(access).status, 401)
        self.assertEqual(self.c.login("rosa").status, 401)
        self.assertEqual(self.c.login("rosa", password=NEW_PASSWORD).status, 200)
        again = self.c.post("/api/auth/password/reset", {"token": token, "new_password": PASSWORD})
        self.assertEqual((again.status, again.code), (400, "invalid_token"))

    def test_reset_with_two_factor_needs_the_code(self):
        r = self.c.register("tessa")
        token = r.data["token"]
        secret = self.c.post("/api/auth/2fa/totp/setup", token=token).data["secret"]
        step = int(time.time()) // 30
        confirm = self.c.post("/api/auth/2fa/totp/confirm", {"code": totp(secret, step - 1)},
                              token=token)
        self.assertEqual(confirm.status, 200, confirm)
        self.wait_mail("tessa@example.com")
        self.c.post("/api/auth/password/forgot", {"email": "tessa@example.com"})
        reset = self.token_from("tessa@example.com", "reset", n=2)
        body = {"token": reset, "new_password": NEW_PASSWORD}
        missing = self.c.post("/api/auth/password/reset", body)
        self.assertEqual((missing.status, missing.code), (401, "invalid_code"), missing)
        wrong = self.c.post("/api/auth/password/reset", dict(body, code="000000"))
        self.assertEqual((wrong.status, wrong.code), (401, "invalid_code"))
        ok = self.c.post("/api/auth/password/reset", dict(body, code=totp(secret, step + 1)))
        self.assertEqual(ok.status, 200, ok)
        self.assertEqual(self.c.post("/api/auth/password/reset", dict(body, code=totp(secret, step + 1))).code,
                         "invalid_token")

    def test_forgot_is_throttled_per_email(self):
        body = {"email": "throttled@example.com"}
        for _ in range(3):
            self.assertEqual(self.c.post("/api/auth/password/forgot", body).status, 200)
        r = self.c.post("/api/auth/password/forgot", body)
        self.assertEqual((r.status, r.code), (429, "rate_limited"), r)
        self.assertGreater(int(r.headers["retry-after"]), 0)
        # Another address from the same IP is not refused (the per-IP limit is 100).
        self.assertEqual(self.c.post("/api/auth/password/forgot", {"email": "other@example.com"}).status, 200)

    def test_bad_bodies_are_400(self):
        for path, body in (("/api/auth/email/verify", {}), ("/api/auth/password/forgot", {}),
                           ("/api/auth/password/reset", {"token": "x"}),
                           ("/api/auth/password/forgot", {"email": 5})):
            r = self.c.post(path, body)
            self.assertEqual((r.status, r.code), (400, "bad_request"), (path, r))

    def test_zz_no_token_and_no_smtp_password_in_the_log(self):
        # Runs last in this class (unittest sorts by name): every token seen so far.
        self.assertTrue(self.tokens_seen)
        log = self.server.log_text()
        self.assertIn("mail sent", log)
        self.assertNotIn(SMTP_PASSWORD, log)
        for token in self.tokens_seen:
            self.assertNotIn(token, log)
        metrics = self.c.get("/metrics").body.decode()
        self.assertRegex(metrics, r'sessionkit_mail_total\{outcome="sent"\} [1-9]')


class WithoutSmtp(unittest.TestCase):
    def test_routes_are_404_without_smtp_url(self):
        server = ServerProcess().start()
        self.addCleanup(server.stop)
        for path in ("/api/auth/email/verify/request", "/api/auth/email/verify",
                     "/api/auth/password/forgot", "/api/auth/password/reset"):
            r = server.client.post(path, {"email": "a@example.com", "token": "x"})
            self.assertEqual(r.status, 404, (path, r))

    def test_incomplete_mail_configuration_refuses_to_start(self):
        url = "smtp://mailer:" + SMTP_PASSWORD + "@127.0.0.1:2525"
        cases = [({"SMTP_URL": url, "PUBLIC_ORIGIN": ORIGIN}, "MAIL_FROM"),
                 ({"SMTP_URL": url, "MAIL_FROM": MAIL_FROM}, "PUBLIC_ORIGIN"),
                 (dict(mail_env("http://127.0.0.1:25")), "SMTP_URL"),
                 (dict(mail_env("smtp://127.0.0.1:99999")), "SMTP_URL")]
        for env, named in cases:
            server = ServerProcess(env=env)
            self.addCleanup(server.stop)
            server.start(wait=False)
            self.assertEqual(server.wait_exit(), 2, env)
            log = server.log_text()
            self.assertIn(named, log)
            self.assertNotIn(SMTP_PASSWORD, log)


class Outage(unittest.TestCase):
    """The SMTP server is down when the request comes: the mail waits in the queue."""

    def test_mail_arrives_once_smtp_starts(self):
        port = free_port()
        server = ServerProcess(env=mail_env(f"smtp://127.0.0.1:{port}")).start()
        self.addCleanup(server.stop)
        r = server.client.register("olga")
        self.assertEqual(r.status, 201, r)
        wait_until(lambda: "mail delivery failed" in server.log_text(), 20, "a failed attempt")
        with SmtpSink(port=port) as sink:
            message = sink.wait_for(1, timeout=30)[0]
            self.assertIn("olga@example.com", message["To"])

    def test_mail_survives_a_server_restart(self):
        port = free_port()
        first = ServerProcess(env=mail_env(f"smtp://127.0.0.1:{port}")).start()
        self.addCleanup(first.stop)
        self.assertEqual(first.client.register("ruth").status, 201)
        wait_until(lambda: "mail delivery failed" in first.log_text(), 20, "a failed attempt")
        self.assertEqual(first.terminate(), 0)
        second = ServerProcess(env=mail_env(f"smtp://127.0.0.1:{port}"), workdir=first.dir).start()
        self.addCleanup(second.stop)
        with SmtpSink(port=port) as sink:
            message = sink.wait_for(1, timeout=30)[0]
            self.assertIn("ruth@example.com", message["To"])


class TwoServersOneRedis(unittest.TestCase):
    def test_each_mail_is_sent_once(self):
        redis = RedisProcess().start()
        self.addCleanup(redis.cleanup)
        port = free_port()
        env = dict(mail_env(f"smtp://127.0.0.1:{port}"), REDIS_ADDR=f"127.0.0.1:{redis.port}")
        a = ServerProcess(env=env).start()
        self.addCleanup(a.stop)
        b = ServerProcess(env=env).start()
        self.addCleanup(b.stop)
        n = 12
        for i in range(n):
            server = a if i % 2 == 0 else b
            self.assertEqual(server.client.register(f"twin{i}").status, 201)
        # SMTP is down: both servers' workers fail and retry; then both race for each mail.
        wait_until(lambda: "mail delivery failed" in a.log_text() and
                   "mail delivery failed" in b.log_text(), 30, "failed attempts on both servers")
        with SmtpSink(port=port) as sink:
            sink.wait_for(n, timeout=60)
            due = "sessionkit_email:{sessionkit_email}:due"
            wait_until(lambda: redis.cmd("ZCARD", due) == 0, 30, "an empty queue")
            ids = [m["Message-ID"] for m in sink.messages]
            self.assertEqual(len(ids), n, ids)
            self.assertEqual(len(set(ids)), n)


if __name__ == "__main__":
    unittest.main()
