"""The pages of the mailed links (API.md §13) over real HTTP, without a browser, on a
server with mail configured (SMTP_URL to a real SMTP server, sk_smtp.py): each page is
served with the §8 headers (CSP, nosniff, Referrer-Policy: no-referrer, so the token of
the address never leaves in a Referer) and Cache-Control: no-store; the login page links
"Forgot password?" and /account carries the email card. Without mail these pages are 404:
test_pages.py (MailOffTest). The flows in Chromium: test_browser_email.py."""

import unittest
import uuid

from sk_harness import ServerProcess, free_port
from sk_smtp import SmtpSink

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
MAIL_PAGES = ["/account/forgot", "/account/reset", "/account/verify-email"]


class MailPagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink()
        cls.sink.__enter__()
        cls.addClassCleanup(cls.sink.__exit__, None, None, None)
        port = free_port()
        cls.server = ServerProcess(env={
            "HTTP_ADDR": f"127.0.0.1:{port}",
            "PUBLIC_ORIGIN": f"http://127.0.0.1:{port}",
            "SMTP_URL": f"smtp://127.0.0.1:{cls.sink.port}",
            "MAIL_FROM": "sessionkit <no-reply@example.com>",
        }).start()
        cls.addClassCleanup(cls.server.stop)
        cls.c = cls.server.client

    def test_pages_have_the_headers_and_are_not_cached(self):
        for path in MAIL_PAGES:
            with self.subTest(path=path):
                r = self.c.get(path)
                self.assertEqual(r.status, 200)
                self.assertEqual(r.headers["content-type"], "text/html; charset=utf-8")
                self.assertEqual(r.headers["content-security-policy"], CSP)
                self.assertEqual(r.headers["x-content-type-options"], "nosniff")
                self.assertEqual(r.headers["referrer-policy"], "no-referrer")
                self.assertEqual(r.headers["cache-control"], "no-store")
                self.assertNotIn(b"<script>", r.body)  # CSP: no inline script

    def test_the_token_is_the_page_scripts_business(self):
        # The pages are static: the same bytes whatever the token (never echoed).
        token = "tok" + uuid.uuid4().hex
        for path in ("/account/reset", "/account/verify-email"):
            with self.subTest(path=path):
                plain = self.c.get(path)
                with_token = self.c.get(path + "?token=" + token)
                self.assertEqual(with_token.status, 200)
                self.assertEqual(with_token.body, plain.body)
                self.assertNotIn(token.encode(), with_token.body)
        self.assertNotIn(token, self.server.log_text())

    def test_login_links_forgot_password(self):
        login = self.c.get("/account/login")
        self.assertIn(b'<a href="/account/forgot" id="forgot-link">Forgot password?</a>', login.body)

    def test_forms_have_labels_and_autocomplete(self):
        forgot = self.c.get("/account/forgot").body
        self.assertIn(b'<label for="email">', forgot)
        self.assertIn(b'autocomplete="email"', forgot)
        reset = self.c.get("/account/reset").body
        self.assertEqual(reset.count(b'autocomplete="new-password"'), 2)
        self.assertIn(b'<label for="new-password">', reset)
        self.assertIn(b'<label for="confirm-password">', reset)
        self.assertIn(b'<label for="code">', reset)
        self.assertIn(b'autocomplete="one-time-code"', reset)

    def test_account_has_the_email_card(self):
        token = self.c.register("pm_" + uuid.uuid4().hex[:8]).data["token"]
        account = self.c.get("/account", token=token)
        self.assertEqual(account.status, 200)
        self.assertIn(b"Resend verification email", account.body)

    def test_web_ui_off_wins(self):
        port = free_port()
        with SmtpSink() as sink:
            server = ServerProcess(env={
                "HTTP_ADDR": f"127.0.0.1:{port}", "PUBLIC_ORIGIN": f"http://127.0.0.1:{port}",
                "SMTP_URL": f"smtp://127.0.0.1:{sink.port}",
                "MAIL_FROM": "no-reply@example.com", "WEB_UI": "off"}).start()
            self.addCleanup(server.stop)
            for path in MAIL_PAGES:
                self.assertEqual(server.client.get(path).status, 404, path)


if __name__ == "__main__":
    unittest.main()
