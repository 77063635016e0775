"""Forward auth with a real nginx (auth_request -> /api/auth/verify): a protected
location answers 200 with a valid token and 401 without one, or after logout.
nginx runs as a non-daemon child with every path (pid, logs, temp dirs) in a temp dir."""

import os
import shutil
import socket
import subprocess
import tempfile
import unittest
import uuid

from sk_harness import Client, ServerProcess, free_port, wait_until

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


if __name__ == "__main__":
    unittest.main()
