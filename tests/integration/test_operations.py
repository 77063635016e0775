"""Operations: LOG_FORMAT=json (every line one JSON object with the stable keys, the same
events as the text format, no secret), the JWT secret read from a systemd credential
($CREDENTIALS_DIRECTORY/jwt_secret), and /metrics as Prometheus' promtool sees it (a live
scrape passes `promtool check metrics`, the process_* series are there) plus
`promtool check rules` on docs/prometheus-alerts.yml."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import jwt

from sk_harness import PASSWORD, SECRET, RedisProcess, ServerProcess, wait_until

SOURCE_DIR = os.environ.get("SESSIONKIT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
PROMTOOL = shutil.which("promtool")


def exercise(client):
    """One run through the API that logs a line of each kind; returns what must not be
    logged (passwords, tokens)."""
    new_password = "another horse 2"
    assert client.register("opsuser").status == 201
    login = client.login("opsuser")
    assert login.status == 200, login
    access, refresh = login.data["token"], login.data["refresh_token"]
    assert client.login("opsuser", password="wrong password 9").status == 401
    assert client.verify(access).status == 200
    rotated = client.refresh(refresh)
    assert rotated.status == 200, rotated
    assert client.refresh(refresh).status in (200, 401)  # within the grace window or not
    access2 = rotated.data["token"]
    assert client.change_password(access2, PASSWORD, new_password).status == 200
    assert client.post("/api/auth/logout", token=access2).status in (200, 204)
    assert client.get("/metrics").status == 200
    return [PASSWORD, new_password, "wrong password 9", access, refresh, access2,
            rotated.data["refresh_token"]]


def run_logged(log_format):
    server = ServerProcess(env={"LOG_FORMAT": log_format}).start()
    try:
        secrets = exercise(server.client)
        assert server.terminate() == 0
        return server.log_text(), secrets
    finally:
        server.stop()


def masked(message):
    """A message with what differs between two runs (ids, ports, times) masked."""
    message = re.sub(r"sk-e2e-[^/ ]+", "DIR", message)  # the run's temp dir
    return re.sub(r"\b[0-9a-f]+(?:-[0-9a-f]+)+\b|[0-9a-f]{6,}|\d+", "#", message)


class JsonLogTest(unittest.TestCase):
    def test_every_line_is_json_with_stable_keys_and_no_secret(self):
        log, secrets = run_logged("json")
        lines = log.splitlines()
        self.assertGreater(len(lines), 8, log)
        events = []
        for line in lines:
            record = json.loads(line)  # raises on any line that is not one JSON object
            self.assertEqual(list(record)[:4], ["ts", "level", "event", "msg"], line)
            self.assertRegex(record["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertTrue(all(isinstance(v, str) for v in record.values()), line)
            events.append(record["event"])
        for secret in secrets + [SECRET]:
            self.assertNotIn(secret, log)
        for event in ("session_store", "listening_on", "user_registered", "session_created",
                      "login_failed", "password_changed", "stopped"):
            self.assertIn(event, events)
        created = [json.loads(l) for l in lines if '"event":"session_created"' in l]
        self.assertEqual([r["purpose"] for r in created], ["register", "login"])
        self.assertTrue(all(r["user_id"] for r in created))

    def test_same_events_as_the_text_format(self):
        json_log, _ = run_logged("json")
        text_log, _ = run_logged("text")
        from_json = [(r["level"], masked(r["msg"])) for r in map(json.loads, json_log.splitlines())]
        from_text = []
        for line in text_log.splitlines():
            m = re.match(r"^\S+Z (\w+) (.*)$", line)
            self.assertTrue(m, line)
            from_text.append((m.group(1), masked(m.group(2))))
        self.assertEqual(sorted(from_json), sorted(from_text))


class CredentialTest(unittest.TestCase):
    def test_secret_from_the_credentials_directory(self):
        creds = tempfile.mkdtemp(prefix="sk-creds-")
        self.addCleanup(shutil.rmtree, creds, True)
        file_secret = "credential-secret-0123456789abcdef0123456789"
        with open(os.path.join(creds, "jwt_secret"), "w") as f:
            f.write(file_secret + "\n")
        os.chmod(os.path.join(creds, "jwt_secret"), 0o400)
        server = ServerProcess(env={"CREDENTIALS_DIRECTORY": creds}, secret=None).start()
        self.addCleanup(server.stop)
        c = server.client
        self.assertEqual(c.register("creduser").status, 201)
        token = c.login("creduser").data["token"]
        jwt.decode(token, file_secret, algorithms=["HS256"], options={"verify_aud": False})
        self.assertNotIn(file_secret, server.log_text())


@unittest.skipUnless(PROMTOOL, "promtool (Debian package prometheus) is not installed")
class PromtoolTest(unittest.TestCase):
    def test_live_metrics_pass_promtool(self):
        server = ServerProcess().start()
        self.addCleanup(server.stop)
        exercise(server.client)
        scrape = server.client.get("/metrics")
        self.assertEqual(scrape.status, 200)
        body = scrape.body if isinstance(scrape.body, str) else scrape.body.decode()
        for name in ("process_cpu_seconds_total", "process_resident_memory_bytes",
                     "process_open_fds", "process_max_fds", "process_start_time_seconds",
                     "process_virtual_memory_bytes"):
            self.assertRegex(body, rf"(?m)^{name} [0-9.e+]+$")
        checked = subprocess.run([PROMTOOL, "check", "metrics"], input=body.encode(),
                                 capture_output=True, timeout=60)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_alert_rules_pass_promtool(self):
        rules = os.path.join(SOURCE_DIR, "docs", "prometheus-alerts.yml")
        checked = subprocess.run([PROMTOOL, "check", "rules", rules], capture_output=True,
                                 timeout=60)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)


def metric(client, name):
    """The value of an unlabelled series in a scrape, or None."""
    body = client.get("/metrics").body
    body = body if isinstance(body, str) else body.decode()
    m = re.search(rf"(?m)^{re.escape(name)} ([0-9.e+]+)$", body)
    return float(m.group(1)) if m else None


class StoreMetricsTest(unittest.TestCase):
    def test_store_calls_are_timed_by_operation(self):
        server = ServerProcess().start()
        self.addCleanup(server.stop)
        exercise(server.client)
        body = server.client.get("/metrics").body
        body = body if isinstance(body, str) else body.decode()
        for op in ("insert", "get", "delete"):
            self.assertRegex(body, rf'sessionkit_store_operation_duration_seconds_count'
                                   rf'{{store="sessions",op="{op}"}} [1-9]')
        self.assertRegex(body, r'sessionkit_store_operation_duration_seconds_count'
                               r'{store="account_state",op="rotate_refresh"} [1-9]')
        self.assertIn('sessionkit_store_operation_errors_total{store="sessions",op="get"} 0', body)

    def test_live_sessions_are_counted_by_the_store(self):
        workdir = tempfile.mkdtemp(prefix="sk-e2e-live-")
        self.addCleanup(shutil.rmtree, workdir, True)
        first = ServerProcess(workdir=workdir).start()
        try:
            c = first.client
            self.assertEqual(c.register("liveuser").status, 201)  # one session
            self.assertEqual(c.login("liveuser").status, 200)     # two
            token = c.login("liveuser").data["token"]      # three
            other = c.login("liveuser").data["token"]      # four
            self.assertIn(c.post("/api/auth/logout", token=other).status, (200, 204))  # three
            self.assertEqual(c.verify(token).status, 200)
            self.assertEqual(first.terminate(), 0)
        finally:
            first.stop()
        # A fresh start counts at once: the gauge appears with the store's count.
        second = ServerProcess(workdir=workdir).start()
        self.addCleanup(second.stop)
        self.assertEqual(wait_until(lambda: metric(second.client, "sessionkit_sessions_live"),
                                    30, "the first live-session count"), 3)
        self.assertEqual(metric(second.client, "sessionkit_sessions_live_sample_failures_total"), 0)

    def test_sampling_can_be_turned_off(self):
        server = ServerProcess(env={"LIVE_SESSIONS_SAMPLE_SECONDS": "0"}).start()
        self.addCleanup(server.stop)
        self.assertIsNone(metric(server.client, "sessionkit_sessions_live"))


class RedisReconnectTest(unittest.TestCase):
    def test_reconnects_are_counted(self):
        redis = RedisProcess().start()
        self.addCleanup(redis.cleanup)
        self.addCleanup(redis.kill)
        server = ServerProcess(env={"REDIS_ADDR": f"127.0.0.1:{redis.port}"}).start()
        self.addCleanup(server.stop)
        self.assertEqual(metric(server.client, "sessionkit_redis_reconnects_total"), 0)
        redis.kill()
        wait_until(lambda: (metric(server.client, "sessionkit_redis_reconnects_total") or 0) > 0,
                   30, "a reconnect attempt to be counted")
        redis.start()
        wait_until(lambda: server.client.get("/healthz").status == 200, 30, "Redis back")


if __name__ == "__main__":
    unittest.main()
