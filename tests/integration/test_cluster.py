"""sessionkit-server on a real Redis Cluster (REDIS_CLUSTER_NODES; 3 masters + 3 replicas
from sk_cluster.py, one cluster for the module): the whole HTTP contract of test_api.py,
then what only a cluster shows: a new session's record in its user's index slot, sessions
written by a Go service in arbitrary slots (validate, slide, list, revoke), the per-user
cap under 100 concurrent logins, a slot migrated under load, three servers sharing the
cluster, and a master killed under load (503 for its slots only, then recovery after the
replica's promotion without a restart). CTest label heavy."""

import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import uuid

import jwt

from sk_cluster import RedisCluster
from sk_harness import SECRET, ServerProcess, jwt_claims, wait_until
from test_api import ApiContract

CLUSTER = None


def setUpModule():
    global CLUSTER
    CLUSTER = RedisCluster().start()
    unittest.addModuleCleanup(CLUSTER.cleanup)


def start_server(extra_env=None):
    env = {"REDIS_CLUSTER_NODES": CLUSTER.seed_list()}
    env.update(extra_env or {})
    return ServerProcess(env=env).start()


def stop_server(server):
    try:
        code = server.terminate()
        log = server.log_text()
        assert code == 0, f"server exit {code}\n{log[-4000:]}"
    finally:
        server.stop()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class ClusterApiTest(ApiContract, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = start_server()

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    def test_healthz(self):
        # On a cluster /healthz adds the nodes (API.md §12); the rest is as on one Redis.
        r = self.server.client.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual({k: v for k, v in r.data.items() if k != "nodes"}, {"status": "ok", "store": "up"})
        self.assertEqual(len(r.data["nodes"]), 6)


def node_series(client):
    """{(name, node, kind): value} of the per-node series in a scrape, and the scrape."""
    body = client.get("/metrics").body
    body = body if isinstance(body, str) else body.decode()
    out = {}
    for m in re.finditer(r'(?m)^(sessionkit_redis_node_\w+)\{node="([^"]+)"(?:,kind="(\w+)")?\} (\d+)$', body):
        out[(m.group(1), m.group(2), m.group(3))] = int(m.group(4))
    return out, body


def redirections(client):
    series, _ = node_series(client)
    return sum(v for (name, _, _), v in series.items() if name == "sessionkit_redis_node_redirections_total")


def wait_calls():
    """WAIT commands the current masters have run (INFO commandstats), all together."""
    total = 0
    for node in CLUSTER.masters_now():
        m = re.search(r"(?m)^cmdstat_wait:calls=(\d+),", node.cmd("INFO", "commandstats"))
        total += int(m.group(1)) if m else 0
    return total


class ClusterDurabilityTest(unittest.TestCase):
    """REDIS_WAIT_REPLICAS (docs/redis.md, "Failover and durability"): a login answers
    only once the new session reached that many replicas; when they cannot be reached in
    REDIS_WAIT_TIMEOUT_MS the login answers 503 store_unavailable."""

    def setUp(self):
        wait_until(CLUSTER._replicated, 30, "every master's replicas online", interval=0.05)

    def test_wait_one_replica_then_login_succeeds(self):
        server = start_server({"REDIS_WAIT_REPLICAS": "1", "REDIS_WAIT_TIMEOUT_MS": "500"})
        try:
            self.assertIn("waits for 1 replica(s), up to 500 ms", server.log_text())
            before = wait_calls()
            tokens = []
            for _ in range(6):
                name = "w" + uuid.uuid4().hex[:12]
                r = server.client.register(name)
                self.assertEqual(r.status, 201, r)
                r = server.client.login(name)
                self.assertEqual(r.status, 200, r)
                tokens.append(r.data["token"])
            # Every new session waited (register and login each create one).
            self.assertGreaterEqual(wait_calls() - before, 12)
            for t in tokens:
                self.assertEqual(server.client.verify(t).status, 200)
                sid = jwt_claims(t)["session_id"]
                # Acknowledged: the master's replica holds the record.
                master = CLUSTER.master_of_slot(CLUSTER.keyslot(f"session:{sid}"))
                replica = next(n for n in CLUSTER.running() if n is not master and
                               f"master_port:{master.port}" in n.cmd("INFO", "replication"))
                # READONLY and GET on one connection (redis-cli reads them from stdin).
                out = subprocess.run([RedisCluster.CLI, "-p", str(replica.port)],
                                     input=f"READONLY\nEXISTS session:{sid}\n", capture_output=True,
                                     text=True, timeout=30).stdout.split()
                self.assertEqual(out, ["OK", "1"], sid)
            # Validation never waits.
            before = wait_calls()
            for t in tokens:
                self.assertEqual(server.client.verify(t).status, 200)
            self.assertEqual(wait_calls(), before)
        finally:
            stop_server(server)

    def test_wait_that_cannot_be_met_answers_503(self):
        # Each master has one replica: two can never acknowledge.
        workdir = tempfile.mkdtemp(prefix="sk-e2e-")
        self.addCleanup(shutil.rmtree, workdir, True)
        env = {"REDIS_CLUSTER_NODES": CLUSTER.seed_list()}
        plain = ServerProcess(env=env, workdir=workdir).start()
        try:
            name = "u" + uuid.uuid4().hex[:12]
            self.assertEqual(plain.client.register(name).status, 201)
        finally:
            stop_server(plain)
        env.update({"REDIS_WAIT_REPLICAS": "2", "REDIS_WAIT_TIMEOUT_MS": "50"})
        strict = ServerProcess(env=env, workdir=workdir).start()
        try:
            before = wait_calls()
            r = strict.client.login(name)
            self.assertEqual(r.status, 503, r)
            self.assertEqual(r.code, "store_unavailable", r)
            self.assertNotIn(b"token", r.body if isinstance(r.body, bytes) else r.body.encode())
            self.assertGreaterEqual(wait_calls() - before, 1)
            # The server still serves: health is up, and so is validation.
            self.assertEqual(strict.client.get("/healthz").status, 200)
        finally:
            stop_server(strict)


class ClusterStoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # The login throttle counts attempts in flight: off here, where 100 logins of one
        # user run at once on purpose.
        cls.server = start_server({"SESSION_MAX_PER_USER": "10",
                                   "SESSION_TOUCH_INTERVAL_SECONDS": "1",
                                   "LOGIN_MAX_FAILURES_PER_IDENTIFIER": "0",
                                   "LOGIN_MAX_FAILURES_PER_IP": "0"})

    @classmethod
    def tearDownClass(cls):
        stop_server(cls.server)

    @property
    def c(self):
        return self.server.client

    def new_login(self, client=None):
        name = "c" + uuid.uuid4().hex[:12]
        r = (client or self.c).register(name)
        self.assertEqual(r.status, 201, r)
        return name, r.data

    def test_logs_the_store_and_reports_every_node(self):
        self.assertIn("session store: Redis Cluster", self.server.log_text())
        r = self.c.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.data["store"], "up")
        nodes = r.data["nodes"]
        self.assertEqual(sorted(n["address"] for n in nodes), sorted(CLUSTER.seeds()))
        self.assertEqual(sum(1 for n in nodes if n["role"] == "master"), 3)
        self.assertTrue(all(n["up"] for n in nodes))

    def test_a_new_session_shares_its_users_index_slot(self):
        for _ in range(5):
            _, data = self.new_login()
            claims = jwt_claims(data["token"])
            sid, uid = claims["session_id"], claims["user_id"]
            self.assertEqual(CLUSTER.keyslot(f"session:{sid}"), CLUSTER.keyslot(f"user_sessions:{uid}"))
            record = json.loads(CLUSTER.cmd("GET", f"session:{sid}"))
            self.assertEqual(record["user_id"], uid)
            self.assertEqual(CLUSTER.cmd("SISMEMBER", f"user_sessions:{uid}", sid), 1)

    def test_go_sessions_in_other_slots_validate_slide_list_and_revoke(self):
        uid = str(10_000 + int(uuid.uuid4().int % 1_000_000))
        index_slot = CLUSTER.keyslot(f"user_sessions:{uid}")
        now = int(time.time())
        sids = []
        while len(sids) < 4:
            sid = "sess_" + uuid.uuid4().hex + uuid.uuid4().hex
            if CLUSTER.keyslot(f"session:{sid}") == index_slot:
                continue
            record = ('{"id":"%s","user_id":%s,"username":"gopher","purpose":"login",'
                      '"ip_address":"127.0.0.1","user_agent":"%s","device_id":"fp_000000000000",'
                      '"created_at":"%s","expires_at":"%s","last_seen":"%s","extra":"kept"}' % (
                          sid, uid, self.c.user_agent, iso(now - 10), iso(now + 3600), iso(now - 10)))
            CLUSTER.cmd("SET", f"session:{sid}", record, "EX", 3600)
            CLUSTER.cmd("SADD", f"user_sessions:{uid}", sid)
            CLUSTER.cmd("EXPIRE", f"user_sessions:{uid}", 7200)
            sids.append(sid)
        masters = {CLUSTER.master_of_slot(CLUSTER.keyslot(f"session:{s}")).port for s in sids}
        tokens = [jwt.encode({"user_id": int(uid), "session_id": s, "username": "gopher",
                              "email": "gopher@example.com", "role": "user",
                              "iat": now, "exp": now + 600}, SECRET, algorithm="HS256") for s in sids]
        for t in tokens:
            r = self.c.verify(t)
            self.assertEqual(r.status, 200, r)
        # Slid: last_seen rewritten (touch interval 1 s, the records were 10 s old).
        for s in sids:
            stored = json.loads(CLUSTER.cmd("GET", f"session:{s}"))
            self.assertNotEqual(stored["last_seen"], iso(now - 10))
            self.assertEqual(stored["extra"], "kept")
            self.assertEqual(stored["user_id"], int(uid))
        listed = self.c.get("/api/auth/sessions", token=tokens[0])
        self.assertEqual(listed.status, 200, listed)
        self.assertEqual(sorted(s["id"] for s in listed.data), sorted(sids))
        # Revoke one from another, then the rest with logout-all.
        r = self.c.delete(f"/api/auth/sessions/{sids[1]}", token=tokens[0])
        self.assertIn(r.status, (200, 204), r)
        self.assertEqual(self.c.verify(tokens[1]).status, 401)
        self.assertIsNone(CLUSTER.cmd("GET", f"session:{sids[1]}"))
        self.assertEqual(self.c.post("/api/auth/logout-all", token=tokens[0]).data, {"revoked": 3})
        for s, t in zip(sids, tokens):
            self.assertIsNone(CLUSTER.cmd("GET", f"session:{s}"))
            self.assertEqual(self.c.verify(t).status, 401)
        self.assertEqual(CLUSTER.cmd("SCARD", f"user_sessions:{uid}"), 0)
        self.assertGreaterEqual(len(masters), 1)

    def test_cap_holds_under_100_concurrent_logins(self):
        name, first = self.new_login()
        results = []
        lock = threading.Lock()

        def login():
            r = self.server.client.__class__(self.server.port).login(name)
            with lock:
                results.append(r.status)

        threads = [threading.Thread(target=login) for _ in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results.count(200), 100, results)
        uid = jwt_claims(first["token"])["user_id"]
        members = CLUSTER.cmd("SMEMBERS", f"user_sessions:{uid}")
        live = [m for m in members if CLUSTER.cmd("GET", f"session:{m}") is not None]
        self.assertEqual(len(live), 10)
        self.assertEqual(len(members), 10)

    def test_three_servers_logout_on_one_is_refused_on_the_others(self):
        others = [start_server(), start_server()]
        try:
            _, data = self.new_login()
            token = data["token"]
            for s in [self.server] + others:
                self.assertEqual(s.client.verify(token).status, 200)
            self.assertEqual(others[0].client.post("/api/auth/logout", token=token).status, 200)
            for s in [self.server] + others:
                self.assertEqual(s.client.verify(token).status, 401)
        finally:
            for s in others:
                stop_server(s)

    def test_slot_migrated_under_load_causes_no_client_error(self):
        tokens = [self.new_login()[1]["token"] for _ in range(3)]
        sid = jwt_claims(tokens[0])["session_id"]
        slot = CLUSTER.keyslot(f"session:{sid}")
        source = CLUSTER.master_of_slot(slot)
        target = next(m for m in CLUSTER.masters_now() if m is not source)
        source_id = source.cmd("CLUSTER", "MYID")
        target_id = target.cmd("CLUSTER", "MYID")
        errors = []
        stop = threading.Event()
        redirected_before = redirections(self.c)

        def load():
            client = self.server.client.__class__(self.server.port)
            while not stop.is_set():
                for t in tokens:
                    r = client.verify(t)
                    if r.status != 200:
                        errors.append(r.status)

        workers = [threading.Thread(target=load) for _ in range(4)]
        for w in workers:
            w.start()
        try:
            time.sleep(0.2)
            target.cmd("CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)
            source.cmd("CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)
            time.sleep(0.2)
            while True:
                keys = source.cmd("CLUSTER", "GETKEYSINSLOT", slot, 100)
                if not keys:
                    break
                source.cmd("MIGRATE", "127.0.0.1", target.port, "", 0, 5000, "KEYS", *keys)
                time.sleep(0.1)
            for node in (target, source):
                node.cmd("CLUSTER", "SETSLOT", slot, "NODE", target_id)
            for node in CLUSTER.masters_now():
                if node not in (target, source):
                    node.cmd("CLUSTER", "SETSLOT", slot, "NODE", target_id)
            time.sleep(0.5)
        finally:
            stop.set()
            for w in workers:
                w.join()
        self.assertEqual(errors, [])
        self.assertEqual(CLUSTER.master_of_slot(slot).port, target.port)
        for t in tokens:
            self.assertEqual(self.c.verify(t).status, 200)
        # The redirections the client followed are counted per node (ASK while the slot
        # moved, MOVED after).
        self.assertGreater(redirections(self.c), redirected_before)

    def test_z_metrics_per_node_pass_promtool(self):
        # Named to run before the master kill (test_zz_), with every node up.
        for _ in range(3):
            self.new_login()
        series, body = node_series(self.c)
        nodes = sorted(CLUSTER.seeds())
        self.assertEqual(sorted({node for (_, node, _) in series}), nodes)
        for node in nodes:
            self.assertEqual(series[("sessionkit_redis_node_up", node, None)], 1, node)
            for kind in ("moved", "ask"):
                self.assertIn(("sessionkit_redis_node_redirections_total", node, kind), series)
        masters = [f"127.0.0.1:{n.port}" for n in CLUSTER.masters_now()]
        for node in masters:
            self.assertEqual(series[("sessionkit_redis_node_serves_slots", node, None)], 1, node)
            self.assertGreater(series[("sessionkit_redis_node_commands_total", node, None)], 0, node)
        self.assertEqual(sum(v for (name, _, _), v in series.items()
                             if name == "sessionkit_redis_node_serves_slots"), 3)
        self.assertGreater(sum(v for (name, _, _), v in series.items()
                               if name == "sessionkit_redis_node_slot_map_reads_total"), 0)
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool (Debian package prometheus) is not installed")
        checked = subprocess.run([promtool, "check", "metrics"], input=body.encode(),
                                 capture_output=True, timeout=60)
        self.assertEqual(checked.returncode, 0, checked.stdout + checked.stderr)

    def test_zz_master_killed_under_load_503_for_its_slots_then_recovery(self):
        # Named to run last: it kills a master (the cluster heals; the node comes back
        # as a replica).
        logins = [self.new_login()[1]["token"] for _ in range(12)]
        victim = CLUSTER.master_of_slot(CLUSTER.keyslot("session:" + jwt_claims(logins[0])["session_id"]))
        on_victim = [t for t in logins
                     if CLUSTER.master_of_slot(CLUSTER.keyslot("session:" + jwt_claims(t)["session_id"])) is victim]
        elsewhere = [t for t in logins if t not in on_victim]
        self.assertTrue(on_victim and elsewhere)
        victim.kill()
        t0 = time.time()
        saw_503 = False
        saw_degraded = False
        while time.time() - t0 < 30:
            for t in elsewhere:
                r = self.c.verify(t)
                self.assertEqual(r.status, 200, r)
            statuses = {self.c.verify(t).status for t in on_victim}
            self.assertTrue(statuses <= {200, 503}, statuses)
            if 503 in statuses:
                saw_503 = True
                health = self.c.get("/healthz")
                self.assertEqual(health.status, 200, health)  # the other masters serve
                if health.data["store"] == "degraded":
                    saw_degraded = True
                    down = [n for n in health.data["nodes"] if not n["up"]]
                    self.assertIn(f"127.0.0.1:{victim.port}", [n["address"] for n in down])
            if statuses == {200} and saw_503:
                break
            time.sleep(0.05)
        self.assertTrue(saw_503, "the dead master's slots never answered 503")
        series, _ = node_series(self.c)
        self.assertGreater(series[("sessionkit_redis_node_failures_total", f"127.0.0.1:{victim.port}", None)]
                           + series[("sessionkit_redis_node_reconnects_total", f"127.0.0.1:{victim.port}", None)], 0)
        self.assertTrue(saw_degraded, "/healthz never reported the dead master")
        self.assertEqual(self.c.get("/healthz").data["store"], "up")
        for t in on_victim + elsewhere:
            self.assertEqual(self.c.verify(t).status, 200)
        # Sessions acknowledged before the kill survived the failover (appendonly +
        # replication; see docs/redis.md for the guarantee).
        victim.start()
        CLUSTER.wait_ok(30)


if __name__ == "__main__":
    unittest.main()
