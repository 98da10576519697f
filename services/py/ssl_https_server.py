"""An HTTPS server in Python's standard library that requires a client
certificate (ssl.CERT_REQUIRED, TLS 1.3), for `17-https-client` to talk to.
GET /whoami answers JSON with the subject and SANs Python's ssl saw.
Usage: ssl_https_server.py CERT KEY CLIENT_CA
Prints `listening on HOST:PORT`, then a line per request or refusal."""
import http.server
import json
import ssl
import sys

cert, key, client_ca = sys.argv[1:4]
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.minimum_version = ssl.TLSVersion.TLSv1_3
context.verify_mode = ssl.CERT_REQUIRED
context.load_cert_chain(cert, key)
context.load_verify_locations(client_ca)


class WhoAmI(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        peer = self.connection.getpeercert()
        subject = ", ".join(f"{k}={v}" for rdn in peer["subject"] for k, v in rdn)
        subject = subject.replace("commonName=", "CN=")
        sans = [f"{kind}:{value}" for kind, value in peer.get("subjectAltName", ())]
        status, body = (200, {"subject": subject, "sans": sans}) if self.path == "/whoami" else (404, {})
        payload = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):
        print(f"accepted {self.client_address[0]}: {format % args}", flush=True)


class Server(http.server.HTTPServer):
    def get_request(self):
        sock, addr = self.socket.accept()
        return sock, addr

    def finish_request(self, request, client_address):
        try:
            tls = context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            print(f"rejected {client_address[0]}: {e}", flush=True)
            return
        super().finish_request(tls, client_address)


server = Server(("127.0.0.1", 0), WhoAmI)
print(f"listening on 127.0.0.1:{server.server_address[1]}", flush=True)
server.serve_forever()
