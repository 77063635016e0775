"""The pages of the mailed links (API.md §13) in a real headless Chromium (sk_browser.py),
with mail delivered by the server's real SMTP client to a real SMTP server (sk_smtp.py):

- "Forgot password?" on the login page -> /account/forgot -> the neutral "check your
  email" (the same for an address nobody has) -> the mail arrives -> its link opened in
  Chromium -> the token leaves the address bar -> a new password (the client-side checks,
  then the real one) -> "every device was signed out" -> sign in with it on the login
  page; the same link a second time says it cannot be used;
- a reset of an account with 2FA on asks for the code when the server says so;
- the verification link mailed at registration -> "verified" -> sign in -> /account says Verified;
  the used link signed in ("already verified") and signed out ("sign in to get a new
  link"); a bad link to a signed-in, unverified user offers a new one, and /account's
  "Resend verification email" says when it is throttled. /account opened before the
  link shows the change at once (the verification drops /me's cached profiles).

Screenshots of every state, desktop and phone width, go to the build tree
(browser-screenshots/email-*.png).
"""

import re
import unittest
import uuid

from sk_browser import Browser
from sk_harness import PASSWORD, Client, ServerProcess, free_port, wait_until
from sk_smtp import SmtpSink
from test_browser import Authenticator

NEW_PASSWORD = "a brand new passphrase 7"
MAX_PER_EMAIL = 3
MAIL_WAIT_SECONDS = 30


def unique(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def plain_text(message):
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


class BrowserEmailTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink()
        cls.sink.__enter__()
        cls.addClassCleanup(cls.sink.__exit__, None, None, None)
        port = free_port()
        cls.base = f"http://127.0.0.1:{port}"
        cls.server = ServerProcess(env={
            "HTTP_ADDR": f"127.0.0.1:{port}",
            "PUBLIC_ORIGIN": cls.base,
            "SMTP_URL": f"smtp://127.0.0.1:{cls.sink.port}",
            "MAIL_FROM": "sessionkit <no-reply@example.com>",
            # Forgot is throttled per email like failed logins: a few tries reach it.
            "LOGIN_MAX_FAILURES_PER_IDENTIFIER": str(MAX_PER_EMAIL),
        }, args=["--io-threads", "1"])  # one event loop: /me's per-thread cache is one cache
        cls.server.start()
        cls.addClassCleanup(cls.server.stop)
        cls.api = Client(port)

    def browser(self):
        b = Browser()
        self.addCleanup(b.quit)
        return b

    @staticmethod
    def shot(b, name, **kw):
        """b.screenshot once the last change is painted (two animation frames)."""
        b.driver.execute_async_script(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));")
        b.screenshot("email-" + name, **kw)

    def mailed_link(self, to, page, skip=0):
        """The link to /account/<page>?token=… of the (skip+1)-th mail to `to` that has one."""
        pattern = re.compile(re.escape(self.base) + "/account/" + page + r"\?token=[A-Za-z0-9_-]+")

        def found():
            links = []
            for message in list(self.sink.messages):
                if to in str(message["To"]):
                    links += pattern.findall(plain_text(message))
            return links[skip] if len(links) > skip else None
        return wait_until(found, MAIL_WAIT_SECONDS, f"a mail to {to} linking /account/{page}")

    def mails_to(self, to):
        return [m for m in list(self.sink.messages) if to in str(m["To"])]

    def register_in_browser(self, b):
        name = unique("mail")
        b.get(self.base + "/account/register")
        b.wait_visible("#username")
        b.fill("#username", name)
        b.fill("#email", name + "@example.com")
        b.fill("#password", PASSWORD)
        b.find("#submit").click()
        b.wait_url_path("/account")
        b.wait_visible(".device")
        return name

    def assert_no_token_in_address(self, b):
        self.assertNotIn("token", b.url)
        self.assertNotIn("token", b.js("return window.location.href"))

    # --- forgot -> mail -> reset -> sign in ---
    def test_forgot_mail_reset_then_sign_in_with_the_new_password(self):
        name = unique("reset")
        email = name + "@example.com"
        registered = self.api.register(name, email)
        self.assertEqual(registered.status, 201, registered)
        old_token = registered.data["token"]

        b = self.browser()
        b.get(self.base + "/account/login")
        link = b.wait_visible("#forgot-link")
        self.assertEqual(link.text, "Forgot password?")
        self.shot(b, "login-forgot-link")
        link.click()
        b.wait_url_path("/account/forgot")
        b.wait_visible("#email")
        self.assertEqual(b.find("#email").get_attribute("autocomplete"), "email")
        self.shot(b, "forgot")

        # A wrong address is refused before any request.
        b.fill("#email", "not-an-address")
        b.find("#submit").click()
        b.wait_text("#form-message", "Enter the email address of your account")
        self.shot(b, "forgot-bad-address", sizes=[("phone", 375, True)])

        # An address nobody has: the same neutral answer as a real one (below).
        nobody = unique("nobody") + "@example.com"
        b.fill("#email", nobody)
        b.find("#submit").click()
        b.wait_visible("#sent")
        unknown_text = b.find("#sent").text.replace(nobody, "ADDRESS")
        self.assertEqual(b.js("return document.activeElement.id"), "sent")
        b.find("#send-again").click()
        b.wait_visible("#forgot-form")

        b.fill("#email", email)
        b.find("#submit").click()
        b.wait_visible("#sent")
        self.assertEqual(b.find("#sent").text.replace(email, "ADDRESS"), unknown_text)
        self.assertIn("If an account exists for " + email, b.find("#sent").text)
        self.shot(b, "forgot-sent")

        # The mail, through the real SMTP server; its link opened in the browser.
        reset_link = self.mailed_link(email, "reset")
        self.assertEqual(self.mails_to(nobody), [])
        b.get(reset_link)
        b.wait_visible("#new-password")
        self.assert_no_token_in_address(b)
        self.assertEqual(b.find("#new-password").get_attribute("autocomplete"), "new-password")
        self.assertFalse(b.find("#code-field").is_displayed())
        self.shot(b, "reset")

        # The checks of the register page, before any request.
        b.fill("#new-password", "short")
        b.fill("#confirm-password", "short")
        b.find("#submit").click()
        b.wait_text("#form-message", "at least 8 characters")
        b.fill("#new-password", NEW_PASSWORD)
        b.fill("#confirm-password", NEW_PASSWORD + "x")
        b.find("#submit").click()
        b.wait_text("#form-message", "The two passwords are not the same.")
        self.assertEqual(b.js("return document.activeElement.id"), "confirm-password")
        self.shot(b, "reset-mismatch")

        b.fill("#confirm-password", NEW_PASSWORD)
        b.find("#submit").click()
        b.wait_visible("#done")
        done = b.find("#done").text
        self.assertIn("Your password was changed", done)
        self.assertIn("was signed out (1 device)", done)
        self.shot(b, "reset-done")
        # Every session of the user is gone; the old password no longer works.
        self.assertEqual(self.api.get("/api/users/me", token=old_token).status, 401)
        self.assertEqual(self.api.login(name).status, 401)

        # Sign in with the new password on the login page.
        b.find("#sign-in").click()
        b.wait_url_path("/account/login")
        b.wait_text("#form-message", "Your password was changed.")
        self.shot(b, "login-after-reset")
        b.fill("#identifier", email)
        b.fill("#password", NEW_PASSWORD)
        b.find("#submit").click()
        b.wait_url_path("/account")
        b.wait_visible(".device")

        # The link works once.
        b.get(reset_link)
        b.wait_visible("#new-password")
        self.assert_no_token_in_address(b)
        b.fill("#new-password", "yet another passphrase 9")
        b.fill("#confirm-password", "yet another passphrase 9")
        b.find("#submit").click()
        b.wait_visible("#bad-link")
        self.assertIn("Ask for a new link", b.find("#bad-link").text)
        self.shot(b, "reset-used-link")
        b.find("#bad-link a").click()
        b.wait_url_path("/account/forgot")

    def test_a_reset_link_without_its_token_says_so(self):
        b = self.browser()
        b.get(self.base + "/account/reset")
        b.wait_visible("#bad-link")
        self.assertFalse(b.find("#choose").is_displayed())

    def test_forgot_throttled_shows_the_wait(self):
        b = self.browser()
        b.get(self.base + "/account/forgot")
        b.wait_visible("#email")
        address = unique("many") + "@example.com"
        for _ in range(MAX_PER_EMAIL + 1):
            b.fill("#email", address)
            b.find("#submit").click()
            b.wait(lambda d: b.find("#sent").is_displayed() or
                   (b.find("#form-message").is_displayed() and b.find("#submit").is_enabled()),
                   "the answer")
            if not b.find("#sent").is_displayed():
                break
            b.find("#send-again").click()
            b.wait_visible("#forgot-form")
        self.assertRegex(b.find("#form-message").text,
                         r"\AToo many reset requests\. Try again in \d+ (second|minute)s?\.\Z")
        self.shot(b, "forgot-throttled")

    # --- 2FA on: the reset asks for the code ---
    def test_reset_asks_for_the_code_when_two_factor_is_on(self):
        name = unique("tfa")
        email = name + "@example.com"
        token = self.api.register(name, email).data["token"]
        setup = self.api.post("/api/auth/2fa/totp/setup", token=token)
        self.assertEqual(setup.status, 200, setup)
        app = Authenticator(setup.data["secret"])
        confirmed = self.api.post("/api/auth/2fa/totp/confirm", {"code": app.next_code()},
                                  token=token)
        self.assertEqual(confirmed.status, 200, confirmed)
        self.assertEqual(self.api.post("/api/auth/password/forgot", {"email": email}).status, 200)

        b = self.browser()
        b.get(self.mailed_link(email, "reset"))
        b.wait_visible("#new-password")
        b.fill("#new-password", NEW_PASSWORD)
        b.fill("#confirm-password", NEW_PASSWORD)
        b.find("#submit").click()
        b.wait_visible("#code")
        b.wait_text("#form-message", "Two-factor authentication is on for this account.")
        self.assertEqual(b.js("return document.activeElement.id"), "code")
        self.assertEqual(b.find("#code").get_attribute("autocomplete"), "one-time-code")
        self.shot(b, "reset-code")
        b.fill("#code", app.wrong_code())
        b.find("#submit").click()
        b.wait_text("#form-message", "That code is not right")
        self.shot(b, "reset-wrong-code", sizes=[("phone", 375, True)])
        b.fill("#code", app.next_code())
        b.find("#submit").click()
        b.wait_visible("#done")
        self.assertEqual(self.api.login(name, NEW_PASSWORD).data["requires_2fa"], True)

    # --- verification ---
    def test_account_offers_to_resend_until_verified(self):
        b = self.browser()
        name = self.register_in_browser(b)
        email = name + "@example.com"
        card = b.wait_visible("#email-card")
        b.wait_text("#email-status", "Not verified")
        self.assertIn(email, card.text)
        self.assertTrue(b.find("#email-resend").is_displayed())
        self.shot(b, "account-unverified")

        # Resend: sent, or throttled (registration mailed one a moment ago); the second
        # click within the minute is throttled either way, and says for how long.
        for _ in range(2):
            b.find("#email-resend").click()
            b.wait(lambda d: b.find("#email-message").is_displayed() and
                   b.find("#email-resend").is_enabled(), "the resend answer")
        self.assertRegex(b.find("#email-message").text,
                         r"\AWe sent a link less than a minute ago\. You can ask for another in "
                         r"\d+ (second|minute)s?\.\Z")
        self.shot(b, "account-resend-throttled")

    def test_verification_link_then_sign_in_shows_verified(self):
        name = unique("verify")
        email = name + "@example.com"
        self.assertEqual(self.api.register(name, email).status, 201)
        link = self.mailed_link(email, "verify-email")  # mailed at registration

        b = self.browser()
        b.get(link)
        b.wait_visible("#verified")
        self.assert_no_token_in_address(b)
        self.assertIn("Your email address is verified", b.find("#verified").text)
        self.shot(b, "verify-done")
        b.find("#verified a").click()  # /account -> signed out -> the login page
        b.wait_url_path("/account/login")
        b.wait_visible("#identifier")
        b.fill("#identifier", name)
        b.fill("#password", PASSWORD)
        b.find("#submit").click()
        b.wait_url_path("/account")
        b.wait_text("#email-status", "Verified")
        self.assertIn(email, b.find("#email-card").text)
        self.assertFalse(b.find("#email-resend").is_displayed())
        self.shot(b, "account-verified")

        # The same link again, signed in: it is spent, and the address is verified anyway.
        b.get(link)
        b.wait_visible("#verified")
        self.assertIn("already verified", b.find("#verified").text)
        self.shot(b, "verify-already")

        # Signed out: the link cannot be used; the way is to sign in.
        other = self.browser()
        other.get(link)
        other.wait_visible("#bad-link")
        self.assert_no_token_in_address(other)
        self.assertTrue(other.find("#sign-in").is_displayed())
        self.assertFalse(other.find("#resend").is_displayed())
        self.shot(other, "verify-bad-link-signed-out")

    # /me answers is_verified from the server's profile cache (60 s per I/O thread); the
    # verification drops every cached profile (ProfileCache::ForgetAll), so /account opened
    # before the link shows the change at once.
    def test_account_shows_verified_right_after_the_link(self):
        b = self.browser()
        name = self.register_in_browser(b)
        b.wait_text("#email-status", "Not verified")  # /me has been asked
        b.get(self.mailed_link(name + "@example.com", "verify-email"))
        b.wait_visible("#verified")
        b.get(self.base + "/account")
        b.wait_visible(".device")
        b.wait(lambda d: b.find("#email-status").text in ("Verified", "Not verified"), "the card")
        self.assertEqual(b.find("#email-status").text, "Verified")

    def test_bad_verification_link_offers_a_new_one_when_signed_in(self):
        b = self.browser()
        name = self.register_in_browser(b)
        b.get(self.base + "/account/verify-email?token=" + "A" * 43)
        b.wait_visible("#bad-link")
        self.assert_no_token_in_address(b)
        resend = b.wait_visible("#resend")
        self.shot(b, "verify-bad-link-signed-in")
        resend.click()
        b.wait(lambda d: b.find("#resend-message").is_displayed(), "the resend answer")
        self.assertRegex(b.find("#resend-message").text,
                         r"\A(We sent a new link to " + re.escape(name) + r"@example\.com\. It works "
                         r"for 24 hours\.|We sent a link less than a minute ago\. .*)\Z")
        self.shot(b, "verify-resent")


if __name__ == "__main__":
    unittest.main()
