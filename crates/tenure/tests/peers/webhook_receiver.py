#!/usr/bin/env python3
"""Webhook receiver: a real HTTP/1.1 endpoint that Tenure's outgoing-webhook tests post to.

Usage: webhook_receiver.py --port PORT --ready-file FILE --out FILE --secret whsec_...
                           [--secret whsec_... (repeatable)] [--script SPEC]

Listens on 127.0.0.1 only (port 0 picks a free port), keeps connections alive and always sends
Content-Length. Once listening it writes the port it got (digits and a newline) to the ready
file, atomically (a temporary file in the same folder, then os.replace): the tests wait for it.

Every POST (any path) is checked with the PyPI standardwebhooks package:
Webhook(secret).verify(body, {"webhook-id", "webhook-timestamp", "webhook-signature"}); it is
verified when any --secret verifies it (the package also rejects timestamps more than 5 minutes
away from now).

--script is a comma-separated list of steps, one taken per POST in arrival order; once it is used
up every POST gets "ok":
  ok              answer 200 {}
  500             answer 500 (not recorded)
  timeout:SECONDS read the body, wait SECONDS, then answer 200 {} (the sender may have gone)
  close           read the body, then close the connection without any answer (not recorded)

Every POST answered 200 is first appended to --out as one JSON line (flushed to the kernel), so a
line exists for every acknowledged delivery, possibly more than one per webhook-id:
  {"id": ..., "verified": true|false, "timestamp": ..., "body": <JSON, or the raw text>,
   "received_at": <unix time as a float>}
One line per POST, with the step taken, goes to stderr. GET /health answers 200 "ok" and is
neither a step nor recorded. SIGTERM and SIGINT exit cleanly with status 0.
"""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook


_SAY_LOCK = threading.Lock()


def say(text):
    """One line on stderr, written whole: the tests read these lines as events."""
    with _SAY_LOCK:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def write_atomically(path, data):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def parse_step(text):
    text = text.strip()
    if text in ("ok", "500", "close"):
        return (text, None)
    if text.startswith("timeout:"):
        try:
            seconds = float(text[len("timeout:"):])
        except ValueError:
            seconds = -1
        if seconds >= 0:
            return ("timeout", seconds)
    raise argparse.ArgumentTypeError(
        "bad step %r (expected ok, 500, timeout:SECONDS or close)" % text)


def parse_script(spec):
    return [parse_step(part) for part in spec.split(",") if part.strip()]


class Receiver(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: a sender opening a few dozen connections at once
    # would see its connects dropped and retried by the kernel for seconds.
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, args):
        super().__init__(address, Handler)
        self.secrets = args.secret
        self.out = args.out
        self.steps = list(args.script)
        self.step_index = 0
        self.step_lock = threading.Lock()
        self.out_lock = threading.Lock()

    def next_step(self):
        with self.step_lock:
            number = self.step_index
            self.step_index += 1
            step = self.steps[number] if number < len(self.steps) else ("ok", None)
        return number + 1, step

    def verify(self, body, headers):
        for secret in self.secrets:
            try:
                wh = Webhook(secret)
                try:
                    wh.verify(body, headers, json_parse=False)
                except TypeError:
                    # A standardwebhooks without json_parse: it parses the body after checking
                    # the signature, so a body that isn't JSON still verified.
                    try:
                        wh.verify(body, headers)
                    except ValueError as e:
                        if type(e).__name__ != "JSONDecodeError":
                            raise
                return True
            except Exception:
                continue
        return False

    def record(self, line):
        data = (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8")
        with self.out_lock:
            with open(self.out, "ab") as f:
                f.write(data)
                f.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tenure-webhook-receiver"
    sys_version = ""

    def log_message(self, format, *args):
        """Silent: the one line per request comes from say(), written whole."""

    def log_request(self, code="-", size="-"):
        pass  # do_POST logs its own line, with the step taken

    def reply(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self):
        if self.path.split("?")[0] == "/health":
            self.reply(200, b"ok", "text/plain")
        else:
            self.reply(404, b"not found", "text/plain")

    def do_POST(self):
        try:
            body = self.read_body()
        except ValueError:
            self.close_connection = True
            self.reply(400, b"bad length", "text/plain")
            return
        number, (step, seconds) = self.server.next_step()
        headers = {}
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            value = self.headers.get(name)
            if value is not None:
                headers[name] = value
        msg_id = headers.get("webhook-id")
        taken = step if seconds is None else "timeout:%g" % seconds
        say("webhook_receiver: POST #%d %s id=%s step=%s" % (number, self.path, msg_id, taken))

        if step == "500":
            self.reply(500, b'{"error":"scripted 500"}')
            return
        if step == "close":
            # No answer at all: the connection is shut once this method returns.
            self.close_connection = True
            return
        verified = self.server.verify(body, headers)
        if step == "timeout":
            time.sleep(seconds)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = body.decode("utf-8", errors="replace")
        self.server.record({
            "id": msg_id,
            "verified": verified,
            "timestamp": headers.get("webhook-timestamp"),
            "body": parsed,
            "received_at": time.time(),
        })
        say("webhook_receiver: recorded id=%s verified=%s" % (msg_id, verified))
        try:
            self.reply(200, b"{}")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the sender gave up (timeout); still recorded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port to bind; 0 picks a free one")
    parser.add_argument("--ready-file", required=True, help="written with the port once listening")
    parser.add_argument("--out", required=True, help="JSON lines file of the POSTs answered 200")
    parser.add_argument("--secret", action="append", required=True,
                        help="whsec_... signing secret; repeatable, any one may verify")
    parser.add_argument("--script", type=parse_script, default=[],
                        help="comma-separated steps: ok, 500, timeout:SECONDS, close")
    args = parser.parse_args()

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    server = Receiver(("127.0.0.1", args.port), args)  # bound and listening from here on
    port = server.server_address[1]
    write_atomically(args.ready_file, b"%d\n" % port)
    say("webhook_receiver: listening on 127.0.0.1:%d, recording to %s" % (port, args.out))
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
        say("webhook_receiver: stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
