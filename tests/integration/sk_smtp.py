"""A real SMTP server for the end-to-end tests: aiosmtpd on a loopback port, capturing
every message it accepts (Debian python3-aiosmtpd).

    with SmtpSink() as sink:                  # a free port, or SmtpSink(port=p) to start
        ...                                   # on a given one (a test may start it late)
        sink.wait_for(1, timeout=10)
        msg = sink.messages[0]                # email.message.EmailMessage

`messages` grows as mail arrives (in arrival order); `envelopes` holds (mail_from,
rcpt_tos) of each. wait_for(n, timeout) waits until at least n messages arrived and
returns them, or raises AssertionError naming how many came.
"""

import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller

from sk_harness import free_port


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        with self.sink._lock:
            self.sink.messages.append(message)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.sink._arrived.notify_all()
        return "250 OK"


class SmtpSink:
    def __init__(self, port=None, host="127.0.0.1"):
        self.host = host
        self.port = port or free_port()
        self.messages = []
        self.envelopes = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._controller = None

    def start(self):
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port,
                                      ready_timeout=10)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def url(self, credentials=""):
        return "smtp://%s%s:%d" % (credentials + "@" if credentials else "", self.host, self.port)

    def wait_for(self, n, timeout=15):
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.messages) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("expected %d mail(s), %d arrived" % (n, len(self.messages)))
                self._arrived.wait(left)
            return list(self.messages)
