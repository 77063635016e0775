"""Abuse and protocol edge cases: garbage, oversized headers and bodies (413), slow and
silent clients dropped, keep-alive, pipelining, HTTP/1.0, Expect: 100-continue, the
connection cap. After each test the server must still answer /healthz."""

import concurrent.futures
import http.client
import select
import socket
import time
import unittest

from sk_harness import ServerProcess, wait_until

BOUND = 15.0  # generous upper bound for "eventually"; never a timing assertion


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=BOUND)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class RawResponse:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def getheader(self, name):
        return self.headers.get(name.lower())


_pending = {}  # socket -> bytes received past the previous response (pipelining)


def read_response(sock, method="GET"):
    """Reads one response (our server always sends Content-Length) from `sock`, keeping
    any bytes of the next response for the next call."""
    data = _pending.pop(sock, b"")
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise http.client.RemoteDisconnected("closed without a (complete) response")
        data += chunk
    head, data = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = 0 if method == "HEAD" or status < 200 else int(headers.get("content-length", "0"))
    while len(data) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise http.client.RemoteDisconnected("closed inside the body")
        data += chunk
    if data[length:]:
        _pending[sock] = data[length:]
    return RawResponse(status, headers, data[:length]), data[:length]


def closed_by_peer(sock, timeout=BOUND):
    """True once the server closes the connection (EOF or reset) within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.1)
        if ready:
            try:
                if sock.recv(65536) == b"":
                    return True
            except (ConnectionResetError, BrokenPipeError):
                return True
    return False


class RobustnessTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(args=["--header-timeout-ms", "500", "--idle-timeout-ms", "1000",
                                         "--body-timeout-ms", "2000"]).start()
        cls.port = cls.server.port

    @classmethod
    def tearDownClass(cls):
        code = cls.server.terminate()
        log = cls.server.log_text()
        cls.server.stop()
        assert code == 0, f"server exit {code}\n{log[-4000:]}"

    def tearDown(self):
        self.assertEqual(self.server.client.get("/healthz").status, 200, "server unhealthy")

    def raw_exchange(self, data):
        with connect(self.port) as s:
            s.sendall(data)
            resp, body = read_response(s)
            return resp.status, body, closed_by_peer(s)

    def test_garbage_request_line_400_and_close(self):
        for garbage in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                        b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n",
                        b"POST /api/auth/login HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64 + b"\r\n\r\n"):
            with self.subTest(garbage=garbage[:20]):
                status, body, closed = self.raw_exchange(garbage)
                self.assertEqual(status, 400)
                self.assertIn(b'"code":"bad_request"', body)
                self.assertTrue(closed)

    def test_oversized_header_400(self):
        status, body, closed = self.raw_exchange(
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        self.assertEqual(status, 400)
        self.assertTrue(closed)

    def test_body_over_1mib_is_413(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=BOUND)
        body = b"{" + b" " * (1024 * 1024) + b"}"
        conn.request("POST", "/api/auth/login", body=body,
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        self.assertEqual(r.status, 413)
        self.assertIn(b'"code":"payload_too_large"', data)

    def test_chunked_body_over_1mib_is_413(self):
        with connect(self.port) as s:
            s.sendall(b"POST /api/auth/register HTTP/1.1\r\nHost: x\r\n"
                      b"Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n")
            chunk = b" " * 65536
            try:
                for _ in range(20):  # 1.25 MiB in total
                    s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                s.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server may answer and stop reading before we are done
            resp, body = read_response(s)
        self.assertEqual(resp.status, 413)
        self.assertIn(b"payload_too_large", body)

    def test_body_of_1mib_is_accepted(self):
        padding = b" " * (1024 * 1024 - 64)
        body = b'{"email_or_username":"nobody_here","password":"whatever1"' + padding + b"}"
        self.assertLessEqual(len(body), 1024 * 1024)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=BOUND)
        conn.request("POST", "/api/auth/login", body=body)
        r = conn.getresponse()
        r.read()
        conn.close()
        self.assertEqual(r.status, 401)  # parsed, and the credentials are wrong

    def test_slow_loris_is_dropped(self):
        with connect(self.port) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            deadline = time.monotonic() + BOUND
            dropped = False
            while time.monotonic() < deadline and not dropped:
                try:
                    s.sendall(b"X-Slow: 1\r\n")  # never finishes the header
                except (BrokenPipeError, ConnectionResetError):
                    dropped = True
                    break
                dropped = closed_by_peer(s, timeout=0.1)
            self.assertTrue(dropped, "a client trickling its header was not dropped")

    def test_silent_client_is_dropped(self):
        with connect(self.port) as s:
            self.assertTrue(closed_by_peer(s), "an idle connection was not closed")

    def test_slow_body_is_dropped(self):
        with connect(self.port) as s:
            s.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            self.assertTrue(closed_by_peer(s), "a client that never sends its body was kept")

    def test_keep_alive_and_pipelining(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=BOUND)
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        sock = conn.sock
        for _ in range(5):
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        self.assertIs(conn.sock, sock, "keep-alive connection was not reused")
        conn.close()

        with connect(self.port) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            statuses = [read_response(s)[0].status for _ in range(3)]
            self.assertEqual(statuses, [200, 404, 200])
            self.assertTrue(closed_by_peer(s))

    def test_http10_closes(self):
        status, body, closed = self.raw_exchange(b"GET /healthz HTTP/1.0\r\n\r\n")
        self.assertEqual(status, 200)
        self.assertTrue(closed)

    def test_head_has_no_body(self):
        with connect(self.port) as s:
            s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            head, body = read_response(s, method="HEAD")
            self.assertEqual(head.status, 405)
            self.assertEqual(body, b"")
            self.assertGreater(int(head.getheader("Content-Length")), 0)
            # The next response starts right after the header: no stray body bytes.
            get, body = read_response(s)
            self.assertEqual(get.status, 200)
            self.assertIn(b'"success":true', body)

    def test_expect_100_continue(self):
        payload = b'{"email_or_username":"nobody_here","password":"whatever1"}'
        with connect(self.port) as s:
            s.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                      b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload))
            interim = b""
            while b"\r\n\r\n" not in interim:
                chunk = s.recv(1)
                self.assertTrue(chunk, "closed before 100 Continue")
                interim += chunk
            self.assertTrue(interim.startswith(b"HTTP/1.1 100"), interim)
            s.sendall(payload)
            resp, _ = read_response(s)
            self.assertEqual(resp.status, 401)

    def test_concurrent_requests(self):
        def hammer(_):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=BOUND)
            statuses = []
            for i in range(25):
                conn.request("GET", "/healthz" if i % 2 else "/api/auth/verify")
                r = conn.getresponse()
                r.read()
                statuses.append(r.status)
            conn.close()
            return statuses

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = [s for batch in pool.map(hammer, range(16)) for s in batch]
        self.assertEqual(sorted(set(results)), [200, 401])
        self.assertEqual(len(results), 16 * 25)


class ConnectionCapTest(unittest.TestCase):
    def test_connections_over_the_cap_are_closed(self):
        server = ServerProcess(args=["--max-connections", "2", "--idle-timeout-ms", "60000"]).start()
        try:
            def served_connection():
                # Connections of the start-up health checks may still be counted for a
                # moment: retry until a connection is accepted and served.
                s = connect(server.port)
                try:
                    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    if read_response(s)[0].status == 200:
                        return s
                except (OSError, http.client.HTTPException):
                    pass
                s.close()
                return None

            a = wait_until(served_connection, BOUND, "a first connection", 0.05)
            b = wait_until(served_connection, BOUND, "a second connection", 0.05)
            c = connect(server.port)
            self.assertTrue(closed_by_peer(c), "a connection over the cap was kept")
            c.close()
            a.close()

            def third_connection_served():
                try:
                    with connect(server.port) as d:
                        d.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        return read_response(d)[0].status == 200
                except (OSError, http.client.HTTPException):
                    return False

            wait_until(third_connection_served, BOUND, "a slot after closing a connection", 0.05)
            b.close()
            self.assertEqual(server.terminate(), 0)
        finally:
            server.stop()


if __name__ == "__main__":
    unittest.main()
