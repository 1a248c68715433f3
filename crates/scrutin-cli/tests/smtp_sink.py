"""A real SMTP server on loopback for the tests (aiosmtpd): each message received is written
to OUTDIR as NNNNN.eml (envelope recipients first, as an X-Rcpt header). Prints READY once
listening; stops when its standard input closes.

    python3 smtp_sink.py PORT OUTDIR
"""
import itertools
import os
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = itertools.count()

    async def handle_DATA(self, server, session, envelope):
        path = os.path.join(self.outdir, f"{next(self.n):05d}.eml")
        content = envelope.content if isinstance(envelope.content, bytes) else envelope.content.encode()
        with open(path + ".tmp", "wb") as f:
            f.write(("X-Rcpt: " + ",".join(envelope.rcpt_tos) + "\r\n").encode() + content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def main():
    port, outdir = int(sys.argv[1]), sys.argv[2]
    c = Controller(Sink(outdir), hostname="127.0.0.1", port=port)
    c.start()
    print("READY", flush=True)
    sys.stdin.read()
    c.stop()


if __name__ == "__main__":
    main()
