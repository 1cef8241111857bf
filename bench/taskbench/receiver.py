"""A local webhook receiver for `bench/reminders`: a threaded HTTP/1.1 server on 127.0.0.1
that answers every POST `204` (at once, or after a set delay) and records when it arrived,
on which path, its `webhook-id`, `webhook-timestamp`, `webhook-signature` and body.
Checking the Standard Webhooks signature and reading the body's JSON happen afterwards
(`Arrival.verify`, `Arrival.event`), so the receiver does as little as it can while the
burst runs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .servers import LOOPBACK


@dataclass
class Arrival:
    at: float  # time.time() when the body was read
    path: str
    webhook_id: str
    timestamp: str
    signature: str
    body: bytes

    def event(self) -> dict:
        return json.loads(self.body)

    def verify(self, secret: str) -> bool:
        """The Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 of
        `id.timestamp.body` under the base64 key after `whsec_`."""
        key = base64.b64decode(secret.removeprefix("whsec_"))
        signed = f"{self.webhook_id}.{self.timestamp}.".encode() + self.body
        expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        return any(hmac.compare_digest(expected, s) for s in self.signature.split())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the sender's pooled connections stay open

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        at = time.time()
        h = self.headers
        server: Receiver = self.server  # type: ignore[assignment]
        server.record(Arrival(at, self.path, h.get("webhook-id", ""), h.get("webhook-timestamp", ""),
                              h.get("webhook-signature", ""), body))
        if server.answer_s:
            time.sleep(server.answer_s)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:  # no line per request
        pass


class Receiver(ThreadingHTTPServer):
    """`with Receiver() as r:` serves on `r.port` in a thread until the block ends; each
    answer after `answer_s` seconds (a receiver across the internet takes 100-500 ms)."""

    daemon_threads = True
    request_queue_size = 256  # the sender opens up to 64 connections at once

    def __init__(self, answer_s: float = 0.0) -> None:
        super().__init__((LOOPBACK, 0), _Handler)
        self.answer_s = answer_s  # how long each answer takes, as a distant receiver's would
        self.port = self.server_address[1]
        self._lock = threading.Lock()
        self._arrivals: list[Arrival] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)

    def record(self, arrival: Arrival) -> None:
        with self._lock:
            self._arrivals.append(arrival)

    def count(self) -> int:
        with self._lock:
            return len(self._arrivals)

    def arrivals(self) -> list[Arrival]:
        with self._lock:
            return list(self._arrivals)

    def url(self, path: str) -> str:
        return f"http://{LOOPBACK}:{self.port}{path}"

    def __enter__(self) -> "Receiver":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)
