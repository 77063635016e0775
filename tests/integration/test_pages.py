"""The web UI over real HTTP (API.md §8), without a browser: the pages' headers as the
server sends them, the signed-out redirects, WEB_UI=off, and `client` in the session
list read from the User-Agent. The browser flows are in test_browser.py."""

import unittest
import uuid

from sk_harness import Client, ServerProcess

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
FIREFOX_ON_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) "
                      "Gecko/20100101 Firefox/128.0")
PAGES = ["/", "/account", "/account/login", "/account/register", "/account/security",
         "/account/assets/app.css", "/account/assets/app.js"]


class PagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess().start()
        cls.c = cls.server.client

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_every_page_has_the_security_headers(self):
        for path in PAGES:
            with self.subTest(path=path):
                r = self.c.get(path)
                self.assertIn(r.status, (200, 302))
                self.assertEqual(r.headers["content-security-policy"], CSP)
                self.assertEqual(r.headers["x-content-type-options"], "nosniff")
                self.assertEqual(r.headers["referrer-policy"], "no-referrer")

    def test_types_and_caching(self):
        login = self.c.get("/account/login")
        self.assertEqual(login.headers["content-type"], "text/html; charset=utf-8")
        self.assertEqual(login.headers["cache-control"], "no-store")
        self.assertIn(b'autocomplete="current-password"', login.body)
        css = self.c.get("/account/assets/app.css")
        self.assertEqual(css.headers["content-type"], "text/css; charset=utf-8")
        self.assertEqual(css.headers["cache-control"], "no-cache")
        js = self.c.get("/account/assets/app.js")
        self.assertEqual(js.headers["content-type"], "text/javascript; charset=utf-8")

    def test_signed_out_visitors_go_to_login(self):
        root = self.c.get("/")
        self.assertEqual((root.status, root.headers["location"]), (302, "/account"))
        for path in ("/account", "/account/security"):
            r = self.c.get(path)
            self.assertEqual((r.status, r.headers["location"]), (302, "/account/login"), path)

    def test_signed_in_by_bearer_sees_the_page(self):
        name = "p_" + uuid.uuid4().hex[:8]
        token = self.c.register(name).data["token"]
        r = self.c.get("/account", token=token)
        self.assertEqual(r.status, 200)
        self.assertIn(b"Your devices", r.body)

    def test_sessions_carry_the_client(self):
        name = "p_" + uuid.uuid4().hex[:8]
        firefox = Client(self.server.port, user_agent=FIREFOX_ON_WINDOWS)
        token = firefox.register(name).data["token"]
        Client(self.server.port, user_agent="curl/8.5.0").login(name)
        sessions = self.c.get("/api/auth/sessions", token=token).data
        clients = sorted((s["client"]["browser"], s["client"]["os"], s["client"]["device_type"])
                         for s in sessions)
        self.assertEqual(clients, [("Firefox 128", "Windows", "desktop"),
                                   ("curl 8", "", "unknown")])
        me = self.c.get("/api/users/me", token=token).json["data"]
        self.assertNotIn("client", me["session"])  # the hot path parses nothing


class WebUiOffTest(unittest.TestCase):
    def test_pages_are_404(self):
        server = ServerProcess(env={"WEB_UI": "off"}).start()
        self.addCleanup(server.stop)
        for path in PAGES:
            with self.subTest(path=path):
                r = server.client.get(path)
                self.assertEqual((r.status, r.code), (404, "not_found"))
        self.assertEqual(server.client.get("/healthz").status, 200)


class MailOffTest(unittest.TestCase):
    """SMTP_URL unset (the default): the pages of the mailed links (API.md §13) are 404
    like the routes they call, and the login page does not offer "Forgot password?".
    With mail on: test_pages_email.py."""

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess().start()
        cls.c = cls.server.client

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_mail_pages_are_404(self):
        for path in ("/account/forgot", "/account/reset", "/account/reset?token=abc",
                     "/account/verify-email", "/account/verify-email?token=abc"):
            with self.subTest(path=path):
                r = self.c.get(path)
                self.assertEqual((r.status, r.code), (404, "not_found"))

    def test_login_has_no_forgot_link(self):
        login = self.c.get("/account/login")
        self.assertEqual(login.status, 200)
        self.assertNotIn(b"/account/forgot", login.body)
        self.assertNotIn(b"Forgot password", login.body)
        self.assertIn(b"</html>", login.body)

    def test_account_has_no_email_card(self):
        token = self.c.register("m_" + uuid.uuid4().hex[:8]).data["token"]
        account = self.c.get("/account", token=token)
        self.assertEqual(account.status, 200)
        self.assertNotIn(b"Resend verification email", account.body)


if __name__ == "__main__":
    unittest.main()
