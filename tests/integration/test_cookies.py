"""The browser transport of API.md §8 over HTTP, on both session stores (the embedded
SQLite store and a real redis-server): the three cookies and their exact attributes,
Cache-Control: no-store, the credentials step (bearer header, else access cookie; the
header wins), every CSRF rule (origin / Sec-Fetch-Site, the session-bound X-CSRF-Token,
login CSRF on the entry routes, bearer exempt, forward auth with the forwarded method),
credentialed CORS for TRUSTED_ORIGINS, cookies expired on logout / logout-all /
refresh_reused, POST /api/auth/logout-others, SESSION_COOKIES=off, COOKIE_SECURE=false,
and the start-up checks of PUBLIC_ORIGIN / TRUSTED_ORIGINS."""

import http.client
import json
import subprocess
import unittest
import uuid

from sk_harness import RedisProcess, Response, ServerProcess, server_binary

TRUSTED = "https://app.example.com"
EVIL = "https://evil.example.net"
JWT_EXPIRED_HOURS = 2
MAX_LIFETIME_HOURS = 5
COOKIE = {"X-Auth-Transport": "cookie"}


def set_cookies(response):
    """name -> (value, {attribute lowercased: value or True}) of every Set-Cookie."""
    out = {}
    for line in response.set_cookie_lines:
        parts = [p.strip() for p in line.split(";")]
        name, _, value = parts[0].partition("=")
        attrs = {}
        for p in parts[1:]:
            k, eq, v = p.partition("=")
            attrs[k.lower()] = v if eq else True
        out[name] = (value, attrs, parts)
    return out


class CookieRules:
    """The tests; mixed into one TestCase per store (setUpClass starts the server)."""

    secure = True
    server = None

    @classmethod
    def server_env(cls):
        return {"TRUSTED_ORIGINS": TRUSTED + ", http://localhost:5173",
                "JWT_EXPIRED": str(JWT_EXPIRED_HOURS),
                "SESSION_MAX_LIFETIME_HOURS": str(MAX_LIFETIME_HOURS)}

    # --- helpers ---
    @property
    def c(self):
        return self.server.client

    @property
    def own(self):
        return f"http://127.0.0.1:{self.server.port}"

    def names(self):
        if self.secure:
            return "__Host-sk_access", "__Secure-sk_refresh", "__Host-sk_csrf"
        return "sk_access", "sk_refresh", "sk_csrf"

    def raw(self, method, path, headers=None, body=None, token=None):
        """Like Client.request, but keeps every Set-Cookie line."""
        h = {"User-Agent": self.c.user_agent}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if token is not None:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request(method, path, body=payload, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            r = Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
            r.set_cookie_lines = [v for k, v in resp.getheaders() if k.lower() == "set-cookie"]
            return r
        finally:
            conn.close()

    def new_user(self):
        name = "c" + uuid.uuid4().hex[:12]
        r = self.raw("POST", "/api/auth/register",
                     body={"username": name, "email": name + "@example.com",
                           "password": "correct horse 1"})
        self.assertEqual(r.status, 201, r)
        return name

    def cookie_login(self, name=None, headers=None):
        name = name or self.new_user()
        h = dict(COOKIE, Origin=self.own)
        h.update(headers or {})
        r = self.raw("POST", "/api/auth/login",
                     body={"email_or_username": name, "password": "correct horse 1"}, headers=h)
        self.assertEqual(r.status, 200, r)
        cookies = set_cookies(r)
        access, refresh, csrf = self.names()
        return {"name": name, "access": cookies[access][0], "refresh": cookies[refresh][0],
                "csrf": cookies[csrf][0], "response": r, "cookies": cookies}

    def jar(self, s, *which):
        access, refresh, csrf = self.names()
        values = {"access": (access, s["access"]), "refresh": (refresh, s["refresh"]),
                  "csrf": (csrf, s["csrf"])}
        return "; ".join(f"{values[w][0]}={values[w][1]}" for w in which or values)

    def me_status(self, s):
        return self.raw("GET", "/api/users/me", headers={"Cookie": self.jar(s, "access")}).status

    def assert_expired(self, r):
        cookies = set_cookies(r)
        for name in self.names():
            self.assertIn(name, cookies, r.set_cookie_lines)
            value, attrs, _ = cookies[name]
            self.assertEqual(value, "")
            self.assertEqual(attrs.get("max-age"), "0")
        self.assertEqual(r.headers.get("cache-control"), "no-store")

    # --- cookie transport ---
    def test_login_sets_the_three_cookies_exactly(self):
        s = self.cookie_login()
        r, cookies = s["response"], s["cookies"]
        access, refresh, csrf = self.names()
        self.assertEqual(sorted(cookies), sorted([access, refresh, csrf]))
        sec = ["Secure"] if self.secure else []
        self.assertEqual(cookies[access][2][1:],
                         ["Path=/"] + sec + ["HttpOnly", "SameSite=Lax",
                                             f"Max-Age={JWT_EXPIRED_HOURS * 3600}"])
        refresh_parts = cookies[refresh][2][1:]
        self.assertEqual(refresh_parts[:-1],
                         ["Path=/api/auth/refresh"] + sec + ["HttpOnly", "SameSite=Strict"])
        max_age = int(refresh_parts[-1].removeprefix("Max-Age="))
        self.assertLessEqual(max_age, MAX_LIFETIME_HOURS * 3600)
        self.assertGreater(max_age, MAX_LIFETIME_HOURS * 3600 - 60)
        self.assertEqual(cookies[csrf][2][1:], ["Path=/"] + sec + ["SameSite=Lax"])
        self.assertEqual(r.headers.get("cache-control"), "no-store")
        data = r.data
        self.assertNotIn("token", data)
        self.assertNotIn("refresh_token", data)
        self.assertEqual(data["csrf_token"], s["csrf"])
        self.assertNotIn(s["access"], r.body.decode())
        self.assertNotIn(s["refresh"], r.body.decode())
        self.assertEqual(len(s["csrf"]), 43)
        self.assertFalse(s["csrf"].startswith("sess_"))

    def test_register_with_cookie_transport(self):
        name = "r" + uuid.uuid4().hex[:12]
        r = self.raw("POST", "/api/auth/register",
                     body={"username": name, "email": name + "@example.com",
                           "password": "correct horse 1"}, headers=dict(COOKIE, Origin=self.own))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(sorted(set_cookies(r)), sorted(self.names()))
        self.assertNotIn("token", r.data)
        self.assertIn("csrf_token", r.data)
        self.assertEqual(r.headers.get("cache-control"), "no-store")

    def test_body_transport_is_unchanged_but_not_cached(self):
        name = self.new_user()
        r = self.raw("POST", "/api/auth/login",
                     body={"email_or_username": name, "password": "correct horse 1"})
        self.assertEqual(r.status, 200)
        self.assertIn("token", r.data)
        self.assertIn("refresh_token", r.data)
        self.assertNotIn("csrf_token", r.data)
        self.assertEqual(r.set_cookie_lines, [])
        self.assertEqual(r.headers.get("cache-control"), "no-store")

    def test_access_cookie_authenticates_and_the_header_wins(self):
        a = self.cookie_login()
        me = self.raw("GET", "/api/users/me", headers={"Cookie": self.jar(a, "access")})
        self.assertEqual(me.status, 200, me)
        self.assertEqual(me.data["user"]["username"], a["name"])
        # Bearer of another user + A's cookie: the header wins.
        other = self.new_user()
        b = self.raw("POST", "/api/auth/login",
                     body={"email_or_username": other, "password": "correct horse 1"}).data
        both = self.raw("GET", "/api/users/me", token=b["token"],
                        headers={"Cookie": self.jar(a, "access")})
        self.assertEqual(both.data["user"]["username"], other)
        # A bad bearer is not rescued by a good cookie.
        bad = self.raw("GET", "/api/users/me", token="not.a.jwt",
                       headers={"Cookie": self.jar(a, "access")})
        self.assertEqual(bad.status, 401)
        # The refresh or CSRF cookie is no credential.
        self.assertEqual(self.raw("GET", "/api/users/me",
                                  headers={"Cookie": self.jar(a, "refresh", "csrf")}).status, 401)

    def test_refresh_from_the_cookie_rotates_and_resets_cookies(self):
        s = self.cookie_login()
        r = self.raw("POST", "/api/auth/refresh",
                     headers={"Cookie": self.jar(s, "refresh"), "Origin": self.own})
        self.assertEqual(r.status, 200, r)
        cookies = set_cookies(r)
        access, refresh, csrf = self.names()
        self.assertEqual(sorted(cookies), sorted(self.names()))
        self.assertNotEqual(cookies[refresh][0], s["refresh"])
        self.assertEqual(cookies[csrf][0], s["csrf"])  # same session, same CSRF token
        self.assertNotIn("token", r.data)
        self.assertNotIn("refresh_token", r.data)
        self.assertEqual(r.data["csrf_token"], s["csrf"])
        self.assertEqual(r.headers.get("cache-control"), "no-store")
        # The new cookies work: the access cookie authenticates, the refresh cookie refreshes.
        t = {"access": cookies[access][0], "refresh": cookies[refresh][0], "csrf": s["csrf"]}
        self.assertEqual(self.me_status(t), 200)
        self.assertEqual(self.raw("POST", "/api/auth/refresh",
                                  headers={"Cookie": self.jar(t, "refresh")}).status, 200)
        # (refresh_reused expiring the cookies needs the clock past the grace window:
        # server/handlers/cookies_test.cc, with a ManualClock.)

    def test_refresh_body_token_wins_over_the_cookie_in_body_transport(self):
        name = self.new_user()
        body = self.raw("POST", "/api/auth/login",
                        body={"email_or_username": name, "password": "correct horse 1"}).data
        r = self.raw("POST", "/api/auth/refresh", body={"refresh_token": body["refresh_token"]})
        self.assertEqual(r.status, 200)
        self.assertIn("token", r.data)
        self.assertEqual(r.set_cookie_lines, [])
        self.assertEqual(r.headers.get("cache-control"), "no-store")

    def test_logout_expires_the_cookies(self):
        s = self.cookie_login()
        r = self.raw("POST", "/api/auth/logout",
                     headers={"Cookie": self.jar(s), "Origin": self.own, "X-CSRF-Token": s["csrf"]})
        self.assertEqual(r.status, 200, r)
        self.assert_expired(r)
        self.assertEqual(self.me_status(s), 401)

    def test_logout_all_expires_the_cookies(self):
        s = self.cookie_login()
        t = self.cookie_login(s["name"])
        r = self.raw("POST", "/api/auth/logout-all",
                     headers={"Cookie": self.jar(s), "X-CSRF-Token": s["csrf"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.data["revoked"], 3)  # s, t and the register session
        self.assert_expired(r)
        self.assertEqual(self.me_status(t), 401)

    # --- logout-others ---
    def test_logout_others_keeps_only_this_session(self):
        s = self.cookie_login()
        others = [self.cookie_login(s["name"]) for _ in range(2)]
        stranger = self.cookie_login()
        r = self.raw("POST", "/api/auth/logout-others",
                     headers={"Cookie": self.jar(s), "X-CSRF-Token": s["csrf"], "Origin": self.own})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.data["revoked"], 3)  # the two others and the register session
        self.assertEqual(r.set_cookie_lines, [])
        self.assertEqual(self.me_status(s), 200)
        for o in others:
            self.assertEqual(self.me_status(o), 401)
        self.assertEqual(self.me_status(stranger), 200)
        # Bearer too: only the register session is another.
        name = self.new_user()
        token = self.raw("POST", "/api/auth/login",
                         body={"email_or_username": name, "password": "correct horse 1"}).data["token"]
        r = self.raw("POST", "/api/auth/logout-others", token=token)
        self.assertEqual((r.status, r.data["revoked"]), (200, 1))
        r = self.raw("POST", "/api/auth/logout-others", token=token)
        self.assertEqual((r.status, r.data["revoked"]), (200, 0))
        self.assertEqual(self.raw("POST", "/api/auth/logout-others").status, 401)
        self.assertEqual(self.raw("GET", "/api/auth/logout-others", token=token).status, 405)

    def test_logout_others_needs_csrf_with_the_cookie(self):
        s = self.cookie_login()
        other = self.cookie_login(s["name"])
        r = self.raw("POST", "/api/auth/logout-others", headers={"Cookie": self.jar(s)})
        self.assertEqual((r.status, r.code), (403, "csrf_rejected"))
        self.assertEqual(self.me_status(other), 200)

    # --- CSRF: cookie-authenticated unsafe requests ---
    def assert_rejected_and_alive(self, s, r):
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.code, "csrf_rejected")
        self.assertEqual(self.me_status(s), 200)  # nothing changed

    def logout(self, s, headers):
        h = {"Cookie": self.jar(s)}
        h.update(headers)
        return self.raw("POST", "/api/auth/logout", headers=h)

    def test_token_is_required(self):
        s = self.cookie_login()
        self.assert_rejected_and_alive(s, self.logout(s, {"Origin": self.own}))
        self.assert_rejected_and_alive(s, self.logout(s, {"Origin": self.own, "X-CSRF-Token": ""}))

    def test_token_must_be_this_sessions(self):
        s = self.cookie_login()
        t = self.cookie_login(s["name"])  # same user, another session
        self.assert_rejected_and_alive(s, self.logout(s, {"X-CSRF-Token": t["csrf"]}))
        sid = self.raw("GET", "/api/users/me",
                       headers={"Cookie": self.jar(s, "access")}).data["session"]["id"]
        self.assert_rejected_and_alive(s, self.logout(s, {"X-CSRF-Token": sid}))
        self.assert_rejected_and_alive(s, self.logout(s, {"X-CSRF-Token": s["csrf"][:-1] + "A"
                                                          if s["csrf"][-1] != "A" else
                                                          s["csrf"][:-1] + "B"}))

    def test_foreign_origin_is_rejected_even_with_the_token(self):
        s = self.cookie_login()
        for origin in (EVIL, "null", "https://127.0.0.1:1", self.own + ".evil.net",
                       "http://127.0.0.1"):
            self.assert_rejected_and_alive(s, self.logout(s, {"Origin": origin,
                                                              "X-CSRF-Token": s["csrf"]}))

    def test_sec_fetch_site_without_origin(self):
        s = self.cookie_login()
        for site in ("cross-site", "same-site"):
            self.assert_rejected_and_alive(s, self.logout(s, {"Sec-Fetch-Site": site,
                                                              "X-CSRF-Token": s["csrf"]}))
        for site in ("same-origin", "none", None):
            t = self.cookie_login(s["name"])
            h = {"X-CSRF-Token": t["csrf"]}
            if site:
                h["Sec-Fetch-Site"] = site
            self.assertEqual(self.logout(t, h).status, 200, site)

    def test_own_and_trusted_origins_with_the_token_pass(self):
        for origin in (self.own, TRUSTED, "HTTPS://APP.EXAMPLE.COM"):
            s = self.cookie_login()
            r = self.logout(s, {"Origin": origin, "X-CSRF-Token": s["csrf"]})
            self.assertEqual(r.status, 200, (origin, r))
            self.assertEqual(self.me_status(s), 401)

    def test_https_host_origin_is_own(self):
        s = self.cookie_login()
        r = self.logout(s, {"Origin": f"https://127.0.0.1:{self.server.port}",
                            "X-CSRF-Token": s["csrf"]})
        self.assertEqual(r.status, 200, r)

    def test_other_unsafe_routes_are_checked(self):
        s = self.cookie_login()
        t = self.cookie_login(s["name"])
        sid = self.raw("GET", "/api/users/me",
                       headers={"Cookie": self.jar(t, "access")}).data["session"]["id"]
        self.assert_rejected_and_alive(
            t, self.raw("DELETE", "/api/auth/sessions/" + sid, headers={"Cookie": self.jar(s)}))
        r = self.raw("POST", "/api/auth/password", headers={"Cookie": self.jar(s)},
                     body={"current_password": "correct horse 1",
                           "new_password": "another horse 2"})
        self.assertEqual((r.status, r.code), (403, "csrf_rejected"))
        self.assert_rejected_and_alive(
            s, self.raw("POST", "/api/auth/logout-all", headers={"Cookie": self.jar(s)}))
        ok = self.raw("DELETE", "/api/auth/sessions/" + sid,
                      headers={"Cookie": self.jar(s), "X-CSRF-Token": s["csrf"]})
        self.assertEqual(ok.status, 200, ok)

    def test_safe_methods_need_no_token(self):
        s = self.cookie_login()
        for path in ("/api/users/me", "/api/auth/sessions", "/api/auth/verify"):
            r = self.raw("GET", path, headers={"Cookie": self.jar(s, "access"), "Origin": EVIL})
            self.assertEqual(r.status, 200, (path, r))

    def test_bearer_requests_are_exempt(self):
        name = self.new_user()
        body = self.raw("POST", "/api/auth/login",
                        body={"email_or_username": name, "password": "correct horse 1"}).data
        s = self.cookie_login(name)
        r = self.raw("POST", "/api/auth/logout", token=body["token"],
                     headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site",
                              "Cookie": self.jar(s)})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.me_status(s), 200)  # the bearer's session went, not the cookie's

    def test_invalid_access_cookie_is_401_not_403(self):
        s = self.cookie_login()
        access = self.names()[0]
        r = self.raw("POST", "/api/auth/logout",
                     headers={"Cookie": f"{access}=not.a.jwt", "X-CSRF-Token": s["csrf"]})
        self.assertEqual(r.status, 401, r)

    # --- login CSRF: entry routes with the cookie transport ---
    def test_login_csrf_origin_check_on_entry_routes(self):
        name = self.new_user()
        creds = {"email_or_username": name, "password": "correct horse 1"}
        for h in ({"Origin": EVIL}, {"Sec-Fetch-Site": "cross-site"}):
            r = self.raw("POST", "/api/auth/login", body=creds, headers=dict(COOKIE, **h))
            self.assertEqual((r.status, r.code), (403, "csrf_rejected"), h)
            self.assertEqual(r.set_cookie_lines, [])
            r = self.raw("POST", "/api/auth/register", headers=dict(COOKIE, **h),
                         body={"username": "x" + uuid.uuid4().hex[:10],
                               "email": uuid.uuid4().hex[:10] + "@example.com",
                               "password": "correct horse 1"})
            self.assertEqual((r.status, r.code), (403, "csrf_rejected"), h)
        # Nothing was created: the user has its register session and this one only.
        token = self.raw("POST", "/api/auth/login", body=creds).data["token"]
        self.assertEqual(len(self.raw("GET", "/api/auth/sessions", token=token).data), 2)
        # No token needed: own / trusted origin, or no Origin at all.
        for h in ({"Origin": TRUSTED}, {"Sec-Fetch-Site": "same-origin"}, {}):
            self.assertEqual(self.raw("POST", "/api/auth/login", body=creds,
                                      headers=dict(COOKIE, **h)).status, 200, h)
        # Body transport from anywhere: no check (no cookie is set).
        self.assertEqual(self.raw("POST", "/api/auth/login", body=creds,
                                  headers={"Origin": EVIL}).status, 200)
        # Refresh from the cookie, cross-site: refused, the token not spent.
        s = self.cookie_login(name)
        r = self.raw("POST", "/api/auth/refresh",
                     headers={"Cookie": self.jar(s, "refresh"), "Origin": EVIL})
        self.assertEqual((r.status, r.code), (403, "csrf_rejected"))
        r = self.raw("POST", "/api/auth/refresh", headers={"Cookie": self.jar(s, "refresh")})
        self.assertEqual(r.status, 200, r)

    # --- forward auth ---
    def test_verify_with_the_cookie_and_the_forwarded_method(self):
        s = self.cookie_login()
        jar = {"Cookie": self.jar(s, "access")}
        self.assertEqual(self.raw("GET", "/api/auth/verify", headers=jar).status, 200)
        for header in ("X-Forwarded-Method", "X-Original-Method"):
            r = self.raw("GET", "/api/auth/verify", headers=dict(jar, **{header: "POST"}))
            self.assertEqual((r.status, r.code), (403, "csrf_rejected"), header)
            r = self.raw("GET", "/api/auth/verify",
                         headers=dict(jar, **{header: "DELETE", "X-CSRF-Token": s["csrf"],
                                              "Origin": EVIL}))
            self.assertEqual(r.status, 403, header)
            r = self.raw("GET", "/api/auth/verify/app/x",
                         headers=dict(jar, **{header: "PUT", "X-CSRF-Token": s["csrf"],
                                              "Origin": self.own}))
            self.assertEqual(r.status, 200, (header, r))
            self.assertTrue(r.headers.get("x-session-id", "").startswith("sess_"))
            self.assertEqual(self.raw("GET", "/api/auth/verify",
                                      headers=dict(jar, **{header: "GET", "Origin": EVIL})).status,
                             200)
        # Without a forwarded method the request's own method counts.
        self.assertEqual(self.raw("POST", "/api/auth/verify", headers=jar).status, 403)
        # X-Forwarded-Method wins over X-Original-Method.
        r = self.raw("GET", "/api/auth/verify",
                     headers=dict(jar, **{"X-Forwarded-Method": "POST",
                                          "X-Original-Method": "GET"}))
        self.assertEqual(r.status, 403)

    # --- CORS ---
    def test_credentialed_cors_only_for_trusted_origins(self):
        pre = self.raw("OPTIONS", "/api/auth/logout",
                       headers={"Origin": TRUSTED, "Access-Control-Request-Method": "POST",
                                "Access-Control-Request-Headers": "x-csrf-token"})
        self.assertEqual(pre.status, 204, pre)
        self.assertEqual(pre.headers.get("access-control-allow-origin"), TRUSTED)
        self.assertEqual(pre.headers.get("access-control-allow-credentials"), "true")
        self.assertIn("X-CSRF-Token", pre.headers.get("access-control-allow-headers"))
        self.assertIn("POST", pre.headers.get("access-control-allow-methods"))
        self.assertEqual(pre.headers.get("vary"), "Origin")
        for origin in (EVIL, "*", "null"):
            pre = self.raw("OPTIONS", "/api/auth/logout",
                           headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
            self.assertNotEqual(pre.status, 204)
            self.assertNotIn("access-control-allow-origin", pre.headers)
        s = self.cookie_login()
        r = self.raw("GET", "/api/users/me", headers={"Cookie": self.jar(s, "access"),
                                                     "Origin": TRUSTED})
        self.assertEqual(r.headers.get("access-control-allow-origin"), TRUSTED)
        self.assertEqual(r.headers.get("access-control-allow-credentials"), "true")
        r = self.raw("GET", "/api/users/me", headers={"Cookie": self.jar(s, "access"),
                                                     "Origin": EVIL})
        self.assertNotIn("access-control-allow-origin", r.headers)


class SqliteCookies(CookieRules, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(env=cls.server_env()).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.terminate()
        cls.server.stop()
        assert code == 0, f"server exit {code}"


class RedisCookies(CookieRules, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess().start()
        env = cls.server_env()
        env["REDIS_ADDR"] = f"127.0.0.1:{cls.redis.port}"
        try:
            cls.server = ServerProcess(env=env).start()
        except BaseException:
            cls.redis.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        code = cls.server.terminate()
        cls.server.stop()
        cls.redis.cleanup()
        assert code == 0, f"server exit {code}"


class PlainHttpCookies(CookieRules, unittest.TestCase):
    """COOKIE_SECURE=false: no prefixes, no Secure, and a warning at start."""

    secure = False

    @classmethod
    def setUpClass(cls):
        env = cls.server_env()
        env["COOKIE_SECURE"] = "false"
        cls.server = ServerProcess(env=env).start()

    @classmethod
    def tearDownClass(cls):
        code = cls.server.terminate()
        cls.server.stop()
        assert code == 0, f"server exit {code}"

    def test_warns_at_start(self):
        self.assertIn("COOKIE_SECURE=false", self.server.log_text())


class CookiesOff(unittest.TestCase):
    """SESSION_COOKIES=off: cookies are never set or read."""

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(env={"SESSION_COOKIES": "off"}).start()

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.stop()

    def test_never_set_nor_read(self):
        c = self.server.client
        name = "o" + uuid.uuid4().hex[:12]
        self.assertEqual(c.register(name).status, 201)
        r = c.login(name, headers=COOKIE)
        self.assertEqual(r.status, 200)
        self.assertNotIn("set-cookie", r.headers)
        self.assertIn("token", r.data)
        token = r.data["token"]
        for cookie in (f"__Host-sk_access={token}", f"sk_access={token}"):
            self.assertEqual(c.get("/api/users/me", headers={"Cookie": cookie}).status, 401)
        out = c.post("/api/auth/logout", token=token)
        self.assertEqual(out.status, 200)
        self.assertNotIn("set-cookie", out.headers)
        # No CSRF rule applies: nothing is cookie-authenticated.
        r = c.login(name, headers=dict(COOKIE, Origin=EVIL))
        self.assertEqual(r.status, 200)


class StartupChecks(unittest.TestCase):
    def run_server(self, env):
        base = {"PATH": "/usr/bin:/bin", "JWT_SECRET": "s" * 40, "HTTP_ADDR": "127.0.0.1:0",
                "DATABASE_URL": "sqlite:///tmp/sk-never-opened.db"}
        base.update(env)
        return subprocess.run([server_binary()], env=base, capture_output=True, text=True,
                              timeout=30)

    def test_malformed_origins_are_refused_by_name(self):
        for env, named in (
                ({"TRUSTED_ORIGINS": "https://ok.example.com, https://bad.example.com/path"},
                 "https://bad.example.com/path"),
                ({"TRUSTED_ORIGINS": "app.example.com"}, "app.example.com"),
                ({"TRUSTED_ORIGINS": "*"}, "*"),
                ({"PUBLIC_ORIGIN": "https://auth.example.com/"}, "https://auth.example.com/"),
                ({"SESSION_COOKIES": "maybe"}, "SESSION_COOKIES"),
                ({"COOKIE_SECURE": "no"}, "COOKIE_SECURE")):
            p = self.run_server(env)
            self.assertEqual(p.returncode, 2, (env, p.stdout, p.stderr))
            self.assertIn(named, p.stdout + p.stderr, env)


if __name__ == "__main__":
    unittest.main()
