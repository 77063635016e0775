#!/usr/bin/env python3
"""Plant N copies of one real session in a sessionkit SQLite database, fast.

Takes the session row of `--token` (a JWT the server issued at login) as a template and
inserts N more rows in the store's own format (the same record with a fresh id, the same
user and times), in one transaction. Writes `--tokens-out` with one JWT per planted
session for a sample of them (the template token's claims with the session id replaced,
re-signed with the secret in the environment variable JWT_SECRET, HS256), for bench/load/verify_load.sh --tokens.

    JWT_SECRET=... plant_sqlite_sessions.py --db sessionkit.db --token "$JWT" \
        --count 1000000 --sample 2000 --tokens-out sample.txt

Stop the server first or not: SQLite serializes the writers (the insert holds the write
lock for the length of the transaction). Standard library only.
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import sqlite3
import sys
import time


def b64d(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def b64e(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--count", type=int, default=1_000_000)
    p.add_argument("--sample", type=int, default=2000)
    p.add_argument("--tokens-out", required=True)
    a = p.parse_args()

    header, payload, _ = a.token.split(".")
    claims = json.loads(b64d(payload))
    db = sqlite3.connect(a.db, timeout=30)
    rows = db.execute("SELECT id, user_id, created_at, expires_at, record FROM sessions").fetchall()
    template = next((r for r in rows if r[0] in claims.values()), None)
    if template is None:
        sys.exit("no session row of the token's session id in " + a.db)
    tid, user_id, created_at, expires_at, record = template
    claim = next(k for k, v in claims.items() if v == tid)

    t0 = time.time()
    sample = []
    batch = []
    db.execute("BEGIN IMMEDIATE")
    for i in range(a.count):
        sid = "sess_" + os.urandom(32).hex()
        batch.append((sid, user_id, created_at, expires_at, record.replace(tid, sid)))
        if i < a.sample:
            sample.append(sid)
        if len(batch) == 10000:
            db.executemany("INSERT INTO sessions(id, user_id, created_at, expires_at, record) "
                           "VALUES(?, ?, ?, ?, ?)", batch)
            batch.clear()
    if batch:
        db.executemany("INSERT INTO sessions(id, user_id, created_at, expires_at, record) "
                       "VALUES(?, ?, ?, ?, ?)", batch)
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    planted_s = time.time() - t0

    secret = os.environ.get("JWT_SECRET")
    if not secret:
        sys.exit("set JWT_SECRET to the server's signing secret")
    key = secret.encode()
    with open(a.tokens_out, "w") as out:
        for sid in sample:
            c = dict(claims)
            c[claim] = sid
            body = header + "." + b64e(json.dumps(c, separators=(",", ":")).encode())
            sig = b64e(hmac.new(key, body.encode(), hashlib.sha256).digest())
            out.write(body + "." + sig + "\n")
    print(json.dumps({"planted": a.count, "seconds": round(planted_s, 1),
                      "db_bytes": os.path.getsize(a.db), "sample_tokens": len(sample)}))


if __name__ == "__main__":
    main()
