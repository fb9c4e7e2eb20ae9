#!/usr/bin/env python3
"""SMTP sink: a real SMTP server (aiosmtpd) that Tenure's integration tests send mail to.

Usage: smtp_sink.py --port PORT --out DIR [--ready-file FILE]

Listens on 127.0.0.1 only (port 0 picks a free port), with no auth and no TLS, and accepts any
sender and recipients. Once it accepts connections it writes the port it got (digits and a
newline) to FILE, atomically (a temporary file in the same folder, then os.replace): the tests
wait for that file.

Every message is written, as the raw bytes received, to DIR/<pid>-<counter>.eml (atomically and
flushed to the kernel), then its Message-ID header value (or "-" when it has none) is appended as one line to
DIR/acknowledged.log (flushed to the kernel), and only then is it answered "250 OK". So a message
is acknowledged only once it is on disk, and a sink killed with SIGKILL and started again never
overwrites a file of an earlier run (the pid differs; if a pid is reused, the counter goes on past
that pid's files). A failed write answers an SMTP error instead of 250.

Runs until killed; SIGTERM and SIGINT exit cleanly with status 0.
"""

import argparse
import asyncio
import email.parser
import os
import re
import signal
import ssl
import sys
import threading
import tempfile

from aiosmtpd.smtp import SMTP


_SAY_LOCK = threading.Lock()


def say(text):
    """One line on stderr, written whole: the tests read these lines as events."""
    with _SAY_LOCK:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


def write_atomically(path, data):
    """Writes data (bytes) to path through a temporary file in the same folder."""
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


def message_id(raw):
    try:
        headers = email.parser.BytesHeaderParser().parsebytes(raw)
        value = headers.get("Message-ID")
    except Exception:
        value = None
    if value is None:
        return "-"
    # One line per message, whatever the header held.
    return " ".join(str(value).split()) or "-"


class SinkHandler:
    def __init__(self, out):
        self.out = out
        self.pid = os.getpid()
        # A reused pid must not overwrite an earlier run's files: go on after the highest counter.
        pattern = re.compile(r"^%d-(\d+)\.eml$" % self.pid)
        self.counter = max(
            (int(m.group(1)) for m in map(pattern.match, os.listdir(out)) if m), default=0
        )
        self.log_path = os.path.join(out, "acknowledged.log")

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        # Synchronous on purpose: the counter, the file and the log line stay in step, and the
        # 250 below is sent only after both are on disk.
        self.counter += 1
        name = "%d-%d.eml" % (self.pid, self.counter)
        write_atomically(os.path.join(self.out, name), raw)
        mid = message_id(raw)
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(mid + "\n")
            log.flush()
        say("smtp_sink: %s from %s to %s, Message-ID %s"
            % (name, envelope.mail_from, ",".join(envelope.rcpt_tos), mid))
        return "250 OK"


async def serve(args):
    os.makedirs(args.out, exist_ok=True)
    handler = SinkHandler(args.out)
    loop = asyncio.get_running_loop()
    tls = {}
    if args.tls_cert:
        # STARTTLS offered and required before MAIL: a client that does not upgrade is refused.
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        tls = {"tls_context": context, "require_starttls": True}
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            hostname="tenure-smtp-sink",  # avoids a DNS lookup of the machine's name
            enable_SMTPUTF8=True,
            decode_data=False,
            **tls,
        ),
        host="127.0.0.1",
        port=args.port,
    )
    port = server.sockets[0].getsockname()[1]
    # create_server has bound and is listening: connections are accepted from here on.
    if args.ready_file:
        write_atomically(args.ready_file, b"%d\n" % port)
    say("smtp_sink: listening on 127.0.0.1:%d, writing to %s" % (port, args.out))

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    # Open connections are cancelled by asyncio.run on the way out; no waiting for clients.
    server.close()
    say("smtp_sink: stopped")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="port to bind; 0 picks a free one")
    parser.add_argument("--out", required=True, help="folder for the .eml files and acknowledged.log")
    parser.add_argument("--ready-file", help="written with the port once listening")
    parser.add_argument("--tls-cert", help="PEM certificate chain: offer (and require) STARTTLS")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    args = parser.parse_args()
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
