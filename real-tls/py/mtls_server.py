"""Lesson 16: a mutual TLS server in Python's standard library.

    python3 mtls_server.py --listen 127.0.0.1:0 --cert server.pem --key server.key --ca ca.pem

Prints `listening on HOST:PORT`, then `accepted SUBJECT` or `rejected REASON`
for each client, and echoes each line back in upper case (so a test can
tell the reply came from here). CERT_REQUIRED: a client without a
certificate from the CA is refused during the handshake.
"""

import argparse
import socket
import ssl
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listen", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--connections", type=int, default=1)
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(certfile=args.cert, keyfile=args.key)
    context.load_verify_locations(cafile=args.ca)
    context.verify_mode = ssl.CERT_REQUIRED

    host, port = args.listen.rsplit(":", 1)
    with socket.create_server((host, int(port))) as server:
        print("listening on %s:%d" % server.getsockname()[:2], flush=True)
        for _ in range(args.connections):
            conn, _ = server.accept()
            conn.settimeout(10)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    subject = dict(x[0] for x in tls.getpeercert()["subject"])
                    print("accepted CN=%s" % subject.get("commonName"), flush=True)
                    with tls.makefile("rwb") as stream:
                        for line in stream:
                            stream.write(line.upper())
                            stream.flush()
            except (ssl.SSLError, OSError) as e:
                print("rejected %s" % e, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
