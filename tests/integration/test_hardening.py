"""Issue 10's edge fixes against the real binary: repeated X-Forwarded-For lines from a
trusted proxy, the IPv6 /64 login throttle, a Latin-1 User-Agent under strict binding,
failed-login log lines without the typed identifier, and configuration refusals
(short previous JWT secrets, absurd lifetimes, a .env others may write)."""

import http.client
import json
import os
import unittest

from sk_harness import PASSWORD, SECRET, Client, ServerProcess


def post_with_forwarded_lines(port, path, body, forwarded_lines, token=None):
    """POST with one X-Forwarded-For field line per entry of `forwarded_lines`, in order
    (http.client's putheader sends each call as its own line)."""
    payload = json.dumps(body).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.putrequest("POST", path)
        conn.putheader("User-Agent", "sk-e2e/1.0")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", str(len(payload)))
        if token is not None:
            conn.putheader("Authorization", "Bearer " + token)
        for line in forwarded_lines:
            conn.putheader("X-Forwarded-For", line)
        conn.endheaders(payload)
        r = conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)
    finally:
        conn.close()


class HardeningTest(unittest.TestCase):
    def start(self, env=None, args=None, secret=SECRET):
        server = ServerProcess(env=env, args=args, secret=secret)
        self.addCleanup(server.stop)
        return server.start()

    def run_to_exit(self, env=None, secret=SECRET, dotenv=None, dotenv_mode=0o600):
        server = ServerProcess(env=env, secret=secret)
        self.addCleanup(server.stop)
        if dotenv is not None:
            path = os.path.join(server.dir, ".env")
            with open(path, "w") as f:
                f.write(dotenv)
            os.chmod(path, dotenv_mode)
        server.start(wait=False)
        return server.wait_exit(timeout=60), server.log_text()

    # --- fix 2: repeated X-Forwarded-For lines, IPv6 /64 throttle ---

    def test_proxy_appended_forwarded_for_line_wins_over_the_clients(self):
        # HAProxy `option forwardfor` adds its own line after the one the client forged.
        server = self.start(env={"TRUSTED_PROXIES": "127.0.0.1"})
        self.assertEqual(server.client.register("xffuser").status, 201)
        status, body = post_with_forwarded_lines(
            server.port, "/api/auth/login",
            {"email_or_username": "xffuser", "password": PASSWORD},
            ["1.1.1.1", "203.0.113.9"])
        self.assertEqual(status, 200, body)
        token = body["data"]["token"]
        sessions = server.client.get("/api/auth/sessions", token=token).json["data"]
        ips = {s["ip_address"] for s in (sessions["sessions"] if isinstance(sessions, dict)
                                         else sessions)}
        self.assertIn("203.0.113.9", ips)
        self.assertNotIn("1.1.1.1", ips)

    def test_ipv6_clients_of_one_slash64_share_the_ip_throttle(self):
        server = self.start(env={"TRUSTED_PROXIES": "127.0.0.1",
                                 "LOGIN_MAX_FAILURES_PER_IP": "2",
                                 "LOGIN_MAX_FAILURES_PER_IDENTIFIER": "0"})
        for n, address in enumerate(["2001:db8:1:2::1", "2001:db8:1:2::2"]):
            status, body = post_with_forwarded_lines(
                server.port, "/api/auth/login",
                {"email_or_username": f"nobody{n}", "password": "wrong password"}, [address])
            self.assertEqual(status, 401, body)
        # A third address of the same /64 is locked out; another /64 is not.
        status, body = post_with_forwarded_lines(
            server.port, "/api/auth/login",
            {"email_or_username": "nobody2", "password": "wrong password"},
            ["2001:db8:1:2:ffff::3"])
        self.assertEqual(status, 429, body)
        status, body = post_with_forwarded_lines(
            server.port, "/api/auth/login",
            {"email_or_username": "nobody3", "password": "wrong password"}, ["2001:db8:1:3::1"])
        self.assertEqual(status, 401, body)

    # --- fix 4: a User-Agent that is not UTF-8 ---

    def test_latin1_user_agent_stays_bound_under_strict(self):
        server = self.start(env={"SESSION_BINDING": "strict",
                                 "SESSION_TOUCH_INTERVAL_SECONDS": "0"})
        latin1 = Client(server.port, user_agent="Mozilla/5.0 (Windows; caf\xe9 \xff)")
        r = latin1.register("latin1user")
        self.assertEqual(r.status, 201, r)
        token = r.data["token"]
        for _ in range(3):  # every request rewrites the record (touch interval 0)
            self.assertEqual(latin1.verify(token).status, 200)
            self.assertEqual(latin1.get("/api/users/me", token=token).status, 200)
        other = Client(server.port, user_agent="Mozilla/5.0 (Windows; cafe \xff)")
        self.assertEqual(other.verify(token).status, 401)

    # --- fix 8: failed-login lines without the typed identifier ---

    def test_failed_login_log_lines_do_not_carry_the_identifier(self):
        server = self.start(env={"LOGIN_MAX_FAILURES_PER_IDENTIFIER": "2"})
        typed = "Tr0ub4dor&3-typed-into-the-username-field"
        for expected in (401, 401, 429):
            self.assertEqual(server.client.login(typed, password="x-wrong").status, expected)
        self.assertEqual(server.client.register("logged").status, 201)
        self.assertEqual(server.client.login("logged", password="wrong pw").status, 401)
        log = server.log_text()
        self.assertIn("login failed: identifier=id#", log)
        self.assertIn("login throttled: identifier=id#", log)
        self.assertNotIn(typed, log)
        self.assertNotIn(typed[:12], log)
        self.assertNotIn("Tr0ub4dor", log)

    # --- fix 7: configuration ---

    def test_short_previous_secret_is_refused_and_not_printed(self):
        code, log = self.run_to_exit(env={"JWT_PREVIOUS_SECRETS": "old-but-tiny-key"})
        self.assertEqual(code, 2, log)
        self.assertIn("JWT_PREVIOUS_SECRETS", log)
        self.assertNotIn("old-but-tiny-key", log)

    def test_absurd_lifetime_is_refused(self):
        code, log = self.run_to_exit(env={"SESSION_MAX_LIFETIME_HOURS": "2000000000"})
        self.assertEqual(code, 2, log)
        self.assertIn("SESSION_MAX_LIFETIME_HOURS", log)

    def test_dotenv_writable_by_others_is_refused(self):
        dotenv = f"JWT_SECRET={SECRET}\n"
        code, log = self.run_to_exit(secret=None, dotenv=dotenv, dotenv_mode=0o666)
        self.assertEqual(code, 2, log)
        self.assertIn(".env is writable by group or others", log)
        self.assertNotIn(SECRET, log)
        server = ServerProcess(secret=None)
        self.addCleanup(server.stop)
        path = os.path.join(server.dir, ".env")
        with open(path, "w") as f:
            f.write(dotenv)
        os.chmod(path, 0o600)
        self.assertEqual(server.start().client.get("/healthz").status, 200)


if __name__ == "__main__":
    unittest.main()
