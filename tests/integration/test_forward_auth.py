"""Forward auth with a real nginx (auth_request -> /api/auth/verify): a protected
location answers 200 with a valid token and 401 without one, or after logout.
nginx runs as a non-daemon child with every path (pid, logs, temp dirs) in a temp dir."""

import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import unittest
import uuid

from sk_harness import PASSWORD, Client, ServerProcess, free_port, wait_until

NGINX = "/usr/sbin/nginx"

CONFIG = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    default_type text/plain;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream sessionkit {{ server 127.0.0.1:{sk_port}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{port};
        location /api/ {{
            proxy_pass http://sessionkit;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
        location = /_verify {{
            internal;
            proxy_pass http://sessionkit/api/auth/verify;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-URI $request_uri;
        }}
        location /protected/ {{
            auth_request /_verify;
            auth_request_set $sk_user $upstream_http_x_user_id;
            auth_request_set $sk_role $upstream_http_x_user_role;
            add_header X-Authenticated-User $sk_user always;
            add_header X-Authenticated-Role $sk_role always;
            root {dir}/www;
        }}
    }}
}}
"""


class NginxProcess:
    def __init__(self, sk_port):
        self.dir = tempfile.mkdtemp(prefix="sk-e2e-nginx-")
        self.sk_port = sk_port
        os.makedirs(os.path.join(self.dir, "www", "protected"))
        with open(os.path.join(self.dir, "www", "protected", "index.html"), "w") as f:
            f.write("protected content\n")
        self.proc = None

    def start(self):
        for _ in range(5):
            self.port = free_port()
            conf = os.path.join(self.dir, "nginx.conf")
            with open(conf, "w") as f:
                f.write(CONFIG.format(dir=self.dir, port=self.port, sk_port=self.sk_port))
            self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c", conf,
                                          "-e", os.path.join(self.dir, "error.log")],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_until(self._accepting, 20, "nginx")
                return self
            except AssertionError:
                self.stop()  # most likely the port was taken meanwhile: try another
        raise AssertionError("could not start nginx:\n" + self.error_log())

    def _accepting(self):
        if self.proc.poll() is not None:
            raise AssertionError("nginx exited")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class ForwardAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(NGINX):
            raise AssertionError(f"{NGINX} is missing (Debian package nginx-light)")
        cls.server = ServerProcess().start()
        try:
            cls.nginx = NginxProcess(cls.server.port).start()
        except BaseException:
            cls.server.stop()
            raise
        cls.via_nginx = Client(cls.nginx.port)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.cleanup()
        code = cls.server.terminate()
        cls.server.stop()
        assert code == 0, f"server exit {code}"

    def login_via_nginx(self):
        name = "n" + uuid.uuid4().hex[:12]
        self.assertEqual(self.via_nginx.register(name).status, 201)
        r = self.via_nginx.login(name)
        self.assertEqual(r.status, 200, r)
        return r.data

    def test_valid_token_passes(self):
        data = self.login_via_nginx()
        r = self.via_nginx.get("/protected/index.html", token=data["token"])
        self.assertEqual(r.status, 200, self.nginx.error_log())
        self.assertEqual(r.body, b"protected content\n")
        self.assertEqual(r.headers.get("x-authenticated-user"), data["user"]["id"])
        self.assertEqual(r.headers.get("x-authenticated-role"), "user")

    def test_missing_or_bad_token_is_401(self):
        self.assertEqual(self.via_nginx.get("/protected/index.html").status, 401)
        self.assertEqual(self.via_nginx.get("/protected/index.html", token="not.a.token").status,
                         401)

    def test_logged_out_token_is_401(self):
        data = self.login_via_nginx()
        self.assertEqual(self.via_nginx.get("/protected/index.html", token=data["token"]).status, 200)
        self.assertEqual(self.via_nginx.post("/api/auth/logout", token=data["token"]).status, 200)
        self.assertEqual(self.via_nginx.get("/protected/index.html", token=data["token"]).status, 401)


# docs/nginx.conf.example itself, inside the same prelude (pid, logs, temp dirs), with its
# three "test:" addresses pointed at this run's sessionkit, app and nginx ports.
EXAMPLE_PRELUDE = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log off;
    default_type text/plain;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
{example}
}}
"""


def example_config(dir, port, sk_port, app_port):
    source = os.environ.get("SESSIONKIT_SOURCE_DIR") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..")
    with open(os.path.join(source, "docs", "nginx.conf.example")) as f:
        example = f.read()
    for old, new in (("server 127.0.0.1:8080;", f"server 127.0.0.1:{sk_port};"),
                     ("server 127.0.0.1:9000;", f"server 127.0.0.1:{app_port};"),
                     ("listen 80;", f"listen 127.0.0.1:{port};")):
        assert example.count(old) == 1, old
        example = example.replace(old, new)
    return EXAMPLE_PRELUDE.format(dir=dir, example=example)


class EchoApp:
    """The protected application: answers every method with the identity nginx passed."""

    def __init__(self):
        import http.server
        import threading

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                body = (f"app {self.command} {self.path} user={self.headers.get('X-User-Id')} "
                        f"role={self.headers.get('X-User-Role')}\n").encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class ExampleNginx(NginxProcess):
    def __init__(self, sk_port, app_port):
        super().__init__(sk_port)
        self.app_port = app_port

    def start(self):
        for _ in range(5):
            self.port = free_port()
            conf = os.path.join(self.dir, "nginx.conf")
            with open(conf, "w") as f:
                f.write(example_config(self.dir, self.port, self.sk_port, self.app_port))
            self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c", conf,
                                          "-e", os.path.join(self.dir, "error.log")],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                wait_until(self._accepting, 20, "nginx")
                return self
            except AssertionError:
                self.stop()
        raise AssertionError("could not start nginx:\n" + self.error_log())


class BrowserAppBehindNginxTest(unittest.TestCase):
    """docs/nginx.conf.example with a browser app: cookie login through nginx, the access
    cookie authenticates protected requests, CSRF applies to the forwarded method, a
    signed-out browser is sent to the login page, API clients keep their bearer 401."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(NGINX):
            raise AssertionError(f"{NGINX} is missing (Debian package nginx-light)")
        # Plain HTTP in the test: COOKIE_SECURE=false (in production TLS ends at nginx).
        cls.server = ServerProcess(env={"COOKIE_SECURE": "false",
                                        "TRUSTED_PROXIES": "127.0.0.1/32"}).start()
        cls.app = EchoApp()
        try:
            cls.nginx = ExampleNginx(cls.server.port, cls.app.port).start()
        except BaseException:
            cls.app.stop()
            cls.server.stop()
            raise
        cls.web = Client(cls.nginx.port)
        cls.origin = f"http://127.0.0.1:{cls.nginx.port}"

    @classmethod
    def tearDownClass(cls):
        cls.nginx.cleanup()
        cls.app.stop()
        code = cls.server.terminate()
        cls.server.stop()
        assert code == 0, f"server exit {code}"

    def browser_login(self):
        name = "b" + uuid.uuid4().hex[:12]
        self.assertEqual(self.web.register(name).status, 201)
        # Every Set-Cookie line (the harness's Response keeps one value per header name).
        conn = http.client.HTTPConnection("127.0.0.1", self.nginx.port, timeout=30)
        try:
            conn.request("POST", "/api/auth/login",
                         body=json.dumps({"username": name, "password": PASSWORD}),
                         headers={"Content-Type": "application/json", "Origin": self.origin,
                                  "X-Auth-Transport": "cookie"})
            r = conn.getresponse()
            body = json.loads(r.read())
            lines = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
        finally:
            conn.close()
        self.assertEqual(r.status, 200, body)
        self.assertNotIn("token", body["data"])
        jar = dict(line.split(";")[0].split("=", 1) for line in lines)
        self.assertEqual(sorted(jar), ["sk_access", "sk_csrf", "sk_refresh"])
        self.assertEqual(jar["sk_csrf"], body["data"]["csrf_token"])
        return jar

    def cookie(self, jar):
        return "; ".join(f"{k}={v}" for k, v in jar.items() if k != "sk_refresh")

    def test_the_access_cookie_passes_and_reaches_the_app(self):
        jar = self.browser_login()
        r = self.web.get("/dashboard", headers={"Cookie": self.cookie(jar)})
        self.assertEqual(r.status, 200, self.nginx.error_log())
        self.assertTrue(r.body.startswith(b"app GET /dashboard user="), r.body)
        self.assertNotIn(b"user=None", r.body)

    def test_unsafe_requests_need_the_csrf_token_and_the_origin(self):
        jar = self.browser_login()
        h = {"Cookie": self.cookie(jar)}
        # No token: sessionkit answers 403 for the forwarded POST; the app never sees it.
        self.assertEqual(self.web.post("/dashboard/save", headers=h).status, 403)
        # A foreign page with the token (it cannot read it, but even so): 403.
        self.assertEqual(self.web.post("/dashboard/save", headers=dict(
            h, **{"X-CSRF-Token": jar["sk_csrf"], "Origin": "https://evil.example.net"})).status,
            403)
        r = self.web.request("DELETE", "/dashboard/item", headers=dict(
            h, **{"X-CSRF-Token": jar["sk_csrf"], "Origin": self.origin}))
        self.assertEqual(r.status, 200, self.nginx.error_log())
        self.assertTrue(r.body.startswith(b"app DELETE /dashboard/item"), r.body)
        # A bearer client is exempt.
        name = "a" + uuid.uuid4().hex[:12]
        self.web.register(name)
        token = self.web.login(name).data["token"]
        self.assertEqual(self.web.post("/dashboard/save", token=token,
                                       headers={"Origin": "https://evil.example.net"}).status, 200)

    def test_signed_out_browser_goes_to_login_and_api_clients_get_401(self):
        r = self.web.get("/dashboard")
        self.assertEqual(r.status, 302)
        self.assertTrue(r.headers.get("location", "").endswith("/account/login"), r.headers)
        self.assertEqual(self.web.get("/dashboard", token="not.a.token").status, 401)

    def test_logout_through_nginx_expires_the_cookies(self):
        jar = self.browser_login()
        h = {"Cookie": self.cookie(jar), "X-CSRF-Token": jar["sk_csrf"], "Origin": self.origin}
        r = self.web.post("/api/auth/logout", headers=h)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.headers.get("set-cookie"), "sk_csrf=; Path=/; SameSite=Lax; Max-Age=0")
        self.assertEqual(r.headers.get("cache-control"), "no-store")
        self.assertEqual(self.web.get("/dashboard", headers={"Cookie": self.cookie(jar)}).status,
                         302)


if __name__ == "__main__":
    unittest.main()
