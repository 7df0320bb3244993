#!/usr/bin/env python3
"""Tiny SMTP sink (RFC 5321 subset) on loopback: the relay behind Dovecot's submission
service in the tests. It accepts EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT, answers
everything else with 502, keeps nothing and logs one line per command to stderr.

Run: smtp_sink.py --port-file FILE [--host 127.0.0.1]
It binds port 0 itself (no race for a free port) and writes the chosen port to FILE
atomically once it is listening.
"""

import argparse
import os
import signal
import socketserver
import sys

MAX_LINE = 4096
IDLE_TIMEOUT = 60


class SinkHandler(socketserver.StreamRequestHandler):
    timeout = IDLE_TIMEOUT

    def reply(self, text):
        self.wfile.write(text.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def read_line(self):
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return None
        return line.rstrip(b"\r\n").decode("utf-8", "replace")

    def read_data(self):
        # Message content until the lone "." line (RFC 5321 section 4.1.1.4), discarded.
        while True:
            line = self.rfile.readline(MAX_LINE + 1)
            if not line or line.rstrip(b"\r\n") == b".":
                return bool(line)

    def handle(self):
        try:
            self.reply("220 localhost smtp-sink ready")
            while True:
                line = self.read_line()
                if line is None:
                    return
                verb = line.split(" ", 1)[0].upper()
                print(f"smtp-sink: {verb}", file=sys.stderr, flush=True)
                if verb == "EHLO":
                    self.wfile.write(b"250-localhost\r\n250-8BITMIME\r\n250-PIPELINING\r\n"
                                     b"250 SIZE 10485760\r\n")
                    self.wfile.flush()
                elif verb == "HELO":
                    self.reply("250 localhost")
                elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                    self.reply("250 2.0.0 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    if not self.read_data():
                        return
                    self.reply("250 2.0.0 Discarded")
                elif verb == "QUIT":
                    self.reply("221 2.0.0 Bye")
                    return
                else:
                    self.reply("502 5.5.1 Not implemented")
        except (OSError, TimeoutError):
            return


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def write_port_file(path, port):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with Server((args.host, 0), SinkHandler) as server:
        write_port_file(args.port_file, server.server_address[1])
        server.serve_forever()


if __name__ == "__main__":
    main()
