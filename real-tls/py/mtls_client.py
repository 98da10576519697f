"""Lesson 16: a mutual TLS client in Python's standard library.

    echo hello | python3 mtls_client.py --connect 127.0.0.1:8443 --cert client.pem --key client.key \
        --ca ca.pem --server-name localhost

Sends each line of standard input and prints each reply line. The server
must present a certificate for --server-name from the CA (CERT_REQUIRED,
the default of a client context). Without --cert the client offers none.
"""

import argparse
import socket
import ssl
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connect", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--ca", required=True)
    parser.add_argument("--server-name", required=True)
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_verify_locations(cafile=args.ca)
    context.verify_mode = ssl.CERT_REQUIRED
    if args.cert:
        context.load_cert_chain(certfile=args.cert, keyfile=args.key)

    host, port = args.connect.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=args.server_name) as tls:
                print("connected, %s, %s" % (tls.version(), tls.cipher()[0]), file=sys.stderr)
                with tls.makefile("rwb") as stream:
                    for line in sys.stdin.buffer:
                        stream.write(line)
                        stream.flush()
                        reply = stream.readline()
                        if not reply:
                            print("error: the server closed the connection", file=sys.stderr)
                            return 1
                        sys.stdout.buffer.write(reply)
                        sys.stdout.flush()
    except (ssl.SSLError, OSError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
