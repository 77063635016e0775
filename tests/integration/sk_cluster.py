"""A throwaway Redis Cluster for the end-to-end tests (the Python twin of
testing/redis_cluster.h): 3 masters + 3 replicas of Debian's redis-server on free
loopback ports, each in its own temp dir with `--cluster-enabled yes` and
`--appendonly yes` and `--cluster-require-full-coverage no`, joined by `redis-cli --cluster create ... --cluster-replicas 1
--cluster-yes`; start() returns once every node reports cluster_state:ok. cleanup()
kills every node and removes the dirs (call it from tearDownClass / addClassCleanup so a
failing test leaves nothing behind). cmd() follows MOVED to the owning master."""

import os
import shutil
import subprocess
import tempfile
import time

from sk_harness import RedisProcess, free_port, wait_until


class ClusterNode(RedisProcess):
    """One node: RedisProcess with the cluster flags and a short node timeout (fast
    failover in tests)."""

    NODE_TIMEOUT_MS = 1000

    def _persistence(self):
        return ["--appendonly", "yes", "--appendfsync", "everysec",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", str(self.NODE_TIMEOUT_MS),
                # A failed master stops only its own slots (docs/redis.md).
                "--cluster-require-full-coverage", "no",
                # Replicas sync at once (Redis waits 5 s by default for more).
                "--repl-diskless-sync-delay", "0"]


class RedisCluster:
    CLI = "/usr/bin/redis-cli"

    def __init__(self, masters=3, replicas=1):
        self.masters = masters
        self.replicas = replicas
        self.nodes = []

    def start(self):
        try:
            for _ in range(self.masters * (1 + self.replicas)):
                self.nodes.append(ClusterNode().start())
            out = subprocess.run(
                [self.CLI, "--cluster", "create", *self.seeds(),
                 "--cluster-replicas", str(self.replicas), "--cluster-yes"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            if out.returncode != 0:
                raise AssertionError("redis-cli --cluster create failed: " +
                                     out.stdout.decode(errors="replace")[-2000:])
            self.wait_ok(30)
            # cluster_state:ok comes before the replicas' first sync: wait for it too.
            wait_until(self._replicated, 30, "every master's replicas online", interval=0.05)
            return self
        except BaseException:
            self.cleanup()
            raise

    def seeds(self):
        return [f"127.0.0.1:{n.port}" for n in self.nodes]

    def seed_list(self):
        """The value for REDIS_CLUSTER_NODES."""
        return ",".join(self.seeds())

    def running(self):
        return [n for n in self.nodes if n.proc is not None and n.proc.poll() is None]

    def _ok(self):
        for n in self.running():
            try:
                info = n.cmd("CLUSTER", "INFO")
            except (OSError, RuntimeError):
                return False
            if "cluster_state:ok" not in info or "cluster_slots_ok:16384" not in info:
                return False
        return True

    def _replicated(self):
        for n in self.masters_now():
            if n.cmd("INFO", "replication").count("state=online") < self.replicas:
                return False
        return True

    def wait_ok(self, timeout):
        wait_until(self._ok, timeout, "cluster_state:ok on every node", interval=0.05)

    def node_by_port(self, port):
        for n in self.nodes:
            if n.port == int(port):
                return n
        raise AssertionError(f"no node on port {port}")

    def slot_map(self):
        """[(first, last, master node)] from CLUSTER SLOTS."""
        out = []
        for r in self.running()[0].cmd("CLUSTER", "SLOTS"):
            out.append((int(r[0]), int(r[1]), self.node_by_port(r[2][1])))
        return out

    def master_of_slot(self, slot):
        for first, last, node in self.slot_map():
            if first <= slot <= last:
                return node
        raise AssertionError(f"no master for slot {slot}")

    def masters_now(self):
        seen = []
        for _, _, node in self.slot_map():
            if node not in seen:
                seen.append(node)
        return seen

    def keyslot(self, key):
        return int(self.running()[0].cmd("CLUSTER", "KEYSLOT", key))

    def cmd(self, *args):
        """The command on the master of args[1], following MOVED."""
        node = self.master_of_slot(self.keyslot(args[1])) if len(args) > 1 else self.running()[0]
        for _ in range(5):
            try:
                return node.cmd(*args)
            except RuntimeError as e:
                if not str(e).startswith("MOVED "):
                    raise
                node = self.node_by_port(str(e).rsplit(":", 1)[1])
        raise AssertionError("too many redirections")

    def flushall(self):
        for n in self.masters_now():
            n.cmd("FLUSHALL")

    def cleanup(self):
        for n in self.nodes:
            n.kill()
            shutil.rmtree(n.dir, ignore_errors=True)
        self.nodes = []
