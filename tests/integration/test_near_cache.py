"""The Redis near-cache (SESSION_CACHE=tracking) against the real server and a real
redis-server: verifies are served from the cache (Redis's MONITOR shows no GET for them),
a DEL by another client is refused once Redis's invalidation arrived, a killed
invalidation connection drops the cache, a paused Redis is never answered past the cap
(then 503), a logout through the server is refused at once, the whole API contract holds
with the cache on, and the refusals of the configuration. With the cache off every
verify reads Redis, as before. The staleness cap by the injected clock and expires_at on
a hit are covered by src/store/redis/redis_near_cache_test.cc (a ManualClock)."""

import signal
import socket
import time
import unittest
import uuid

from sk_harness import RedisProcess, ServerProcess, jwt_claims, wait_until
from test_api import ApiContract

def metric(client, name):
    """The value of an unlabelled series in a scrape, or None."""
    body = client.get("/metrics").body
    body = body if isinstance(body, str) else body.decode()
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


LONG_CAP_MS = 60000  # only an invalidation or a drop can refuse within the tests' waits


def start(test_class, cache="tracking", cap_ms=LONG_CAP_MS):
    test_class.redis = RedisProcess().start()
    env = {"REDIS_ADDR": f"127.0.0.1:{test_class.redis.port}", "SESSION_CACHE": cache,
           "SESSION_CACHE_MAX_STALENESS_MS": str(cap_ms)}
    try:
        test_class.server = ServerProcess(env=env, args=["--io-threads", "2"]).start()
    except BaseException:
        test_class.redis.cleanup()
        raise


def stop(test_class):
    try:
        code = test_class.server.terminate()
        assert code == 0, f"server exit {code}\n{test_class.server.log_text()[-4000:]}"
    finally:
        test_class.server.stop()
        test_class.redis.cleanup()


class Monitor:
    """Redis MONITOR on a raw socket: the commands Redis ran, up to a marker we send."""

    def __init__(self, redis):
        self.redis = redis
        self.sock = socket.create_connection(("127.0.0.1", redis.port), timeout=10)
        self.sock.sendall(b"*1\r\n$7\r\nMONITOR\r\n")
        self.f = self.sock.makefile("rb")
        assert self.f.readline().startswith(b"+OK")

    def lines_until_marker(self):
        marker = "marker-" + uuid.uuid4().hex
        self.redis.cmd("ECHO", marker)
        lines = []
        while True:
            line = self.f.readline().decode("utf-8", "replace")
            if not line:
                raise AssertionError("MONITOR connection closed")
            if marker in line:
                return lines
            lines.append(line)

    def close(self):
        self.f.close()
        self.sock.close()


class NearCacheApiTest(ApiContract, unittest.TestCase):
    """Every contract test, with the cache on."""

    @classmethod
    def setUpClass(cls):
        start(cls)

    @classmethod
    def tearDownClass(cls):
        stop(cls)


class NearCacheTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start(cls)

    @classmethod
    def tearDownClass(cls):
        stop(cls)

    @property
    def c(self):
        return self.server.client

    def login(self):
        name = "nc" + uuid.uuid4().hex[:12]
        r = self.c.register(name)
        self.assertEqual(r.status, 201, r)
        token = r.data["token"]
        return token, jwt_claims(token)["session_id"]

    def warm(self, token, n=8):
        """Verifies enough times for every loop to have read (and cached) the session."""
        for _ in range(n):
            self.assertEqual(self.c.verify(token).status, 200)

    def test_logs_that_the_cache_is_on(self):
        self.assertIn("session near-cache: on (CLIENT TRACKING), a cached session is served at most "
                      f"{LONG_CAP_MS} ms", self.server.log_text())

    def test_verifies_are_served_from_the_cache(self):
        token, sid = self.login()
        self.warm(token)
        monitor = Monitor(self.redis)
        try:
            for _ in range(20):
                self.assertEqual(self.c.verify(token).status, 200)
            hits_before = metric(self.c, "sessionkit_session_cache_hits_total")
            reads = [l for l in monitor.lines_until_marker() if f'"GET" "session:{sid}"' in l]
        finally:
            monitor.close()
        self.assertGreaterEqual(hits_before, 20, "the hits are counted in /metrics")
        # Every loop had it cached: no GET (a few allowed: a loop of a very busy machine may
        # miss a PING deadline and drop its cache once); the cache off reads all 20.
        self.assertLessEqual(len(reads), 2, reads)

    def test_delete_by_another_client_is_refused_once_the_invalidation_arrived(self):
        token, sid = self.login()
        self.warm(token)
        self.redis.cmd("DEL", f"session:{sid}")
        # The cap is a minute away: only the invalidation can refuse within this wait.
        wait_until(lambda: all(self.c.verify(token).status == 401 for _ in range(4)), 5,
                   "the DEL's invalidation to reach every loop")
        for _ in range(8):
            self.assertEqual(self.c.verify(token).status, 401)

    def test_logout_through_the_server_is_refused_at_once(self):
        token, _ = self.login()
        self.warm(token)
        self.assertEqual(self.c.post("/api/auth/logout", token=token).status, 200)
        for _ in range(8):  # every loop, at once: no wait for Redis's message
            self.assertEqual(self.c.verify(token).status, 401)

    def test_logout_all_through_the_server_is_refused_at_once(self):
        token, _ = self.login()
        self.warm(token)
        other = self.c.login(jwt_claims(token)["username"])
        self.assertEqual(other.status, 200, other)
        self.warm(other.data["token"])
        self.assertEqual(self.c.post("/api/auth/logout-all", token=other.data["token"]).status, 200)
        for _ in range(8):
            self.assertEqual(self.c.verify(token).status, 401)
            self.assertEqual(self.c.verify(other.data["token"]).status, 401)

    def test_a_killed_invalidation_connection_drops_the_cache(self):
        token, sid = self.login()
        self.warm(token)
        killed = self.redis.cmd("CLIENT", "KILL", "TYPE", "pubsub")
        self.assertGreaterEqual(killed, 2, "one subscriber per loop")
        # Deleted while the subscribers are gone or just back: its invalidation may never
        # reach this server; the drop on the lost connection is what refuses it.
        self.redis.cmd("DEL", f"session:{sid}")
        wait_until(lambda: all(self.c.verify(token).status == 401 for _ in range(4)), 5,
                   "the cache drop after CLIENT KILL")
        # Tracking comes back (subscribers reconnect) and the cache works again.
        wait_until(lambda: len([c for c in self.redis.cmd("CLIENT", "LIST", "TYPE", "pubsub").splitlines()
                                if c]) >= 2, 10, "the subscribers to reconnect")
        token2, sid2 = self.login()
        self.warm(token2)
        monitor = Monitor(self.redis)
        try:
            for _ in range(10):
                self.assertEqual(self.c.verify(token2).status, 200)
            reads = [l for l in monitor.lines_until_marker() if f'"GET" "session:{sid2}"' in l]
        finally:
            monitor.close()
        self.assertLessEqual(len(reads), 2, reads)


class NearCachePausedRedisTest(unittest.TestCase):
    """A paused Redis: a cached session is never answered 200 past the cap after the
    pause (it was read before it), and verifies end as 503."""

    CAP_MS = 1000

    @classmethod
    def setUpClass(cls):
        start(cls, cap_ms=cls.CAP_MS)

    @classmethod
    def tearDownClass(cls):
        stop(cls)

    def test_not_served_past_the_cap_then_503(self):
        c = self.server.client
        r = c.register("np" + uuid.uuid4().hex[:12])
        self.assertEqual(r.status, 201, r)
        token = r.data["token"]
        for _ in range(8):
            self.assertEqual(c.verify(token).status, 200)
        self.redis.signal(signal.SIGSTOP)
        paused_at = time.monotonic()
        answers = []
        try:
            deadline = paused_at + 30  # a liveness bound
            while time.monotonic() < deadline:
                sent = time.monotonic()
                status = c.verify(token).status
                answers.append((sent - paused_at, status))
                if status == 503 and sent - paused_at > self.CAP_MS / 1000:
                    break
        finally:
            self.redis.signal(signal.SIGCONT)
        late = [(round(t, 3), s) for t, s in answers if s == 200 and t >= self.CAP_MS / 1000]
        self.assertEqual(late, [], "a 200 asked for after the cap had passed")
        self.assertEqual(answers[-1][1], 503, answers[-5:])
        self.assertTrue(all(s in (200, 503) for _, s in answers), answers)
        # Redis back: served again without a restart.
        wait_until(lambda: c.verify(token).status == 200, 10, "service after SIGCONT")


class CacheOffTest(unittest.TestCase):
    """SESSION_CACHE=off (the default): every verify reads Redis, a DEL is seen at once."""

    @classmethod
    def setUpClass(cls):
        start(cls, cache="off")

    @classmethod
    def tearDownClass(cls):
        stop(cls)

    def test_every_verify_reads_redis_and_a_delete_is_seen_at_once(self):
        c = self.server.client
        r = c.register("off" + uuid.uuid4().hex[:12])
        token = r.data["token"]
        sid = jwt_claims(token)["session_id"]
        monitor = Monitor(self.redis)
        try:
            for _ in range(10):
                self.assertEqual(c.verify(token).status, 200)
            reads = [l for l in monitor.lines_until_marker() if f'"GET" "session:{sid}"' in l]
        finally:
            monitor.close()
        self.assertEqual(len(reads), 10)
        self.assertEqual(metric(c, "sessionkit_session_cache_hits_total"), 0)
        self.assertEqual(metric(c, "sessionkit_session_cache_misses_total"), 0)
        self.assertEqual(self.redis.cmd("CLIENT", "LIST", "TYPE", "pubsub"), "", "no subscriber")
        self.assertNotIn("near-cache", self.server.log_text())
        self.redis.cmd("DEL", f"session:{sid}")
        self.assertEqual(c.verify(token).status, 401)


class CacheConfigTest(unittest.TestCase):
    def refused(self, env):
        server = ServerProcess(env=env)
        try:
            server.start(wait=False)
            code = server.wait_exit(30)
            return code, server.log_text()
        finally:
            server.stop()

    def test_tracking_with_a_cluster_is_refused(self):
        code, log = self.refused({"REDIS_CLUSTER_NODES": "127.0.0.1:7000", "SESSION_CACHE": "tracking"})
        self.assertEqual(code, 2, log)
        self.assertIn("SESSION_CACHE=tracking works on one Redis (REDIS_ADDR) only, not with "
                      "REDIS_CLUSTER_NODES", log)

    def test_bad_values_are_refused(self):
        code, log = self.refused({"REDIS_ADDR": "127.0.0.1:6379", "SESSION_CACHE": "yes"})
        self.assertEqual(code, 2, log)
        self.assertIn("SESSION_CACHE must be off or tracking, got 'yes'", log)
        code, log = self.refused({"REDIS_ADDR": "127.0.0.1:6379", "SESSION_CACHE": "tracking",
                                  "SESSION_CACHE_MAX_STALENESS_MS": "600000"})
        self.assertEqual(code, 2, log)
        self.assertIn("SESSION_CACHE_MAX_STALENESS_MS must be between 1 and 60000, got 600000", log)


if __name__ == "__main__":
    unittest.main()
