#!/usr/bin/env python3
"""Register (or log in) N load-test users on a running sessionkit server.

Writes one access token per line (one session per user) and one login body per line,
for bench/load/rotate.lua. Standard library only.

    make_tokens.py --url http://127.0.0.1:8080 --users 100 --tokens-out t.txt \
                   --logins-out l.txt [--prefix load] [--password ...] [--user-agent ...]

A user that already exists (409) is logged in instead, so the script can be rerun with
the same prefix. A 429 (login throttling) is waited out as Retry-After says. The first
token is checked against GET /api/auth/verify before the script reports success.
Exit status 0 on success, 1 if any user could not get a token.
"""
import argparse
import concurrent.futures
import json
import sys
import time
import urllib.error
import urllib.request


def call(base, method, path, body=None, token=None, agent="sessionkit-load/1", timeout=30):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("User-Agent", agent)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def token_for(args, i):
    name = f"{args.prefix}{i}"
    email = f"{name}@load.example"
    for _ in range(20):
        status, headers, raw = call(args.url, "POST", "/api/auth/register",
                                    {"username": name, "email": email, "password": args.password},
                                    agent=args.user_agent)
        if status == 409:
            status, headers, raw = call(args.url, "POST", "/api/auth/login",
                                        {"email_or_username": name, "password": args.password},
                                        agent=args.user_agent)
        if status in (200, 201):
            return name, json.loads(raw)["data"]["token"]
        if status in (429, 503):
            time.sleep(min(float(headers.get("Retry-After") or 1), 30))
            continue
        raise RuntimeError(f"user {name}: HTTP {status}: {raw[:200]!r}")
    raise RuntimeError(f"user {name}: still refused after retries")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8080")
    p.add_argument("--users", type=int, default=100)
    p.add_argument("--prefix", default="load")
    p.add_argument("--password", default="Load-Test-Passw0rd")
    p.add_argument("--user-agent", default="sessionkit-load/1")
    p.add_argument("--parallel", type=int, default=4)
    p.add_argument("--tokens-out", required=True)
    p.add_argument("--logins-out", required=True)
    args = p.parse_args()
    args.url = args.url.rstrip("/")

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.parallel)) as pool:
        try:
            results = list(pool.map(lambda i: token_for(args, i), range(args.users)))
        except (RuntimeError, OSError, ValueError, KeyError) as e:
            print(f"make_tokens: {e}", file=sys.stderr)
            return 1
    with open(args.tokens_out, "w") as f:
        f.writelines(token + "\n" for _, token in results)
    with open(args.logins_out, "w") as f:
        f.writelines(json.dumps({"email_or_username": name, "password": args.password}) + "\n"
                     for name, _ in results)

    status, _, _ = call(args.url, "GET", "/api/auth/verify", token=results[0][1], agent=args.user_agent)
    if status != 200:
        print(f"make_tokens: GET /api/auth/verify with a fresh token answered {status}", file=sys.stderr)
        return 1
    print(f"make_tokens: {len(results)} users ready in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
