"""The account pages (API.md §8) in a real headless Chromium (sk_browser.py): register,
sign in from a second profile, my devices, revoke, sign out others / everywhere / this
device, the cookies' reach from scripts, and a cross-origin page on another loopback
port that tries to act with the user's cookies.

One server per test class, with its default COOKIE_SECURE=true: Chromium keeps Secure
and __Host- cookies on http://127.0.0.1 (see sk_browser.py). Every test uses its own
users. Screenshots of every page, desktop and phone width, go to the build tree
(browser-screenshots/); the test fails if a page is wider than the phone's 375 px.
"""

import base64
import http.server
import os
import re
import subprocess
import threading
import time
import unittest
import uuid

from selenium.webdriver.common.keys import Keys

from sk_browser import Browser, screenshot_dir
from sk_harness import PASSWORD, RedisProcess, ServerProcess

# The second device: a different browser and OS, so the list tells them apart.
FIREFOX_ON_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) "
                      "Gecko/20100101 Firefox/128.0")
ACCESS_COOKIE = "__Host-sk_access"
REFRESH_COOKIE = "__Secure-sk_refresh"
CSRF_COOKIE = "__Host-sk_csrf"
MAX_FAILURES = 3
TOTP_PERIOD = 30
RECOVERY_CODE = r"\A[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}\Z"


def unique(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


class Authenticator:
    """The user's authenticator app: the real `oathtool --totp` (Debian oathtool) on the
    secret read from the page (through stdin, never on a command line).

    The server accepts a code of the previous, current or next 30 s step, each step at
    most once. So each code is of the step after the last one used, and at least of
    the previous step: three codes in a row are then always accepted, whatever the
    time, without waiting for a new step (the first is the previous step's; "now" is
    taken 2 s late so that a request crossing a step boundary still lands in the window).
    """

    def __init__(self, secret):
        self.secret = secret
        self.last = None

    @staticmethod
    def now_step():
        return int(time.time() + 2) // TOTP_PERIOD

    def code_of(self, step):
        out = subprocess.run(["oathtool", "--totp", "-b", "-", "-N", f"@{step * TOTP_PERIOD}"],
                             input=self.secret + "\n", capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def next_code(self):
        now = self.now_step()
        step = now - 1 if self.last is None else max(self.last + 1, now - 1)
        assert step <= now + 1, "no step left in the window"
        self.last = step
        return self.code_of(step)

    def wrong_code(self):
        """A code that no step of the window has."""
        now = self.now_step()
        window = {self.code_of(now + d) for d in range(-2, 3)}
        return next(c for c in (f"{n:06d}" for n in range(123456, 1000000, 7)) if c not in window)


class CrossOriginSite:
    """Another origin on loopback (same site, other port: SameSite=Lax does not stop
    it, only the CSRF checks do) serving pages that act against the server."""

    def __init__(self, target):
        pages = {
            "/form": f"""<!doctype html><html><body>
<form id="f" method="post" action="{target}/api/auth/logout-all"></form>
<script>document.getElementById('f').submit();</script></body></html>""",
            "/fetch": f"""<!doctype html><html><body><p id="out">running</p><script>
Promise.all([
  fetch('{target}/api/auth/logout-all', {{method: 'POST', credentials: 'include', mode: 'no-cors'}}),
  fetch('{target}/api/auth/logout-others', {{method: 'POST', credentials: 'include', mode: 'no-cors',
        headers: {{'Content-Type': 'text/plain'}}, body: '{{}}'}}),
]).then(() => {{ document.getElementById('out').textContent = 'sent'; }},
        (e) => {{ document.getElementById('out').textContent = 'failed ' + e; }});
</script></body></html>""",
        }

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path, "not found").encode()
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class BrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(env={"LOGIN_MAX_FAILURES_PER_IDENTIFIER": str(MAX_FAILURES)})
        cls.server.start()
        cls.base = f"http://127.0.0.1:{cls.server.port}"

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def browser(self, user_agent=None):
        b = Browser(user_agent)
        self.addCleanup(b.quit)
        return b

    # --- steps ---
    def register(self, b, name=None, screenshot=None):
        name = name or unique("user")
        b.get(self.base + "/account/register")
        b.wait_visible("#username")
        b.fill("#username", name)
        b.fill("#email", name + "@example.com")
        b.fill("#password", PASSWORD)
        if screenshot:
            b.screenshot(screenshot)
        b.find("#submit").click()
        b.wait_url_path("/account")
        b.wait_visible(".device")
        return name

    def login(self, b, name, password=PASSWORD):
        b.get(self.base + "/account/login")
        b.wait_visible("#identifier")
        b.fill("#identifier", name)
        b.fill("#password", password)
        b.find("#submit").click()

    def wait_answered(self, b):
        """The form's request is answered: its button is enabled again."""
        b.wait(lambda d: b.find("#submit").is_enabled() and b.find("#form-message").is_displayed(),
               "the form's answer")

    def device_names(self, b):
        return [e.text for e in b.find_all(".device .device-label")]

    def wait_device_count(self, b, n):
        b.wait(lambda d: len(b.find_all(".device")) == n, f"{n} devices in the list")

    def csrf_refusals(self, path):
        """How many requests to `path` the server refused as cross-site (403
        csrf_rejected, one log line each; /metrics folds 403 into status="other")."""
        return self.server.log_text().count("csrf rejected: POST " + path + " ")

    def assert_signed_out(self, b):
        """The next page load goes to the login page."""
        b.get(self.base + "/account")
        b.wait_url_path("/account/login")
        b.wait_visible("#identifier")

    # --- scenarios ---
    def test_register_lands_on_my_devices(self):
        b = self.browser()
        b.get(self.base + "/")
        b.wait_url_path("/account/login")  # / -> /account -> signed out -> login
        b.wait_visible("#identifier")
        b.screenshot("login")
        self.register(b, screenshot="register")
        self.assertEqual(len(b.find_all(".device")), 1)
        row = b.find(".device")
        self.assertIn("current", row.get_attribute("class"))
        self.assertIn("This device", row.text)
        self.assertRegex(self.device_names(b)[0], r"^Headless Chrome \d+ on Linux$")
        self.assertIn("127.0.0.1", row.text)
        for label in ("Signed in", "Last active", "Expires"):
            self.assertIn(label, row.text)

    def test_access_cookie_is_not_readable_by_scripts(self):
        b = self.browser()
        self.register(b)
        cookies = b.cookies()
        self.assertTrue(cookies[ACCESS_COOKIE]["httpOnly"])
        self.assertTrue(cookies[ACCESS_COOKIE]["secure"])
        self.assertTrue(cookies[REFRESH_COOKIE]["httpOnly"])
        self.assertFalse(cookies[CSRF_COOKIE]["httpOnly"])
        visible = b.js("return document.cookie")
        self.assertNotIn("sk_access", visible)
        self.assertNotIn("sk_refresh", visible)
        self.assertNotIn(cookies[ACCESS_COOKIE]["value"], visible)
        self.assertIn(CSRF_COOKIE + "=", visible)  # the page sends it back as X-CSRF-Token

    def test_an_expired_access_cookie_is_renewed_from_the_refresh_cookie(self):
        b = self.browser()
        self.register(b)
        # The browser drops the access cookie when its Max-Age runs out: do that now.
        b.driver.execute_cdp_cmd("Network.deleteCookies",
                                 {"name": ACCESS_COOKIE, "url": self.base + "/"})
        self.assertNotIn(ACCESS_COOKIE, b.cookies())
        # /account sends it to the login page, which renews the cookies and comes back.
        b.get(self.base + "/account")
        b.wait_url_path("/account")
        b.wait_visible(".device")
        self.assertIn(ACCESS_COOKIE, b.cookies())

    def test_second_device_is_listed_and_revoked(self):
        first = self.browser()
        name = self.register(first)
        second = self.browser(FIREFOX_ON_WINDOWS)
        self.login(second, name)
        second.wait_url_path("/account")
        self.wait_device_count(second, 2)

        first.get(self.base + "/account")
        self.wait_device_count(first, 2)
        names = self.device_names(first)
        self.assertIn("Firefox 128 on Windows", names)
        first.screenshot("devices")

        # Revoke the other row (not "This device").
        other = [r for r in first.find_all(".device") if "current" not in r.get_attribute("class")]
        self.assertEqual(len(other), 1)
        other[0].find_element("css selector", "button.revoke").click()
        first.wait_text("#page-message", "was signed out")
        self.wait_device_count(first, 1)
        self.assertNotIn("Firefox 128 on Windows", self.device_names(first))

        self.assert_signed_out(second)
        # The first device is still signed in.
        first.get(self.base + "/account")
        first.wait_url_path("/account")
        self.wait_device_count(first, 1)

    def test_sign_out_other_devices(self):
        first = self.browser()
        name = self.register(first)
        second = self.browser(FIREFOX_ON_WINDOWS)
        self.login(second, name)
        second.wait_url_path("/account")
        first.get(self.base + "/account")
        self.wait_device_count(first, 2)
        first.find("#sign-out-others").click()
        first.wait_text("#page-message", "Signed out 1 other device.")
        self.wait_device_count(first, 1)
        self.assert_signed_out(second)

    def test_sign_out_everywhere(self):
        first = self.browser()
        name = self.register(first)
        second = self.browser(FIREFOX_ON_WINDOWS)
        self.login(second, name)
        second.wait_url_path("/account")
        first.get(self.base + "/account")
        self.wait_device_count(first, 2)
        first.find("#sign-out-everywhere").click()
        first.wait_url_path("/account/login")
        first.wait_text("#form-message", "You signed out on every device.")
        self.assertNotIn(ACCESS_COOKIE, first.cookies())
        self.assert_signed_out(first)
        self.assert_signed_out(second)

    def test_logout_expires_the_cookies(self):
        b = self.browser()
        self.register(b)
        self.assertIn(ACCESS_COOKIE, b.cookies())
        b.find("#sign-out").click()
        b.wait_url_path("/account/login")
        b.wait_text("#form-message", "You signed out.")
        cookies = b.cookies()
        for name in (ACCESS_COOKIE, REFRESH_COOKIE, CSRF_COOKIE):
            self.assertNotIn(name, cookies)
        self.assertEqual(b.js("return document.cookie"), "")
        self.assert_signed_out(b)

    def test_cross_origin_form_and_fetch_get_403_and_change_nothing(self):
        b = self.browser()
        self.register(b)
        site = CrossOriginSite(self.base)
        self.addCleanup(site.stop)
        before_all = self.csrf_refusals("/api/auth/logout-all")
        before_others = self.csrf_refusals("/api/auth/logout-others")

        # A form that submits itself: the browser shows the server's 403 answer.
        b.get(site.origin + "/form")
        b.wait(lambda d: "csrf_rejected" in d.page_source, "the 403 csrf_rejected answer")
        self.assertEqual(self.csrf_refusals("/api/auth/logout-all"), before_all + 1)

        # fetch with the user's cookies (no-cors: no preflight, the request is sent; the
        # page may not read the answer, the server's log says what it was).
        b.get(site.origin + "/fetch")
        b.wait_text("#out", "sent")
        b.wait(lambda d: self.csrf_refusals("/api/auth/logout-all") == before_all + 2
               and self.csrf_refusals("/api/auth/logout-others") == before_others + 1,
               "the two fetches refused")

        # Nothing changed: still signed in, one device.
        b.get(self.base + "/account")
        b.wait_url_path("/account")
        self.wait_device_count(b, 1)

    def test_security_page_changes_the_password(self):
        first = self.browser()
        name = self.register(first)
        second = self.browser(FIREFOX_ON_WINDOWS)
        self.login(second, name)
        second.wait_url_path("/account")

        first.get(self.base + "/account/security")
        first.wait_visible("#current-password")
        first.fill("#current-password", "not my password")
        first.fill("#new-password", "a new passphrase 2")
        first.fill("#confirm-password", "a new passphrase 2")
        first.find("#password-submit").click()
        first.wait_text("#password-message", "Your current password is not right.")
        first.screenshot("security")

        first.fill("#current-password", PASSWORD)
        first.fill("#new-password", "a new passphrase 2")
        first.fill("#confirm-password", "a new passphrase 2")
        first.find("#password-submit").click()
        first.wait_text("#password-message", "1 other device was signed out.")
        self.assert_signed_out(second)

    def test_keyboard_only_with_labels_and_visible_focus(self):
        b = self.browser()
        name = unique("kbd")
        b.get(self.base + "/account/register")
        b.wait_visible("#username")
        # Every visible field has a <label> and an autocomplete token.
        unlabelled = b.js("""return [...document.querySelectorAll('input:not([hidden])')]
            .filter(i => i.labels.length === 0 || !i.autocomplete).map(i => i.id)""")
        self.assertEqual(unlabelled, [])
        # Tab from the top of the page reaches the first field (past the brand link),
        # and its focus ring shows.
        b.find("body").send_keys(Keys.TAB)
        for _ in range(5):
            if b.js("return document.activeElement.id") == "username":
                break
            b.driver.switch_to.active_element.send_keys(Keys.TAB)
        self.assertEqual(b.js("return document.activeElement.id"), "username")
        # The pages' own focus ring (3px solid), not the browser's thin default.
        ring = b.js("const s = getComputedStyle(document.activeElement);"
                    "return [s.outlineStyle, s.outlineWidth]")
        self.assertEqual(ring, ["solid", "3px"])
        active = b.driver.switch_to.active_element
        active.send_keys(name, Keys.TAB)
        b.driver.switch_to.active_element.send_keys(name + "@example.com", Keys.TAB)
        b.driver.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
        b.wait_url_path("/account")
        b.wait_visible(".device")
        unlabelled = b.js("""return [...document.querySelectorAll('button')]
            .filter(x => !x.textContent.trim()).length""")
        self.assertEqual(unlabelled, 0)
        b.get(self.base + "/account/security")
        b.wait_visible("#current-password")
        unlabelled = b.js("""return [...document.querySelectorAll('input:not([hidden])')]
            .filter(i => i.labels.length === 0 || !i.autocomplete).map(i => i.id)""")
        self.assertEqual(unlabelled, [])

    def test_login_errors_are_shown_in_words(self):
        b = self.browser()
        name = self.register(b)
        b.find("#sign-out").click()
        b.wait_url_path("/account/login")

        self.login(b, name, "wrong password 1")
        b.wait_text("#form-message", "That email, username or password is not right.")
        b.screenshot("login-error")
        for _ in range(MAX_FAILURES):
            self.login(b, name, "wrong password 1")
            self.wait_answered(b)
        # Throttled: even the right password waits, and the page says how long (the
        # 15-minute window, from Retry-After).
        self.login(b, name)
        self.wait_answered(b)
        self.assertRegex(b.find("#form-message").text,
                         r"^Too many failed attempts\. Try again in 1[45] minutes\.$")
        b.screenshot("login-throttled", sizes=[("phone", 375, True)])
        self.assertTrue(b.url.endswith("/account/login"))


    # --- two-factor authentication (API.md §9) ---
    @staticmethod
    def shot(b, name, **kw):
        """b.screenshot once the last change is painted (two animation frames): a
        capture right after a click can show a region not yet repainted."""
        b.driver.execute_async_script(
            "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(done));")
        b.screenshot(name, **kw)

    def test_two_factor_enable_sign_in_with_code_and_recovery_code_then_disable(self):
        b = self.browser()
        name = self.register(b)

        # Off: the security page offers to turn it on.
        b.get(self.base + "/account/security")
        b.wait_visible("#tfa-start")
        self.assertEqual(b.find("#tfa-status").text, "Off")
        self.assertFalse(b.find("#password-code").is_displayed())
        self.shot(b, "security-2fa-off")

        # Setup: the QR code (drawn as inline SVG: the CSP allows no data: image) and the
        # key as text in groups of four.
        b.find("#tfa-start").click()
        b.wait_visible("#tfa-qr svg path")
        shown = b.find("#tfa-secret").text
        self.assertRegex(shown, r"\A([A-Z2-7]{4} ){7}[A-Z2-7]{4}\Z")
        secret = shown.replace(" ", "")
        self.assertEqual(b.js("return document.activeElement.id"), "tfa-confirm-code")
        confirm_field = b.find("#tfa-confirm-code")
        self.assertEqual(confirm_field.get_attribute("autocomplete"), "one-time-code")
        self.assertEqual(confirm_field.get_attribute("inputmode"), "numeric")
        self.shot(b, "security-2fa-setup")
        # The QR code as drawn reads back, with the real zbarimg, as the otpauth URI of
        # that key.
        qr_png = os.path.join(screenshot_dir(), "security-2fa-qr-element.png")
        box = b.js("const e = document.getElementById('tfa-qr'); e.scrollIntoView();"
                   "const r = e.getBoundingClientRect();"
                   "return [r.left + scrollX, r.top + scrollY, r.width, r.height]")
        shot = b.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 2}})
        with open(qr_png, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        read = subprocess.run(["zbarimg", "--quiet", "--raw", qr_png], capture_output=True,
                              text=True, check=True).stdout.strip()
        self.assertEqual(read, f"otpauth://totp/sessionkit:{name}?secret={secret}"
                               "&issuer=sessionkit&algorithm=SHA1&digits=6&period=30")

        app = Authenticator(secret)
        b.fill("#tfa-confirm-code", app.wrong_code())
        b.find("#tfa-confirm").click()
        b.wait_text("#tfa-confirm-message", "That code is not right.")
        self.shot(b, "security-2fa-setup-wrong-code", sizes=[("phone", 375, True)])
        b.fill("#tfa-confirm-code", app.next_code())
        b.find("#tfa-confirm").click()

        # The recovery codes, once.
        b.wait_visible("#tfa-code-list li")
        codes = [li.text for li in b.find_all("#tfa-code-list li")]
        self.assertEqual(len(codes), 10)
        for code in codes:
            self.assertRegex(code, RECOVERY_CODE)
        self.assertIn("You will not see them again.", b.find("#tfa-codes").text)
        for button in ("#tfa-copy", "#tfa-download", "#tfa-codes-done"):
            self.assertTrue(b.find(button).is_displayed())
        self.shot(b, "security-2fa-recovery-codes")
        b.find("#tfa-copy").click()
        b.wait_text("#tfa-message", "copied")
        b.find("#tfa-codes-done").click()
        b.wait_visible("#tfa-on")
        self.assertEqual(b.find("#tfa-status").text, "On")
        self.assertIn("10 unused codes left", b.find("#tfa-codes-left").text)
        self.assertTrue(b.find("#password-code").is_displayed())  # password change needs a code
        self.assertEqual(b.find_all("#tfa-code-list li"), [])  # gone from the page
        self.shot(b, "security-2fa-on")
        b.get(self.base + "/account/security")  # and never shown again
        b.wait_visible("#tfa-on")
        self.assertNotIn(codes[0], b.find("body").text)

        # Sign in: password, then the code step in the same card.
        b.find("#sign-out").click()
        b.wait_url_path("/account/login")
        self.login(b, name)
        b.wait_visible("#code")
        self.assertEqual(b.find("h1").text, "Two-step verification")
        self.assertFalse(b.find("#password").is_displayed())
        code_field = b.find("#code")
        self.assertEqual(code_field.get_attribute("autocomplete"), "one-time-code")
        self.assertEqual(code_field.get_attribute("inputmode"), "numeric")
        self.assertEqual(b.js("return document.activeElement.id"), "code")
        self.shot(b, "login-code-step")
        b.fill("#code", app.wrong_code())
        b.find("#code-submit").click()
        b.wait_text("#form-message", "That code is not right.")
        self.shot(b, "login-code-wrong", sizes=[("phone", 375, True)])
        # By keyboard: the code and Enter.
        b.find("#code").send_keys(app.next_code(), Keys.ENTER)
        b.wait_url_path("/account")
        b.wait_visible(".device")

        # Sign in again with a recovery code.
        b.find("#sign-out").click()
        b.wait_url_path("/account/login")
        self.login(b, name)
        b.wait_visible("#use-recovery")
        b.find("#use-recovery").click()
        b.wait_visible("#recovery-code")
        self.assertFalse(b.find("#code").is_displayed())
        self.shot(b, "login-recovery-step")
        b.fill("#recovery-code", codes[0])
        b.find("#code-submit").click()
        b.wait_url_path("/account")
        b.wait_text("#page-message", "You signed in with a recovery code; 9 codes left.")
        self.shot(b, "devices-after-recovery-code")
        # The same recovery code does not work twice.
        b.find("#sign-out").click()
        b.wait_url_path("/account/login")
        self.login(b, name)
        b.wait_visible("#use-recovery")
        b.find("#use-recovery").click()
        b.fill("#recovery-code", codes[0])
        b.find("#code-submit").click()
        b.wait_text("#form-message", "That recovery code is not right, or it was used already.")
        b.find("#start-over").click()  # back to the password
        b.wait_visible("#password")
        self.assertEqual(b.find("h1").text, "Sign in")
        self.login(b, name)
        b.wait_visible("#use-recovery")
        b.find("#use-recovery").click()
        b.fill("#recovery-code", codes[1])
        b.find("#code-submit").click()
        b.wait_url_path("/account")

        # New recovery codes (with a code), the old ones dead; then turn it off with one.
        b.get(self.base + "/account/security")
        b.wait_visible("#tfa-on")
        self.assertIn("8 unused codes left", b.find("#tfa-codes-left").text)
        b.find("#tfa-regenerate-open").click()
        b.wait_visible("#tfa-regenerate-code")
        b.fill("#tfa-regenerate-code", app.next_code())
        b.find("#tfa-regenerate").click()
        b.wait_visible("#tfa-code-list li")
        fresh = [li.text for li in b.find_all("#tfa-code-list li")]
        self.assertEqual(len(fresh), 10)
        self.assertFalse(set(fresh) & set(codes))
        b.find("#tfa-codes-done").click()
        b.wait_visible("#tfa-on")
        b.find("#tfa-disable-open").click()
        b.wait_visible("#tfa-disable-code")
        self.assertEqual(b.find("#tfa-disable-code").get_attribute("autocomplete"), "one-time-code")
        b.fill("#tfa-disable-code", codes[2])  # an old code: dead
        b.find("#tfa-disable").click()
        b.wait_text("#tfa-disable-message", "That code is not right.")
        self.shot(b, "security-2fa-disable")
        b.fill("#tfa-disable-code", fresh[0])
        b.find("#tfa-disable").click()
        b.wait_text("#tfa-message", "Two-factor authentication is off.")
        self.assertEqual(b.find("#tfa-status").text, "Off")
        self.assertTrue(b.find("#tfa-start").is_displayed())
        self.assertFalse(b.find("#password-code").is_displayed())

        # Off: the password alone signs in.
        b.find("#sign-out").click()
        b.wait_url_path("/account/login")
        self.login(b, name)
        b.wait_url_path("/account")
        b.wait_visible(".device")

    def enable_two_factor(self, b):
        """Turns 2FA on from the security page; returns the Authenticator."""
        b.get(self.base + "/account/security")
        b.wait_visible("#tfa-start")
        b.find("#tfa-start").click()
        b.wait_visible("#tfa-qr svg path")
        app = Authenticator(b.find("#tfa-secret").text.replace(" ", ""))
        b.fill("#tfa-confirm-code", app.next_code())
        b.find("#tfa-confirm").click()
        b.wait_visible("#tfa-codes-done")
        b.find("#tfa-codes-done").click()
        b.wait_visible("#tfa-on")
        return app

    def test_password_change_asks_for_the_code_when_two_factor_is_on(self):
        b = self.browser()
        self.register(b)
        app = self.enable_two_factor(b)
        b.fill("#current-password", PASSWORD)
        b.fill("#new-password", "a new passphrase 3")
        b.fill("#confirm-password", "a new passphrase 3")
        b.find("#password-submit").click()
        b.wait_text("#password-message", "Enter the 6-digit code your authenticator app shows.")
        self.assertEqual(b.js("return document.activeElement.id"), "password-code")
        b.fill("#password-code", app.wrong_code())
        b.find("#password-submit").click()
        b.wait_text("#password-message", "That code is not right.")
        self.shot(b, "security-password-wrong-code", sizes=[("phone", 375, True)])
        b.fill("#password-code", app.next_code())
        b.find("#password-submit").click()
        b.wait_text("#password-message", "Your password was changed.")

    def test_code_step_errors_are_shown_in_words(self):
        b = self.browser()
        name = self.register(b)
        app = self.enable_two_factor(b)
        b.find("#sign-out").click()
        b.wait_url_path("/account/login")
        self.login(b, name)
        b.wait_visible("#code")
        b.fill("#code", "12345")  # five digits: said before anything is sent
        b.find("#code-submit").click()
        b.wait_text("#form-message", "Enter the 6 digits your authenticator app shows.")
        # Wrong codes are failed logins: past the limit, the wait is said in words.
        for _ in range(MAX_FAILURES):
            b.fill("#code", app.wrong_code())
            b.find("#code-submit").click()
            b.wait_text("#form-message", "That code is not right.")
            b.wait(lambda d: b.find("#code-submit").is_enabled(), "the answer")
            b.js("document.getElementById('form-message').textContent = ''")
        b.fill("#code", app.next_code())
        b.find("#code-submit").click()
        b.wait(lambda d: b.find("#code-submit").is_enabled()
               and b.find("#form-message").text.startswith("Too many"), "the throttled answer")
        self.assertRegex(b.find("#form-message").text,
                         r"^Too many failed attempts\. Try again in 1[45] minutes\.$")
        self.shot(b, "login-code-throttled", sizes=[("phone", 375, True)])
        self.assertTrue(b.url.endswith("/account/login"))
        # Start again: back to the password, in the same card.
        b.find("#start-over").click()
        b.wait_visible("#password")
        self.assertFalse(b.find("#code").is_displayed())
        self.assertEqual(b.js("return document.activeElement.id"), "password")


class BrowserStoreDownTest(unittest.TestCase):
    """Sessions in a real redis-server that is stopped under the pages: they say so in
    words (never a blank screen), and work again once it is back."""

    @classmethod
    def setUpClass(cls):
        cls.redis = RedisProcess(appendonly=True).start()  # the session outlives the kill
        try:
            cls.server = ServerProcess(env={"REDIS_ADDR": f"127.0.0.1:{cls.redis.port}"}).start()
        except BaseException:
            cls.redis.cleanup()
            raise
        cls.base = f"http://127.0.0.1:{cls.server.port}"

    @classmethod
    def tearDownClass(cls):
        try:
            cls.server.stop()
        finally:
            cls.redis.cleanup()

    def test_store_down_is_said_in_words(self):
        b = Browser()
        self.addCleanup(b.quit)
        BrowserTest.register(self, b)

        self.redis.kill()
        self.addCleanup(lambda: self.redis.proc.poll() is None or self.redis.start())
        # An action on the loaded page: the error is shown inline.
        b.find("#sign-out-everywhere").click()
        b.wait_text("#page-message", "can\u2019t reach its data store")
        b.screenshot("devices-store-down")
        # A page load: the server's own page says it.
        b.get(self.base + "/account")
        b.wait_text("h1", "We can\u2019t load your account right now")
        b.screenshot("unavailable")

        self.redis.start()
        b.wait(lambda d: self.server.client.get("/healthz").status == 200, "the store back")
        b.get(self.base + "/account")
        b.wait_url_path("/account")
        b.wait_visible(".device")


if __name__ == "__main__":
    unittest.main()
