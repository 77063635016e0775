"""Headless Chromium for the browser tests, driven by WebDriver: Debian's `chromium`,
`chromium-driver` and `python3-selenium` (scripts/install-deps.sh). Each Browser is its
own profile (a fresh --user-data-dir in a temp dir: its own cookies), so two Browsers
are two devices. Nothing is fetched from the network; every Browser is quit and its
profile removed by quit().

Chromium keeps `Secure` cookies, `__Host-` and `__Secure-` prefixes included, on
http://127.0.0.1: loopback is a "potentially trustworthy" origin. So the browser tests
run the server with its default COOKIE_SECURE=true and the cookie names of production.

Screenshots go to $SESSIONKIT_SCREENSHOT_DIR (set by tests/integration/CMakeLists.txt to
<build>/browser-screenshots), each page at desktop width (1280 px) and phone width
(375 px, mobile emulation), the whole page height.
"""

import os
import shutil
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 15

DESKTOP = ("desktop", 1280, False)
PHONE = ("phone", 375, True)


def screenshot_dir():
    path = os.environ.get("SESSIONKIT_SCREENSHOT_DIR")
    if not path:
        server = os.environ.get("SESSIONKIT_SERVER", "")
        path = os.path.join(os.path.dirname(os.path.dirname(server)) or ".", "browser-screenshots")
    os.makedirs(path, exist_ok=True)
    return path


class Browser:
    """One headless Chromium with its own profile."""

    def __init__(self, user_agent=None):
        self.profile = tempfile.mkdtemp(prefix="sk-chromium-")
        options = Options()
        options.binary_location = CHROMIUM
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                    "--disable-background-networking", "--disable-sync",
                    "--disable-component-update", "--password-store=basic", "--lang=en-US",
                    "--window-size=1280,900", "--user-data-dir=" + self.profile):
            options.add_argument(arg)
        if user_agent:
            options.add_argument("--user-agent=" + user_agent)
        try:
            self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        except BaseException:
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        self.driver.set_page_load_timeout(WAIT_SECONDS)

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    # --- finding and waiting ---
    def get(self, url):
        self.driver.get(url)

    @property
    def url(self):
        return self.driver.current_url

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition, what):
        return WebDriverWait(self.driver, WAIT_SECONDS, poll_frequency=0.05).until(condition, what)

    def wait_visible(self, css):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)),
                         f"{css} to be visible")

    def wait_url_path(self, path):
        def at_path(driver):
            rest = driver.current_url.split("//", 1)[-1]
            here = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
            return here.split("?")[0] == path
        self.wait(at_path, f"the page {path} (at {self.driver.current_url})")

    def wait_text(self, css, text):
        return self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text),
                         f"{text!r} in {css}")

    def fill(self, css, value):
        field = self.find(css)
        field.clear()
        field.send_keys(value)

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def cookies(self):
        """Every cookie of the profile, whatever its Path (WebDriver's own list has only
        those of the current page: not the refresh cookie of /api/auth/refresh)."""
        found = self.driver.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]
        return {c["name"]: c for c in found}

    # --- screenshots ---
    def screenshot(self, name, sizes=(DESKTOP, PHONE)):
        """Saves <name>-desktop.png and <name>-phone.png (whole page); returns the paths
        and asserts that nothing is wider than the viewport."""
        paths = []
        for label, width, mobile in sizes:
            metrics = {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": mobile}
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            overflow = self.js("return document.documentElement.scrollWidth") - width
            if overflow > 0:
                raise AssertionError(f"{name} is {overflow}px wider than {width}px ({label})")
            metrics["height"] = max(600, self.js("return document.documentElement.scrollHeight"))
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            path = os.path.join(screenshot_dir(), f"{name}-{label}.png")
            self.driver.save_screenshot(path)
            paths.append(path)
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return paths
