"""The same API contract with sessions in a real Redis (REDIS_ADDR), plus what only Redis
shows: the Go services' key layout, sessions written by another service, revocation by
another service, and an outage: 503 store_unavailable (never 500) while Redis is down,
and service again after it comes back, without restarting the server."""

import json
import socket
import time
import unittest
import uuid

import jwt

from sk_harness import SECRET, RedisProcess, ServerProcess, jwt_claims, wait_until
from test_api import ApiContract


def start_pair(test_class):
    test_class.redis = RedisProcess().start()
    try:
        test_class.server = ServerProcess(
            env={"REDIS_ADDR": f"127.0.0.1:{test_class.redis.port}"}).start()
    except BaseException:
        test_class.redis.cleanup()
        raise


def stop_pair(test_class):
    try:
        code = test_class.server.terminate()
        log = test_class.server.log_text()
        assert code == 0, f"server exit {code}\n{log[-4000:]}"
    finally:
        test_class.server.stop()
        test_class.redis.cleanup()


class RedisApiTest(ApiContract, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_pair(cls)

    @classmethod
    def tearDownClass(cls):
        stop_pair(cls)


class RedisStoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        start_pair(cls)

    @classmethod
    def tearDownClass(cls):
        stop_pair(cls)

    @property
    def c(self):
        return self.server.client

    def new_login(self):
        name = "r" + uuid.uuid4().hex[:12]
        r = self.c.register(name)
        self.assertEqual(r.status, 201, r)
        return name, r.data

    def test_logs_the_store(self):
        self.assertIn(f"session store: Redis at 127.0.0.1:{self.redis.port}", self.server.log_text())

    def test_go_key_layout(self):
        name, data = self.new_login()
        uid = data["user"]["id"]
        sid = jwt_claims(data["token"])["session_id"]
        record = json.loads(self.redis.cmd("GET", f"session:{sid}"))
        self.assertEqual(record["id"], sid)
        self.assertEqual(record["user_id"], uid)
        self.assertEqual(record["username"], name)
        self.assertEqual(record["purpose"], "register")
        self.assertEqual(record["ip_address"], "127.0.0.1")
        self.assertEqual(record["user_agent"], self.c.user_agent)
        for field in ("created_at", "expires_at", "last_seen", "device_id"):
            self.assertIn(field, record)
        ttl = self.redis.cmd("TTL", f"session:{sid}")
        self.assertGreater(ttl, 47 * 3600)
        self.assertLessEqual(ttl, 48 * 3600)
        self.assertEqual(self.redis.cmd("SISMEMBER", f"user_sessions:{uid}", sid), 1)
        self.assertGreater(self.redis.cmd("TTL", f"user_sessions:{uid}"), 0)

    def test_revocation_by_another_service_is_seen_at_once(self):
        _, data = self.new_login()
        sid = jwt_claims(data["token"])["session_id"]
        self.assertEqual(self.c.verify(data["token"]).status, 200)
        self.redis.cmd("DEL", f"session:{sid}")
        self.assertEqual(self.c.verify(data["token"]).status, 401)

    def test_session_written_by_the_go_service(self):
        """A numeric user id the server's database does not know: the session and the
        token come from elsewhere; /users/me takes the user from the token."""
        sid = "sess_" + uuid.uuid4().hex + uuid.uuid4().hex
        now = int(time.time())
        record = ('{"id":"%s","user_id":42,"username":"gopher","purpose":"login",'
                  '"ip_address":"127.0.0.1","user_agent":"%s","device_id":"fp_000000000000",'
                  '"created_at":"%s","expires_at":"%s","last_seen":"%s","extra":"kept"}' % (
                      sid, self.c.user_agent, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
                      time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600)),
                      time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))))
        self.redis.cmd("SET", f"session:{sid}", record, "EX", 3600)
        self.redis.cmd("SADD", "user_sessions:42", sid)
        self.redis.cmd("EXPIRE", "user_sessions:42", 7200)
        token = jwt.encode({"user_id": 42, "session_id": sid, "username": "gopher",
                            "email": "gopher@example.com", "role": "editor", "is_premium": True,
                            "iat": now, "exp": now + 600}, SECRET, algorithm="HS256")
        r = self.c.verify(token)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers["x-user-id"], "42")
        self.assertEqual(r.headers["x-user-role"], "editor")
        me = self.c.get("/api/users/me", token=token)
        self.assertEqual(me.status, 200, me)
        self.assertEqual(me.data["user"], {"id": 42, "username": "gopher",
                                           "email": "gopher@example.com", "role": "editor",
                                           "is_premium": True})
        self.assertEqual(me.data["session"]["user_id"], 42)
        sessions = self.c.get("/api/auth/sessions", token=token)
        self.assertEqual([(s["id"], s["current"]) for s in sessions.data], [(sid, True)])
        # The record stays readable by the Go service: unknown fields and types kept.
        stored = json.loads(self.redis.cmd("GET", f"session:{sid}"))
        self.assertEqual(stored["extra"], "kept")
        self.assertEqual(stored["user_id"], 42)
        self.assertEqual(self.c.post("/api/auth/logout-all", token=token).data, {"revoked": 1})
        self.assertIsNone(self.redis.cmd("GET", f"session:{sid}"))

    def test_zz_outage_is_503_and_recovery_needs_no_restart(self):
        # Named to run last in this class: it restarts Redis (which loses its data).
        name, data = self.new_login()
        token = data["token"]
        self.redis.stop()
        try:
            r = self.c.verify(token)
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.code, "store_unavailable")
            for r in (self.c.get("/api/users/me", token=token),
                      self.c.get("/api/auth/sessions", token=token),
                      self.c.post("/api/auth/logout", token=token),
                      self.c.post("/api/auth/logout-all", token=token),
                      self.c.delete("/api/auth/sessions/" + jwt_claims(token)["session_id"],
                                    token=token),
                      self.c.login(name),
                      self.c.register("late" + uuid.uuid4().hex[:8]),
                      self.c.get("/healthz")):
                with self.subTest(r=r):
                    self.assertEqual(r.status, 503, r)
                    self.assertEqual(r.code, "store_unavailable")
            late = "late" + uuid.uuid4().hex[:8]
            self.assertEqual(self.c.register(late).status, 503)
            metrics = self.c.get("/metrics").body.decode()
            self.assertRegex(metrics, r"sessionkit_store_errors_total [1-9]")
            self.assertEqual(self.c.get("/healthz").status, 503)
        finally:
            self.redis.start()
        wait_until(lambda: self.c.get("/healthz").status == 200, 30, "healthz after Redis is back")
        # No half-registered user was left behind by the failed registration.
        r = self.c.register(late)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.c.verify(r.data["token"]).status, 200)
        again = self.c.login(name)
        self.assertEqual(again.status, 200, again)
        self.assertEqual(self.c.verify(again.data["token"]).status, 200)


class RedisWaitTest(unittest.TestCase):
    """REDIS_WAIT_REPLICAS on one Redis (docs/redis.md, "Failover and durability"): WAIT
    goes to that server and counts its replicas. None: a new session is refused with 503
    store_unavailable; with one, logins succeed and each new session ran WAIT."""

    def test_wait_for_a_replica_of_one_redis(self):
        master = RedisProcess().start()
        self.addCleanup(master.cleanup)
        master.cmd("CONFIG", "SET", "repl-diskless-sync-delay", "0")
        server = ServerProcess(env={"REDIS_ADDR": f"127.0.0.1:{master.port}",
                                    "REDIS_WAIT_REPLICAS": "1", "REDIS_WAIT_TIMEOUT_MS": "500"}).start()
        self.addCleanup(server.stop)
        r = server.client.register("w" + uuid.uuid4().hex[:8])
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.code, "store_unavailable")

        class Replica(RedisProcess):
            def _persistence(self):
                return super()._persistence() + ["--replicaof", "127.0.0.1", str(master.port)]

        replica = Replica().start()
        self.addCleanup(replica.cleanup)
        wait_until(lambda: "state=online" in master.cmd("INFO", "replication"), 30, "the replica's sync")
        # "online" is set when the master has sent the snapshot; right after it a write's
        # WAIT may still time out (seen with redis-cli alone): wait until a write is
        # acknowledged by the replica.
        def write_acknowledged():
            # SET then WAIT on one connection (WAIT counts this connection's writes).
            with socket.create_connection(("127.0.0.1", master.port), timeout=5) as s:
                s.sendall(b"*3\r\n$3\r\nSET\r\n$10\r\nwait-probe\r\n$1\r\n1\r\n"
                          b"*3\r\n$4\r\nWAIT\r\n$1\r\n1\r\n$3\r\n100\r\n")
                f = s.makefile("rb")
                return f.readline() == b"+OK\r\n" and f.readline() == b":1\r\n"
        wait_until(write_acknowledged, 30, "the replica acknowledging a write")
        before = master.cmd("INFO", "commandstats")
        name = "w" + uuid.uuid4().hex[:8]
        r = server.client.register(name)
        self.assertEqual(r.status, 201, r)
        login = server.client.login(name)
        self.assertEqual(login.status, 200, login)
        self.assertEqual(server.client.verify(login.data["token"]).status, 200)
        sid = jwt_claims(login.data["token"])["session_id"]
        self.assertEqual(replica.cmd("EXISTS", f"session:{sid}"), 1)

        def wait_calls(stats):
            for line in stats.splitlines():
                if line.startswith("cmdstat_wait:calls="):
                    return int(line.split("=", 1)[1].split(",", 1)[0])
            return 0
        self.assertGreaterEqual(wait_calls(master.cmd("INFO", "commandstats")) - wait_calls(before), 2)


if __name__ == "__main__":
    unittest.main()
