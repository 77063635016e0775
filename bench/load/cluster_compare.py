#!/usr/bin/env python3
"""Verify throughput on a Redis Cluster against one Redis, in the same run, with 1, 2 and
3 sessionkit server processes (issue 15's bench; docs/performance.md, "Redis Cluster").

    SESSIONKIT_SERVER=build/server/sessionkit-server bench/load/cluster_compare.py \
        [--rounds 3] [--duration 6] [--servers 1,2,3] [--connections 64] [--users 50] \
        [--io-threads 1]

It starts one redis-server and a 3 masters + 3 replicas cluster with the test fixtures
(tests/integration/sk_harness.py, sk_cluster.py: the system's redis-server on free
loopback ports), then for every round, and in each round for every server count, loads
one Redis and then the cluster (interleaved, so a burst of other load on the machine hits
both alike): N sessionkit servers on the store (the same JWT_SECRET), tokens of --users
users registered on the first, one wrk per server (bench/load/rotate.lua, --connections
split between them) for --duration seconds. It prints every run, then a table of medians:
validations/s (all servers together), wrk's p50/p99 (worst server), and the servers' CPU
per validation. Needs wrk, redis-server, redis-cli, python3 with PyJWT (the test suite's).
Everything it starts is killed at the end.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

from sk_cluster import RedisCluster  # noqa: E402
from sk_harness import RedisProcess, ServerProcess  # noqa: E402

AGENT = "sessionkit-load/1"


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_servers(count, store_env, io_threads):
    servers = []
    try:
        for _ in range(count):
            servers.append(ServerProcess(env=dict(store_env), args=["--io-threads", str(io_threads)]).start())
    except BaseException:
        for s in servers:
            s.stop()
        raise
    return servers


def make_tokens(server, users, workdir):
    tokens = os.path.join(workdir, "tokens.txt")
    subprocess.run([sys.executable, os.path.join(HERE, "make_tokens.py"), "--url",
                    f"http://127.0.0.1:{server.port}", "--users", str(users), "--prefix",
                    "cc" + os.urandom(4).hex(), "--user-agent", AGENT, "--tokens-out", tokens,
                    "--logins-out", os.path.join(workdir, "logins.txt")],
                   check=True, stdout=subprocess.DEVNULL)
    return tokens


def load(servers, tokens, connections, seconds):
    """One measured phase: a wrk per server at once; returns the run's figures."""
    per = max(1, connections // len(servers))
    procs = []
    for s in servers:
        procs.append(subprocess.Popen(
            ["wrk", "-t1", f"-c{per}", f"-d{seconds}s", "--latency", "-s",
             os.path.join(HERE, "rotate.lua"), f"http://127.0.0.1:{s.port}/api/auth/verify", "--",
             "bearer", tokens, AGENT], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    cpu0 = sum(cpu_seconds(s.proc.pid) for s in servers)
    results = []
    for p in procs:
        out, _ = p.communicate()
        line = next((l for l in out.splitlines() if l.startswith("LOAD_RESULT ")), None)
        if line is None:
            raise RuntimeError("wrk failed:\n" + out)
        results.append(json.loads(line.split(" ", 1)[1]))
    cpu = sum(cpu_seconds(s.proc.pid) for s in servers) - cpu0
    ok = sum(r["ok_per_s"] for r in results)
    bad = sum(r["non_2xx"] + r["socket_errors"] for r in results)
    return {"ok_per_s": ok, "p50": max(r["p50_ms"] for r in results), "p99": max(r["p99_ms"] for r in results),
            "cpu_us": cpu * 1e6 / max(1, ok * seconds), "errors": bad}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=6)
    ap.add_argument("--servers", default="1,2,3")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--io-threads", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    counts = [int(n) for n in a.servers.split(",")]
    if not os.environ.get("SESSIONKIT_SERVER"):
        os.environ["SESSIONKIT_SERVER"] = os.path.join(ROOT, "build", "server", "sessionkit-server")

    workdir = tempfile.mkdtemp(prefix="sk-cluster-compare-")
    single = RedisProcess().start()
    cluster = RedisCluster().start()
    stores = {"one Redis": {"REDIS_ADDR": f"127.0.0.1:{single.port}"},
              "cluster 3+3": {"REDIS_CLUSTER_NODES": cluster.seed_list()}}
    runs = {}
    try:
        tokens = {}
        for name, env in stores.items():
            (first,) = start_servers(1, env, a.io_threads)
            try:
                tokens[name] = make_tokens(first, a.users, tempfile.mkdtemp(dir=workdir))
            finally:
                first.stop()
        print(f"# {a.rounds} rounds x servers {counts} x stores, {a.duration} s each, "
              f"{a.connections} connections, {a.users} users' tokens, --io-threads {a.io_threads}")
        for rnd in range(a.rounds):
            for n in counts:
                for name, env in stores.items():
                    servers = start_servers(n, env, a.io_threads)
                    try:
                        if a.warmup:
                            load(servers, tokens[name], a.connections, a.warmup)
                        r = load(servers, tokens[name], a.connections, a.duration)
                    finally:
                        for s in servers:
                            s.stop()
                    runs.setdefault((name, n), []).append(r)
                    print(f"round {rnd + 1}  {name:<12} {n} server(s)  {r['ok_per_s']:>9,.0f}/s  "
                          f"p50 {r['p50']:.2f} ms  p99 {r['p99']:.2f} ms  CPU {r['cpu_us']:.1f} us"
                          + (f"  !! {r['errors']} errors" if r["errors"] else ""), flush=True)
        print()
        print("| store | servers | validations/s (median) | p50 | p99 | server CPU per validation | runs |")
        print("|---|---|---|---|---|---|---|")
        for n in counts:
            for name in stores:
                rs = runs[(name, n)]
                med = lambda k: statistics.median(r[k] for r in rs)  # noqa: E731
                print(f"| {name} | {n} | {med('ok_per_s'):,.0f} | {med('p50'):.2f} ms | {med('p99'):.2f} ms | "
                      f"{med('cpu_us'):.1f} µs | {len(rs)} |")
    finally:
        cluster.cleanup()
        single.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
