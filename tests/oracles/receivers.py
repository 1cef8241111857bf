"""Real counterparts for Taskward's reminders (issue 17), started by the tests.

One process serves, on 127.0.0.1 with ports the OS picks:

- SMTP (aiosmtpd): plain SMTP, no TLS; AUTH PLAIN/LOGIN accepted with any credentials
  (the user name is recorded). Every message is recorded: envelope sender and recipients,
  headers, Subject, and the decoded text (and HTML) body.
- HTTP:
  - POST /webhook/{name}: a Standard Webhooks receiver. The signature is verified by the
    reference library (standardwebhooks) with the secret registered for {name}; 204 when
    it verifies, 400 when not.
  - POST /ntfy (or /ntfy/): ntfy's JSON publish; POST /ntfy/{topic}: ntfy's plain publish
    (body = message, Title/Priority/Tags/Click headers). Validated as ntfy does: 400 for a
    body that is not message JSON, a bad topic or a bad priority.
  - PUT /control/secret/{name} (body: whsec_... secret), PUT /control/delay/{name}
    (body: seconds a webhook to `name` waits, after it is recorded, before the answer), PUT /control/fail/{name} (body: N;
    the next N webhooks to {name}, or ntfy messages to topic {name}, answer 500 and are
    recorded with failed_on_purpose), GET /control/received, POST /control/reset (forgets
    what was received and the pending failures; keeps the secrets).

When ready it prints one JSON line, {"smtp_port": N, "http_port": M}, and runs until its
standard input closes (so a dying test takes it along) or SIGTERM.
"""

import email
import email.header
import email.policy
import json
import logging
import os
import re
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from standardwebhooks import Webhook

LOCK = threading.Lock()
RECEIVED = {"mail": [], "webhooks": [], "ntfy": []}
SECRETS = {}  # webhook name -> Webhook
FAIL_NEXT = {}  # webhook name or ntfy topic -> requests still to fail with 500
DELAY = {}  # webhook name -> seconds to wait (after recording) before answering

NTFY_TOPIC = re.compile(r"^[-_A-Za-z0-9]{1,64}$")  # ntfy's topicRegex
NTFY_PRIORITIES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "min": 1, "low": 2,
                   "default": 3, "high": 4, "max": 5, "urgent": 5}


def record(kind, entry):
    with LOCK:
        RECEIVED[kind].append(entry)


def take_failure(name):
    """True when this request to `name` is to fail on purpose (and counts it)."""
    with LOCK:
        left = FAIL_NEXT.get(name, 0)
        if left > 0:
            FAIL_NEXT[name] = left - 1
            return True
        return False


# --- SMTP --------------------------------------------------------------------------------

def decoded(part):
    """A MIME part's decoded text, with the wire's CRLF line ends as LF."""
    return None if part is None else part.get_content().replace("\r\n", "\n")


class MailHandler:
    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        auth = session.auth_data
        record("mail", {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "subject": msg.get("Subject"),
            "headers": {k: str(v) for k, v in msg.items()},
            "text": decoded(text),
            "html": decoded(html),
            "auth_user": auth.login.decode(errors="replace") if auth is not None else None,
        })
        return "250 OK"


def accept_any_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=True, auth_data=auth_data)


class SmtpController(Controller):
    """aiosmtpd's Controller on a port the OS picks (its own start-up check needs the
    port before it connects, so the port is read from the bound socket)."""

    def _create_server(self):
        async def serve():
            server = await self.loop.create_server(self._factory_invoker,
                                                   host=self.hostname, port=0)
            self.port = server.sockets[0].getsockname()[1]
            return server
        return serve()


# --- HTTP --------------------------------------------------------------------------------

def header_text(value):
    """A header as text: http.server reads headers as Latin-1; ntfy takes UTF-8 and
    RFC 2047 encoded words."""
    if value is None:
        return None
    try:
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    if "=?" in value:
        value = str(email.header.make_header(email.header.decode_header(value)))
    return value


class Handler(BaseHTTPRequestHandler):
    server_version = "taskward-test-receivers"
    # Keep-alive: a sender reuses its connections, as against any real receiver.
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet: the tests read /control/received
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(size + 2)[:size]
                if size == 0:
                    return out
                out += chunk
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def reply(self, status, payload=None):
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if urlsplit(self.path).path == "/control/received":
            with LOCK:
                snapshot = json.loads(json.dumps(RECEIVED))
            return self.reply(200, snapshot)
        self.reply(404, {"error": "not found"})

    def do_PUT(self):
        parts = urlsplit(self.path).path.split("/")
        body = self.body().decode()
        if len(parts) == 4 and parts[1] == "control" and parts[2] in ("secret", "fail", "delay"):
            name = unquote(parts[3])
            try:
                with LOCK:
                    if parts[2] == "secret":
                        SECRETS[name] = Webhook(body.strip())
                    elif parts[2] == "delay":
                        DELAY[name] = float(body)
                    else:
                        FAIL_NEXT[name] = int(body)
            except Exception as e:  # a secret or a count that does not parse
                return self.reply(400, {"error": repr(e)})
            return self.reply(204)
        self.reply(404, {"error": "not found"})

    def do_POST(self):
        url = urlsplit(self.path)
        parts = url.path.split("/")
        body = self.body()
        if url.path == "/control/reset":
            with LOCK:
                for entries in RECEIVED.values():
                    entries.clear()
                FAIL_NEXT.clear()
            return self.reply(204)
        if len(parts) == 3 and parts[1] == "webhook" and parts[2]:
            return self.webhook(unquote(parts[2]), body)
        if url.path in ("/ntfy", "/ntfy/"):
            return self.ntfy_json(body)
        if len(parts) == 3 and parts[1] == "ntfy" and NTFY_TOPIC.match(parts[2]):
            return self.ntfy_plain(parts[2], body, parse_qs(url.query))
        self.reply(404, {"error": "not found"})

    def webhook(self, name, body):
        headers = {k.lower(): v for k, v in self.headers.items()}
        entry = {"name": name, "webhook_id": headers.get("webhook-id"),
                 "timestamp": headers.get("webhook-timestamp"),
                 "signature": headers.get("webhook-signature"),
                 "content_type": headers.get("content-type"),
                 "verified": False, "error": None, "payload": None,
                 "body": body.decode(errors="replace"), "failed_on_purpose": False}
        with LOCK:
            hook = SECRETS.get(name)
        try:
            if hook is None:
                raise LookupError(f"no secret registered for {name!r}")
            entry["payload"] = hook.verify(body, headers)  # raises unless it verifies
            entry["verified"] = True
        except Exception as e:
            entry["error"] = f"{type(e).__name__}: {e}"
        entry["failed_on_purpose"] = take_failure(name)
        record("webhooks", entry)
        with LOCK:
            delay = DELAY.get(name, 0)
        if delay > 0:  # a slow receiver: the sender is still waiting while this is recorded
            time.sleep(delay)
        if entry["failed_on_purpose"]:
            return self.reply(500, {"error": "failing on purpose"})
        self.reply(204 if entry["verified"] else 400,
                   None if entry["verified"] else {"error": entry["error"]})

    def ntfy_json(self, body):
        try:
            m = json.loads(body)
            if not isinstance(m, dict):
                raise ValueError("not an object")
            # ntfy decodes into a Go struct: strings, an integer priority, a list of tags.
            for key in ("topic", "title", "message", "click"):
                if not isinstance(m.get(key, ""), str):
                    raise ValueError(key)
            if type(m.get("priority", 0)) is not int:
                raise ValueError("priority")
            tags = m.get("tags") or []
            if not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
                raise ValueError("tags")
        except ValueError:
            return self.reply(400, {"code": 40017, "http": 400,
                                    "error": "invalid request: request body must be message JSON"})
        self.ntfy_publish("json", m.get("topic", ""), m.get("title") or None,
                          m.get("message", ""), str(m.get("priority", 0)), tags,
                          m.get("click") or None, m)

    def ntfy_plain(self, topic, body, query):
        def param(*names):
            for n in names:
                if self.headers.get(n) is not None:
                    return header_text(self.headers.get(n))
                if n.lower() in query:
                    return query[n.lower()][0]
            return None
        tags = param("X-Tags", "Tags", "Tag", "ta")
        self.ntfy_publish("plain", topic, param("X-Title", "Title", "ti", "t"),
                          body.decode(errors="replace"),
                          (param("X-Priority", "Priority", "prio", "p") or "0").lower(),
                          [t.strip() for t in tags.split(",")] if tags else [],
                          param("X-Click", "Click"), None)

    def ntfy_publish(self, via, topic, title, message, priority, tags, click, json_body):
        if not NTFY_TOPIC.match(topic):
            return self.reply(400, {"code": 40009, "http": 400,
                                    "error": "invalid request: topic invalid"})
        if priority not in NTFY_PRIORITIES and priority != "0":
            return self.reply(400, {"code": 40007, "http": 400,
                                    "error": "invalid request: priority invalid"})
        entry = {"via": via, "topic": topic, "title": title, "message": message or "triggered",
                 "priority": NTFY_PRIORITIES.get(priority, 3), "tags": tags, "click": click,
                 "authorization": self.headers.get("Authorization"), "json": json_body,
                 "failed_on_purpose": take_failure(topic)}
        record("ntfy", entry)
        if entry["failed_on_purpose"]:
            return self.reply(500, {"code": 50001, "http": 500, "error": "failing on purpose"})
        answer = {"id": uuid.uuid4().hex[:12], "time": int(time.time()), "event": "message",
                  "topic": topic, "message": entry["message"]}
        if title:
            answer["title"] = title
        if entry["priority"] != 3:
            answer["priority"] = entry["priority"]
        if tags:
            answer["tags"] = tags
        if click:
            answer["click"] = click
        self.reply(200, answer)


def main():
    # aiosmtpd warns of its own deprecated Session.login_data on every AUTH.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    smtp = SmtpController(MailHandler(), hostname="127.0.0.1", server_hostname="receivers.test",
                          authenticator=accept_any_login, auth_require_tls=False)
    smtp.start()
    # A listen backlog for many senders at once (the default, 5, resets connections).
    ThreadingHTTPServer.request_queue_size = 1024
    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    http.daemon_threads = True
    threading.Thread(target=http.serve_forever, daemon=True).start()
    print(json.dumps({"smtp_port": smtp.port, "http_port": http.server_address[1]}), flush=True)
    # Runs until stdin closes (the test process ended) or SIGTERM (Python's default ends it).
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    main()
