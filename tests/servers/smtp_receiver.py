#!/usr/bin/env python3
"""Receiving SMTP server (RFC 5321, with 8BITMIME, SMTPUTF8 and SIZE) on loopback, built on
aiosmtpd: the relay behind Dovecot's submission service in the tests. Every accepted
message is written to the spool directory as one JSON file (envelope, MAIL parameters and
the message bytes in base64), so tests can assert exactly what arrived. The reply to the
message is Postfix-shaped: "250 2.0.0 Ok: queued as <ID>" with ID = the file's stem.

Run: smtp_receiver.py --port-file FILE --spool DIR [--host 127.0.0.1]
It binds port 0 itself and writes the chosen port to FILE atomically once it listens.
"""

import argparse
import asyncio
import base64
import json
import os
import signal
import sys

try:
    from aiosmtpd.controller import Controller  # noqa: F401
except ImportError:  # Debian's python3-aiosmtpd, when another python3 runs this script
    sys.path.append("/usr/lib/python3/dist-packages")
from aiosmtpd.smtp import SMTP  # noqa: E402

SIZE_LIMIT = 10 * 1024 * 1024


class Spool:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = f"Q{os.getpid()}N{self.count:04d}"
        record = {
            "queue_id": stem,
            "mail_from": envelope.mail_from,
            "mail_options": envelope.mail_options,
            "rcpt_tos": envelope.rcpt_tos,
            "data_b64": base64.b64encode(envelope.original_content or b"").decode("ascii"),
        }
        tmp = os.path.join(self.directory, stem + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(tmp, os.path.join(self.directory, stem + ".json"))
        print(f"smtp-receiver: queued {stem}", file=sys.stderr, flush=True)
        return f"250 2.0.0 Ok: queued as {stem}"


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


async def serve(args):
    spool = Spool(args.spool)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(spool, data_size_limit=SIZE_LIMIT, enable_SMTPUTF8=True,
                     decode_data=False, hostname="receiver.localhost"),
        host=args.host, port=0)
    write_port_file(args.port_file, server.sockets[0].getsockname()[1])
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    async with server:
        await stop.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--spool", required=True)
    args = parser.parse_args()
    os.makedirs(args.spool, exist_ok=True)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
