"""A Python gRPC server for proto/echo.proto, written the way the reference
text writes its mTLS server: grpc.ssl_server_credentials with
root_certificates and require_client_auth=True.

Usage: grpc_echo_server.py STUBS_DIR CERT KEY CA
Prints `listening on 127.0.0.1:PORT`, then an `accepted` line per call
naming the caller's SPIFFE ID (else its common name), as Python's gRPC
reports the verified certificate in the call's auth context."""
import sys
from concurrent import futures

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402

import echo_pb2  # noqa: E402
import echo_pb2_grpc  # noqa: E402

cert_path, key_path, ca_path = sys.argv[2:5]
with open(ca_path, "rb") as f:
    ca_cert = f.read()
with open(cert_path, "rb") as f:
    server_cert = f.read()
with open(key_path, "rb") as f:
    server_key = f.read()


class Echo(echo_pb2_grpc.EchoServicer):
    def Say(self, request, context):
        auth = context.auth_context()
        # gRPC lists the verified certificate's URI SANs and its subject CN.
        uris = [u.decode() for u in auth.get("x509_subject_alternative_name", []) if u.startswith(b"spiffe://")]
        cn = [c.decode() for c in auth.get("x509_common_name", [])]
        peer = uris[0] if uris else (cn[0] if cn else "unknown")
        print(f"accepted {peer} from {context.peer()}: Say", flush=True)
        return echo_pb2.SayReply(message=request.message, peer=peer)


creds = grpc.ssl_server_credentials(
    [(server_key, server_cert)],
    root_certificates=ca_cert,  # CA to verify client certs
    require_client_auth=True,  # this makes it mutual
)
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
echo_pb2_grpc.add_EchoServicer_to_server(Echo(), server)
port = server.add_secure_port("127.0.0.1:0", creds)
server.start()
print(f"listening on 127.0.0.1:{port}", flush=True)
server.wait_for_termination()
