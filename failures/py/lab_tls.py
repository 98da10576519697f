"""The failure lab's Python side, with the standard library's ssl module.

    lab_tls.py client HOST PORT CA SERVER_NAME [CERT KEY]
    lab_tls.py server CERT KEY CA required|optional [CRL]

The client connects, finishes the handshake, sends a line and waits for
an answer; it prints `connected` or the exception as `Type: message`. The
server prints `listening on HOST:PORT`, then `accepted` or `refused: Type:
message` for each connection. Either prints `error: Type: message` if it
cannot even load its files."""
import socket
import ssl
import sys


def describe(e):
    return f"{type(e).__name__}: {e}"


def client(host, port, ca, server_name, cert=None, key=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        context.load_verify_locations(ca)
        if cert:
            context.load_cert_chain(cert, key)
    except Exception as e:  # the files themselves
        print(f"error: {describe(e)}", flush=True)
        return 1
    try:
        with socket.create_connection((host, int(port)), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=server_name) as tls:
                # TLS 1.3: the server's verdict on our certificate comes
                # after the handshake, so talk once.
                tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
                tls.recv(1)
        print("connected", flush=True)
        return 0
    except Exception as e:
        print(describe(e), flush=True)
        return 1


def server(cert, key, ca, mode, crl=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert, key)
        context.load_verify_locations(ca)
        if crl:
            context.load_verify_locations(crl)
            context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
    except Exception as e:
        print(f"error: {describe(e)}", flush=True)
        return 1
    context.verify_mode = ssl.CERT_REQUIRED if mode == "required" else ssl.CERT_OPTIONAL
    listener = socket.create_server(("127.0.0.1", 0))
    host, port = listener.getsockname()[:2]
    print(f"listening on {host}:{port}", flush=True)
    while True:
        raw, _ = listener.accept()
        raw.settimeout(10)
        try:
            with context.wrap_socket(raw, server_side=True) as tls:
                tls.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello\n")
                peer = tls.getpeercert()
                print("accepted " + ("a client certificate" if peer else "no client certificate"), flush=True)
        except Exception as e:
            print(f"refused: {describe(e)}", flush=True)


if __name__ == "__main__":
    role, args = sys.argv[1], sys.argv[2:]
    sys.exit(client(*args) if role == "client" else server(*args))
