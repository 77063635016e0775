"""End-to-end contract tests of API.md §6 against the real server (embedded store).

ApiContract holds the route tests; test_redis.py runs the same class against a server
whose sessions live in Redis.
"""

import hashlib
import itertools
import re
import time
import unittest
from datetime import datetime

import jwt  # PyJWT (Debian python3-jwt)

from sk_harness import PASSWORD, SECRET, ServerProcess, b64url, jwt_claims

_ids = itertools.count(1)
SESSION_ID = re.compile(r"sess_[0-9a-f]{64}")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def unique(prefix="user"):
    return f"{prefix}{int(time.time() * 1000) % 100000000}_{next(_ids)}"


class ApiContract:
    """Mixed into a TestCase whose setUpClass sets cls.server (a started ServerProcess)."""

    server = None

    @property
    def c(self):
        return self.server.client

    # ---------------------------------------------------------------- helpers
    def new_user(self, password=PASSWORD):
        name = unique()
        r = self.c.register(name, password=password)
        self.assertEqual(r.status, 201, r)
        return name, r.data

    def login_token(self, name, **kw):
        r = self.c.login(name, **kw)
        self.assertEqual(r.status, 200, r)
        return r.data["token"]

    def assert_error(self, r, status, code):
        self.assertEqual(r.status, status, r)
        self.assertIsInstance(r.json, dict, r)
        self.assertIs(r.json.get("success"), False, r)
        self.assertEqual(r.code, code, r)
        self.assertIsInstance(r.json.get("message"), str)
        self.assertTrue(r.json["message"])

    def assert_ok(self, r, status=200):
        self.assertEqual(r.status, status, r)
        self.assertIs(r.json.get("success"), True, r)
        self.assertIn("data", r.json)
        self.assertIsInstance(r.json.get("message"), str)

    def mint(self, claims, key=SECRET, algorithm="HS256", headers=None):
        return jwt.encode(claims, key, algorithm=algorithm, headers=headers)

    # ---------------------------------------------------------------- health, metrics, routing
    def test_healthz(self):
        r = self.c.get("/healthz")
        self.assert_ok(r)
        self.assertEqual(r.data, {"status": "ok", "store": "up"})

    def test_metrics_prometheus_text(self):
        self.c.get("/healthz")
        self.c.get("/no/such/route")
        r = self.c.get("/metrics")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["content-type"].startswith("text/plain"))
        text = r.body.decode()
        self.assertRegex(text, r'sessionkit_http_requests_total\{route="healthz",status="200"\} \d+')
        self.assertRegex(text, r'sessionkit_http_requests_total\{route="unknown_path",status="404"\} \d+')
        self.assertIn("# TYPE sessionkit_http_request_duration_seconds histogram", text)
        self.assertRegex(text, r'sessionkit_logins_total\{result="ok"\} \d+')
        self.assertRegex(text, r'sessionkit_logins_total\{result="failed"\} \d+')
        self.assertRegex(text, r"sessionkit_store_errors_total \d+")

    def test_unknown_route_404(self):
        # GET / is the web UI's redirect since API.md §8 (test_pages.py).
        for method, path in [("GET", "/account/nope"), ("GET", "/nope"), ("POST", "/api/auth"),
                             ("POST", "/api/auth/login/extra"), ("GET", "/api/users"),
                             ("GET", "/api/auth/verifyx"), ("DELETE", "/api/auth/sessions/a/b")]:
            with self.subTest(method=method, path=path):
                self.assert_error(self.c.request(method, path), 404, "not_found")

    def test_wrong_method_405_with_allow(self):
        for method, path, allow in [("GET", "/api/auth/login", "POST"),
                                    ("PUT", "/api/auth/register", "POST"),
                                    ("GET", "/api/auth/logout", "POST"),
                                    ("GET", "/api/auth/logout-all", "POST"),
                                    ("POST", "/api/users/me", "GET"),
                                    ("POST", "/api/auth/sessions", "GET"),
                                    ("GET", "/api/auth/sessions/" + "sess_" + "0" * 64, "DELETE"),
                                    ("POST", "/healthz", "GET"),
                                    ("DELETE", "/metrics", "GET")]:
            with self.subTest(method=method, path=path):
                r = self.c.request(method, path)
                self.assert_error(r, 405, "method_not_allowed")
                self.assertEqual(r.headers.get("allow"), allow)

    def test_query_string_is_ignored_for_routing(self):
        self.assert_ok(self.c.get("/healthz?verbose=1"))

    # ---------------------------------------------------------------- register
    def test_register_201_shape(self):
        name = unique("Reg")
        r = self.c.register(name, email=f"{name}@Example.com")
        self.assert_ok(r, 201)
        self.assertEqual(r.json["message"], "Registration successful")
        d = r.data
        self.assertEqual(set(d["user"]), {"id", "username", "email", "role", "is_premium"})
        self.assertRegex(d["user"]["id"], UUID4)
        self.assertEqual(d["user"]["username"], name)
        self.assertEqual(d["user"]["email"], f"{name}@Example.com")
        self.assertEqual(d["user"]["role"], "user")
        self.assertIs(d["user"]["is_premium"], False)
        self.assertTrue(d["token"])
        self.assertTrue(d["refresh_token"])
        self.assertRegex(d["refresh_token"], r"^[A-Za-z0-9_-]{43}$")  # 256 bits, base64url
        self.assertIs(d["requires_2fa"], False)
        self.assertIs(d["is_verified"], False)
        claims = jwt_claims(d["token"])
        self.assertEqual(claims["user_id"], d["user"]["id"])
        self.assertRegex(claims["session_id"], SESSION_ID)

    def test_register_session_has_register_purpose(self):
        name, data = self.new_user()
        r = self.c.get("/api/users/me", token=data["token"])
        self.assert_ok(r)
        self.assertEqual(r.data["session"]["purpose"], "register")

    def test_register_conflicts_409_ignoring_case(self):
        name, _ = self.new_user()
        self.assert_error(self.c.register(name.upper(), email=unique() + "@example.com"), 409,
                          "conflict")
        self.assert_error(self.c.register(unique(), email=f"{name.upper()}@EXAMPLE.COM"), 409,
                          "conflict")

    def test_register_validation_400(self):
        cases = [
            ({"username": "ab", "email": "ok@example.com", "password": PASSWORD}, "username"),
            ({"username": "a" * 33, "email": "ok@example.com", "password": PASSWORD}, "username"),
            ({"username": "bad name", "email": "ok@example.com", "password": PASSWORD}, "username"),
            ({"username": "bad@name", "email": "ok@example.com", "password": PASSWORD}, "username"),
            ({"username": unique(), "email": "no-at-sign", "password": PASSWORD}, "email"),
            ({"username": unique(), "email": "a@nodot", "password": PASSWORD}, "email"),
            ({"username": unique(), "email": "a" * 250 + "@x.com", "password": PASSWORD}, "email"),
            ({"username": unique(), "email": "ok@example.com", "password": "short"}, "password"),
            ({"username": unique(), "email": "ok@example.com", "password": "p" * 129}, "password"),
            ({"email": "ok@example.com", "password": PASSWORD}, "username"),
            ({"username": unique(), "password": PASSWORD}, "email"),
            ({"username": unique(), "email": "ok@example.com"}, "password"),
            ({"username": 123, "email": "ok@example.com", "password": PASSWORD}, "username"),
        ]
        for body, field in cases:
            with self.subTest(body=str(body)[:80]):
                r = self.c.post("/api/auth/register", body)
                self.assert_error(r, 400, "bad_request")
                self.assertIn(field, r.json["message"])
                self.assertNotIn(PASSWORD, r.body.decode())

    def test_register_boundaries_accepted(self):
        name = unique("b")[:32]
        r = self.c.register(name, password="p" * 128)
        self.assert_ok(r, 201)
        self.assertEqual(self.c.login(name, password="p" * 128).status, 200)

    def test_malformed_bodies_400(self):
        for path in ("/api/auth/register", "/api/auth/login"):
            for raw in (b"", b"not json", b"[1,2]", b'"str"', b"{", b'{"a":1}x', b"null"):
                with self.subTest(path=path, raw=raw):
                    r = self.c.request("POST", path, raw=raw,
                                       headers={"Content-Type": "application/json"})
                    self.assert_error(r, 400, "bad_request")

    # ---------------------------------------------------------------- login
    def test_login_by_username_or_email_any_case_and_field(self):
        name, data = self.new_user()
        uid = data["user"]["id"]
        for ident, field in [(name, "email_or_username"), (name.upper(), "email_or_username"),
                             (f"{name}@example.com", "email_or_username"),
                             (f"{name.upper()}@EXAMPLE.COM", "email"), (name, "email"),
                             (name, "username"), (f"{name}@example.com", "username")]:
            with self.subTest(ident=ident, field=field):
                r = self.c.login(ident, field=field)
                self.assert_ok(r)
                self.assertEqual(r.json["message"], "Login successful")
                self.assertEqual(r.data["user"]["id"], uid)
                self.assertTrue(r.data["refresh_token"])
                self.assertIn("requires_2fa", r.data)
                self.assertIs(r.data["is_verified"], False)

    def test_login_field_priority(self):
        name, _ = self.new_user()
        # email_or_username wins over email, which wins over username.
        r = self.c.post("/api/auth/login", {"email_or_username": name, "email": "nobody",
                                            "username": "nobody", "password": PASSWORD})
        self.assert_ok(r)
        r = self.c.post("/api/auth/login", {"email_or_username": "nobody", "email": name,
                                            "password": PASSWORD})
        self.assert_error(r, 401, "invalid_credentials")
        r = self.c.post("/api/auth/login", {"email": name, "username": "nobody",
                                            "password": PASSWORD})
        self.assert_ok(r)
        r = self.c.post("/api/auth/login", {"email_or_username": "  ", "username": name,
                                            "password": PASSWORD})
        self.assert_ok(r)

    def test_login_failures_are_indistinguishable(self):
        name, _ = self.new_user()
        wrong = self.c.login(name, password="wrong password 1")
        unknown = self.c.login(unique("ghost"), password="wrong password 1")
        self.assert_error(wrong, 401, "invalid_credentials")
        self.assert_error(unknown, 401, "invalid_credentials")
        self.assertEqual(wrong.body, unknown.body)
        self.assertNotIn(b"wrong password 1", wrong.body)

    def test_login_missing_fields_400(self):
        for body in ({"password": PASSWORD}, {"email_or_username": "x"},
                     {"email_or_username": "", "password": PASSWORD},
                     {"email_or_username": "x", "password": ""}, {}):
            with self.subTest(body=body):
                self.assert_error(self.c.post("/api/auth/login", body), 400, "bad_request")
        self.assert_error(self.c.post("/api/auth/login", {"email": ["x"], "password": PASSWORD}),
                          400, "bad_request")

    def test_login_sessions_are_distinct(self):
        name, _ = self.new_user()
        t1, t2 = self.login_token(name), self.login_token(name)
        self.assertNotEqual(jwt_claims(t1)["session_id"], jwt_claims(t2)["session_id"])

    # ---------------------------------------------------------------- token
    def test_token_claims(self):
        name, data = self.new_user()
        r = self.c.login(name, headers={"X-Device-Id": "my-phone-1"})
        token = r.data["token"]
        header = jwt.get_unverified_header(token)
        self.assertEqual(header["alg"], "HS256")
        self.assertEqual(header["typ"], "JWT")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        self.assertEqual(claims["user_id"], data["user"]["id"])
        self.assertEqual(claims["sub"], data["user"]["id"])
        self.assertRegex(claims["session_id"], SESSION_ID)
        self.assertEqual(claims["device_id"], "my-phone-1")
        self.assertEqual(claims["last_ip"], "127.0.0.1")
        self.assertEqual(claims["username"], name)
        self.assertEqual(claims["email"], f"{name}@example.com")
        self.assertEqual(claims["role"], "user")
        self.assertIs(claims["is_premium"], False)
        self.assertIs(claims["is_verified"], False)
        self.assertEqual(claims["iss"], "sessionkit")
        self.assertEqual(claims["exp"] - claims["iat"], 48 * 3600)
        self.assertLessEqual(abs(claims["iat"] - time.time()), 120)

    def test_device_id_derived_from_user_agent(self):
        name, _ = self.new_user()
        for header in ({}, {"X-Device-Id": "x" * 129}):
            with self.subTest(header=header):
                token = self.login_token(name, headers=header)
                expected = "fp_" + hashlib.sha256(self.c.user_agent.encode()).hexdigest()[:12]
                self.assertEqual(jwt_claims(token)["device_id"], expected)

    # ---------------------------------------------------------------- walkthrough
    def test_seed_walkthrough(self):
        name = unique()
        self.assert_ok(self.c.register(name), 201)
        token = self.login_token(name)
        me = self.c.get("/api/users/me", token=token)
        self.assert_ok(me)
        self.assertEqual(me.data["user"]["username"], name)
        self.assert_ok(self.c.post("/api/auth/logout", token=token))
        self.assert_error(self.c.get("/api/users/me", token=token), 401, "unauthorized")
        self.assert_error(self.c.post("/api/auth/logout", token=token), 401, "unauthorized")
        self.assertEqual(self.c.verify(token).status, 401)

    # ---------------------------------------------------------------- verify
    def test_verify_any_method_and_subpath(self):
        name, data = self.new_user()
        token = data["token"]
        sid = jwt_claims(token)["session_id"]
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND"):
            for path in ("/api/auth/verify", "/api/auth/verify/", "/api/auth/verify/app/x?y=1"):
                with self.subTest(method=method, path=path):
                    r = self.c.verify(token, method=method, path=path)
                    self.assertEqual(r.status, 200, r)
                    self.assertEqual(r.body, b"")
                    self.assertEqual(r.headers["x-user-id"], data["user"]["id"])
                    self.assertEqual(r.headers["x-session-id"], sid)
                    self.assertEqual(r.headers["x-user-role"], "user")

    def test_verify_rejections_401(self):
        name, data = self.new_user()
        token = data["token"]
        for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "},
                        {"Authorization": "Basic " + token}, {"Authorization": token},
                        {"Authorization": "Bearer garbage"},
                        {"Authorization": "Bearer a.b.c"}):
            with self.subTest(headers=headers):
                r = self.c.request("GET", "/api/auth/verify", headers=headers)
                self.assert_error(r, 401, "unauthorized")
        # The scheme is case-insensitive.
        r = self.c.request("GET", "/api/auth/verify", headers={"Authorization": "bearer " + token})
        self.assertEqual(r.status, 200)

    def test_foreign_tokens(self):
        """Tokens minted by PyJWT: right secret works; anything off is 401."""
        name, data = self.new_user()
        good = jwt.decode(data["token"], SECRET, algorithms=["HS256"])
        self.assertEqual(self.c.verify(self.mint(good)).status, 200)
        minimal = {k: good[k] for k in ("user_id", "session_id", "exp")}
        self.assertEqual(self.c.verify(self.mint(minimal)).status, 200)

        head, payload, sig = data["token"].split(".")
        now = int(time.time())
        other_session = "sess_" + "ab" * 32
        forged_payload = b64url(b'{"user_id":"x"}')
        tampered_sig = sig[:-2] + ("AA" if not sig.endswith("AA") else "BB")
        bad = {
            "tampered signature": f"{head}.{payload}.{tampered_sig}",
            "tampered payload": f"{head}.{forged_payload}.{sig}",
            "alg none": b64url(b'{"alg":"none","typ":"JWT"}') + "." + payload + ".",
            "other secret": self.mint(good, key="another-secret-0123456789abcdef0123"),
            "HS512": self.mint(good, algorithm="HS512"),
            "HS384": self.mint(good, algorithm="HS384"),
            "expired": self.mint({**good, "iat": now - 7200, "exp": now - 3600}),
            "no exp": self.mint({k: v for k, v in good.items() if k != "exp"}),
            "iat in the future": self.mint({**good, "iat": now + 3600, "exp": now + 7200}),
            "sub differs": self.mint({**good, "sub": "someone-else"}),
            "typ not JWT": self.mint(good, headers={"typ": "JWS"}),
            "user differs from session": self.mint({**good, "user_id": "other", "sub": "other"}),
            "malformed session id": self.mint({**good, "session_id": "sess_XYZ"}),
            "uppercase session id": self.mint({**good, "session_id": good["session_id"].upper()}),
            "unknown session": self.mint({**good, "session_id": other_session}),
            "no session id": self.mint({k: v for k, v in good.items() if k != "session_id"}),
        }
        for what, token in bad.items():
            with self.subTest(what=what):
                self.assert_error(self.c.verify(token), 401, "unauthorized")
                self.assert_error(self.c.get("/api/users/me", token=token), 401, "unauthorized")

    # ---------------------------------------------------------------- users/me
    def test_users_me(self):
        name, data = self.new_user()
        token = self.login_token(name)
        r = self.c.get("/api/users/me", token=token)
        self.assert_ok(r)
        self.assertEqual(r.data["user"], data["user"])
        s = r.data["session"]
        self.assertEqual(s["id"], jwt_claims(token)["session_id"])
        self.assertEqual(s["user_id"], data["user"]["id"])
        self.assertEqual(s["username"], name)
        self.assertEqual(s["purpose"], "login")
        self.assertEqual(s["ip_address"], "127.0.0.1")
        self.assertEqual(s["user_agent"], self.c.user_agent)
        self.assertIs(s["current"], True)
        for field in ("created_at", "expires_at", "last_seen"):
            self.assertRegex(s[field], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertNotRegex(r.body, rb'"\$2[aby]?\$|\$argon2|password')

    def test_users_me_requires_a_token(self):
        self.assert_error(self.c.get("/api/users/me"), 401, "unauthorized")

    # ---------------------------------------------------------------- sessions
    def test_sessions_list_newest_first_with_current(self):
        name, data = self.new_user()
        tokens = [data["token"]] + [self.login_token(name) for _ in range(2)]
        current = jwt_claims(tokens[1])["session_id"]
        r = self.c.get("/api/auth/sessions", token=tokens[1])
        self.assert_ok(r)
        sessions = r.data
        self.assertEqual({s["id"] for s in sessions},
                         {jwt_claims(t)["session_id"] for t in tokens})
        self.assertEqual([s["id"] for s in sessions if s["current"]], [current])
        keys = [(datetime.fromisoformat(s["created_at"].replace("Z", "+00:00")), s["id"])
                for s in sessions]
        # newest created_at first; ties: smaller id first
        self.assertEqual(keys, sorted(keys, key=lambda k: (-k[0].timestamp(), k[1])))
        for s in sessions:
            self.assertEqual(s["user_id"], data["user"]["id"])

    def test_sessions_list_is_per_user(self):
        a, adata = self.new_user()
        b, bdata = self.new_user()
        r = self.c.get("/api/auth/sessions", token=bdata["token"])
        self.assertEqual([s["id"] for s in r.data], [jwt_claims(bdata["token"])["session_id"]])

    def test_revoke_one_session(self):
        name, data = self.new_user()
        other_token = self.login_token(name)
        other_sid = jwt_claims(other_token)["session_id"]
        token = data["token"]
        for bad in ("abc", "sess_" + "A" * 64, "sess_" + "0" * 63, "%20", ""):
            with self.subTest(bad=bad):
                self.assert_error(self.c.delete("/api/auth/sessions/" + bad, token=token), 400,
                                  "bad_request")
        self.assert_error(self.c.delete("/api/auth/sessions/sess_" + "cd" * 32, token=token), 404,
                          "not_found")
        # Another user's session: 404, and it stays alive.
        stranger, sdata = self.new_user()
        stranger_sid = jwt_claims(sdata["token"])["session_id"]
        self.assert_error(self.c.delete("/api/auth/sessions/" + stranger_sid, token=token), 404,
                          "not_found")
        self.assertEqual(self.c.verify(sdata["token"]).status, 200)
        # One of mine: revoked, its token is dead, mine lives.
        r = self.c.delete("/api/auth/sessions/" + other_sid, token=token)
        self.assert_ok(r)
        self.assertEqual(self.c.verify(other_token).status, 401)
        self.assertEqual(self.c.verify(token).status, 200)
        self.assert_error(self.c.delete("/api/auth/sessions/" + other_sid, token=token), 404,
                          "not_found")
        # The current one too.
        sid = jwt_claims(token)["session_id"]
        self.assert_ok(self.c.delete("/api/auth/sessions/" + sid, token=token))
        self.assertEqual(self.c.verify(token).status, 401)

    def test_revoke_requires_a_token(self):
        self.assert_error(self.c.delete("/api/auth/sessions/sess_" + "0" * 64), 401, "unauthorized")

    def test_logout_all(self):
        name, data = self.new_user()
        tokens = [data["token"]] + [self.login_token(name) for _ in range(2)]
        stranger, sdata = self.new_user()
        r = self.c.post("/api/auth/logout-all", token=tokens[0])
        self.assert_ok(r)
        self.assertEqual(r.data, {"revoked": 3})
        for t in tokens:
            self.assertEqual(self.c.verify(t).status, 401)
        self.assertEqual(self.c.verify(sdata["token"]).status, 200)
        self.assert_error(self.c.post("/api/auth/logout-all", token=tokens[0]), 401, "unauthorized")

    def test_logout(self):
        name, data = self.new_user()
        second = self.login_token(name)
        r = self.c.post("/api/auth/logout", token=data["token"])
        self.assert_ok(r)
        self.assertEqual(r.json["message"], "Logged out")
        self.assertEqual(self.c.verify(data["token"]).status, 401)
        self.assertEqual(self.c.verify(second).status, 200)
        self.assert_error(self.c.post("/api/auth/logout"), 401, "unauthorized")


class EmbeddedApiTest(ApiContract, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess().start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.terminate()
        log = cls.server.log_text()
        cls.server.stop()
        assert code == 0, f"server exit {code}\n{log[-4000:]}"
        assert SECRET not in log, "the JWT secret appeared in the log"
        assert PASSWORD not in log, "a password appeared in the log"

    def test_users_persist_across_restart(self):
        name, data = self.new_user()
        old = self.server
        self.assertEqual(old.terminate(), 0)
        old.own_dir = False  # the restarted server takes the directory over
        restarted = ServerProcess(workdir=old.dir)
        restarted.own_dir = True
        type(self).server = restarted.start()
        r = self.c.login(name)
        self.assert_ok(r)
        self.assertEqual(r.data["user"]["id"], data["user"]["id"])
        # Sessions of the embedded store survive too.
        self.assertEqual(self.c.verify(data["token"]).status, 200)


if __name__ == "__main__":
    unittest.main()
