"""Counting receivers for bench/outbox/run.sh: an HTTP/1.1 webhook receiver (asyncio, keep-alive)
and an SMTP sink (aiosmtpd), each answering as fast as it can, keeping every delivery id
(webhook-id / Message-ID) and its arrival time in memory. On SIGTERM each prints one JSON line:
deliveries, distinct ids, repeats, and arrival times relative to the time in --since-file (p50, p99, last).

Usage: receivers.py webhook|smtp --port-file FILE --since-file FILE (read when stopped)
Not a test peer: it does not verify signatures (the tests do, with standardwebhooks); it measures.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time


class Tally:
    def __init__(self):
        self.seen = {}
        self.repeats = 0

    def add(self, key):
        if key in self.seen:
            self.repeats += 1
        else:
            self.seen[key] = time.time()

    def summary(self, since):
        arrivals = sorted(t - since for t in self.seen.values())

        def pick(q):
            return round(arrivals[min(len(arrivals) - 1, int(q * len(arrivals)))], 3) if arrivals else None

        return {"deliveries": len(self.seen) + self.repeats, "distinct": len(self.seen), "repeats": self.repeats,
                "p50_s": pick(0.50), "p99_s": pick(0.99), "last_s": pick(1.0)}


async def webhook_connection(reader, writer, tally):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length, key = 0, None
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"webhook-id":
                    key = value.strip().decode()
            if length:
                await reader.readexactly(length)
            tally.add(key)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()


async def serve_webhooks(tally):
    server = await asyncio.start_server(lambda r, w: webhook_connection(r, w, tally), "127.0.0.1", 0, backlog=512)
    return server, server.sockets[0].getsockname()[1]


async def serve_smtp(tally):
    from aiosmtpd.smtp import SMTP

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            raw = envelope.original_content or b""
            key = None
            for line in raw.split(b"\r\n"):
                if not line:
                    break
                if line.lower().startswith(b"message-id:"):
                    key = line.split(b":", 1)[1].strip().decode()
            tally.add(key)
            return "250 OK"

    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Handler(), hostname="bench.local"), "127.0.0.1", 0, backlog=512)
    return server, server.sockets[0].getsockname()[1]


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["webhook", "smtp"])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--since-file", required=True, help="holds the enqueue time (epoch seconds) when stopped")
    args = parser.parse_args()
    tally = Tally()
    server, port = await (serve_webhooks(tally) if args.kind == "webhook" else serve_smtp(tally))
    with open(args.port_file + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.replace(args.port_file + ".tmp", args.port_file)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()
    with open(args.since_file) as f:
        since = float(f.read().strip())
    print(json.dumps(tally.summary(since)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
