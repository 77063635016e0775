"""Helpers for the end-to-end tests: run the real sessionkit-server (and redis-server,
nginx) as child processes in a temp dir, on ports the kernel picks, and talk HTTP to it.

The server binary comes from $SESSIONKIT_SERVER (set by tests/integration/CMakeLists.txt,
so the ASan build's tests run the ASan binary). Every process started here is stopped by
its stop() / the test's cleanup; nothing is left running.
"""

import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

SECRET = "e2e-secret-0123456789abcdef0123456789abcdef"  # >= 32 bytes
PASSWORD = "correct horse 1"
START_TIMEOUT = 60.0  # generous: ASan builds start slower


def server_binary():
    path = os.environ.get("SESSIONKIT_SERVER")
    if not path or not os.path.exists(path):
        raise RuntimeError("SESSIONKIT_SERVER must point at the sessionkit-server binary")
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.02):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lowercased names
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    @property
    def data(self):
        return (self.json or {}).get("data")

    @property
    def code(self):
        return ((self.json or {}).get("error") or {}).get("code")

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Client:
    """HTTP/1.1 client, one fresh connection per request unless keep=True."""

    def __init__(self, port, host="127.0.0.1", user_agent="sk-e2e/1.0"):
        self.host, self.port, self.user_agent = host, port, user_agent

    def request(self, method, path, body=None, token=None, headers=None, raw=None):
        h = {"User-Agent": self.user_agent}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if raw is not None:
            payload = raw if isinstance(raw, bytes) else raw.encode()
        if token is not None:
            h["Authorization"] = "Bearer " + token
        h.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=payload, headers=h)
            r = conn.getresponse()
            data = r.read()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # --- API shortcuts ---
    def register(self, username, email=None, password=PASSWORD, **kw):
        return self.post("/api/auth/register",
                         {"username": username, "email": email or f"{username}@example.com",
                          "password": password}, **kw)

    def login(self, ident, password=PASSWORD, field="email_or_username", **kw):
        return self.post("/api/auth/login", {field: ident, "password": password}, **kw)

    def verify(self, token, method="GET", path="/api/auth/verify", **kw):
        return self.request(method, path, token=token, **kw)

    def refresh(self, refresh_token, **kw):
        return self.post("/api/auth/refresh", {"refresh_token": refresh_token}, **kw)

    def change_password(self, token, current, new, **kw):
        return self.post("/api/auth/password",
                         {"current_password": current, "new_password": new}, token=token, **kw)


def jwt_claims(token):
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class ServerProcess:
    """sessionkit-server on 127.0.0.1:<port chosen by the kernel>, in a temp dir."""

    def __init__(self, env=None, args=None, secret=SECRET, workdir=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="sk-e2e-")
        self.own_dir = workdir is None
        self.log_path = os.path.join(self.dir, "server.log")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HTTP_ADDR": "127.0.0.1:0",
            "DATABASE_URL": "sqlite:///" + os.path.join(self.dir, "sessionkit.db").lstrip("/"),
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                self.env[k] = os.environ[k]
        if secret is not None:
            self.env["JWT_SECRET"] = secret
        self.env.update(env or {})
        self.args = list(args or [])
        self.proc = None
        self.port = None

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.log_start = self.log.tell()  # a restart appends to the same log
        self.proc = subprocess.Popen([server_binary()] + self.args, cwd=self.dir, env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            try:
                self.port = wait_until(self._listening_port, START_TIMEOUT, "the server to listen")
                self.client = Client(self.port)
                wait_until(lambda: self._healthy(), START_TIMEOUT, "GET /healthz")
            except BaseException:
                self.kill()  # never leave a half-started server behind
                raise
        return self

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _listening_port(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log_text()}")
        m = re.search(r"listening on [^ ]*:(\d+) ", self.log_text(self.log_start))
        return int(m.group(1)) if m else None

    def _healthy(self):
        try:
            return self.client.get("/healthz").status == 200
        except OSError:
            return False

    def log_text(self, offset=0):
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")

    def wait_exit(self, timeout=30):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.log.close()

    def terminate(self, sig=signal.SIGTERM, timeout=30):
        """Sends `sig` and returns the exit code."""
        self.proc.send_signal(sig)
        return self.wait_exit(timeout)

    def stop(self):
        self.kill()
        if self.proc is not None and not self.log.closed:
            self.log.close()
        if self.own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class RedisProcess:
    """A throwaway redis-server on a free port; can be stopped and started again on the
    same port. No persistence, unless appendonly=True: then every write is in the
    append-only file (appendfsync always) in its temp dir before Redis answers it, and a
    restart after kill() reloads it."""

    BINARY = "/usr/bin/redis-server"

    def __init__(self, appendonly=False):
        self.dir = tempfile.mkdtemp(prefix="sk-e2e-redis-")
        self.port = None
        self.proc = None
        self.appendonly = appendonly

    def start(self):
        fixed = self.port is not None  # a restart keeps its port
        for _ in range(5):
            port = self.port if fixed else free_port()
            self.proc = subprocess.Popen(
                [self.BINARY, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--dir", self.dir, "--daemonize", "no"] + self._persistence(),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.port = port
            try:
                wait_until(self._pong, 10, "redis-server")
                return self
            except AssertionError:
                self.proc.kill()
                self.proc.wait()
                if fixed:
                    raise
                self.port = None  # the port was taken meanwhile: pick another
        raise AssertionError("could not start redis-server")

    def _persistence(self):
        if self.appendonly:
            return ["--appendonly", "yes", "--appendfsync", "always"]
        return ["--appendonly", "no"]

    def signal(self, sig):
        """Sends `sig` (SIGSTOP, SIGCONT...) to the running redis-server."""
        self.proc.send_signal(sig)

    def kill(self):
        """SIGKILL: no shutdown, no final save; start() brings it back on the same port."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def _pong(self):
        if self.proc.poll() is not None:
            raise AssertionError("redis-server exited")
        try:
            return self.cmd("PING") == "PONG"
        except OSError:
            return False
        except RuntimeError as e:  # a restart with persistence: still reading its file
            if str(e).startswith("LOADING"):
                return False
            raise

    def cmd(self, *args):
        """One command over RESP; returns str/int/list/None."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            out = f"*{len(args)}\r\n"
            for a in args:
                a = str(a)
                out += f"${len(a.encode())}\r\n{a}\r\n"
            s.sendall(out.encode())
            f = s.makefile("rb")
            return self._read(f)

    def _read(self, f):
        line = f.readline().rstrip(b"\r\n")
        kind, rest = line[:1], line[1:].decode()
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError(rest)
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = f.read(n + 2)[:-2]
            return data.decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read(f) for _ in range(n)]
        raise RuntimeError(f"bad reply {line!r}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class MariadbProcess:
    """A throwaway MariaDB server (mariadbd --no-defaults) in a temp data directory, on a
    free loopback port, its socket in the temp dir; can be stopped and started again on
    the same port and data. The data directory is a copy of a template made once by
    mariadb-install-db (root, empty password, over the socket), the same template the C++
    fixture (testing/mariadb_server.cc) keeps; start() then adds the user USER / PASSWORD
    with every privilege, reachable over TCP."""

    MARIADBD = shutil.which("mariadbd", path="/usr/sbin:/usr/bin") or "/usr/sbin/mariadbd"
    INSTALL_DB = shutil.which("mariadb-install-db", path="/usr/bin:/usr/sbin") or "/usr/bin/mariadb-install-db"
    CLIENT = shutil.which("mariadb", path="/usr/bin") or "/usr/bin/mariadb"
    USER = "sessionkit"
    PASSWORD = "e2e-Db-Secret-4471"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sk-e2e-mariadb-")
        self.socket = os.path.join(self.dir, "mariadb.sock")
        self.port = None
        self.proc = None
        self._databases = 0

    def _template(self):
        st = os.stat(self.MARIADBD)
        # The C++ fixture's name (testing/mariadb_server.cc): size and mtime in seconds.
        ready = os.path.join(tempfile.gettempdir(), "sessionkit-mariadb-template-%d-%d-%d" % (
            os.geteuid(), st.st_size, int(st.st_mtime)))
        if os.path.isdir(os.path.join(ready, "mysql")):
            return ready
        fresh = os.path.join(self.dir, "template")
        args = [self.INSTALL_DB, "--no-defaults", "--datadir=" + fresh,
                "--auth-root-authentication-method=normal", "--skip-test-db",
                "--innodb-log-file-size=8M"]
        if os.geteuid() == 0:
            args.append("--user=root")
        out = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if out.returncode != 0:
            raise AssertionError("mariadb-install-db failed:\n" + out.stdout.decode()[-2000:])
        try:
            os.rename(fresh, ready)
        except OSError:
            shutil.rmtree(fresh, ignore_errors=True)  # another process made it first
        return ready

    def start(self):
        data = os.path.join(self.dir, "data")
        first = not os.path.exists(data)
        if first:
            shutil.copytree(self._template(), data)
        fixed = self.port is not None  # a restart keeps its port
        for _ in range(5):
            port = self.port if fixed else free_port()
            args = [self.MARIADBD, "--no-defaults", "--datadir=" + data,
                    "--socket=" + self.socket, "--port=%d" % port, "--bind-address=127.0.0.1",
                    "--pid-file=" + os.path.join(self.dir, "mariadb.pid"),
                    "--log-error=" + os.path.join(self.dir, "mariadb.err"),
                    "--skip-log-bin", "--innodb-buffer-pool-size=32M",
                    "--innodb-log-file-size=8M", "--max-connections=400"]
            if os.geteuid() == 0:
                args.append("--user=root")
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
            self.port = port
            try:
                wait_until(self._answers, 60, "mariadbd")
                break
            except AssertionError:
                self.proc.kill()
                self.proc.wait()
                if fixed:
                    raise
                self.port = None
        else:
            raise AssertionError("could not start mariadbd")
        if first:
            user = "'%s'@'%%'" % self.USER
            self.sql("CREATE USER %s IDENTIFIED BY '%s'; GRANT ALL PRIVILEGES ON *.* TO %s"
                     % (user, self.PASSWORD, user))
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise AssertionError("mariadbd exited:\n" + self.error_log())
        try:
            self.sql("SELECT 1")
            return True
        except AssertionError:
            return False

    def error_log(self):
        try:
            with open(os.path.join(self.dir, "mariadb.err")) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    def sql(self, statements):
        """Runs SQL as root over the socket; returns the output (tab-separated, no
        header). AssertionError if the client fails."""
        out = subprocess.run([self.CLIENT, "--no-defaults", "-S", self.socket, "-uroot",
                              "--batch", "--skip-column-names", "-e", statements],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        if out.returncode != 0:
            raise AssertionError("mariadb: " + out.stderr.decode())
        return out.stdout.decode()

    def create_database(self):
        """A new empty database; returns its name."""
        self._databases += 1
        name = "sk_e2e_%d_%d" % (os.getpid(), self._databases)
        self.sql("CREATE DATABASE " + name)
        return name

    def url(self, database, scheme="mysql"):
        return "%s://%s:%s@127.0.0.1:%d/%s" % (scheme, self.USER, self.PASSWORD, self.port,
                                              database)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
