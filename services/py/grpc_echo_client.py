"""A Python gRPC client for proto/echo.proto, written the way the reference
text writes its mTLS client: grpc.ssl_channel_credentials with
root_certificates, private_key and certificate_chain.

Usage: grpc_echo_client.py STUBS_DIR HOST:PORT CA [CERT KEY] [MESSAGE]
STUBS_DIR holds echo_pb2.py and echo_pb2_grpc.py (grpc_tools.protoc).
Prints the reply's message and peer, one per line; on failure the gRPC
status code and details, and exits 1."""
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402

import echo_pb2  # noqa: E402
import echo_pb2_grpc  # noqa: E402

target, ca_path = sys.argv[2], sys.argv[3]
rest = sys.argv[4:]
cert_path, key_path = (rest[0], rest[1]) if len(rest) >= 2 else (None, None)
message = rest[2] if len(rest) >= 3 else "hello from Python"

with open(ca_path, "rb") as f:
    ca_cert = f.read()
client_cert = client_key = None
if cert_path:
    with open(cert_path, "rb") as f:
        client_cert = f.read()
    with open(key_path, "rb") as f:
        client_key = f.read()

creds = grpc.ssl_channel_credentials(
    root_certificates=ca_cert,  # verify the server
    private_key=client_key,  # prove I own my cert
    certificate_chain=client_cert,  # present my identity
)
# The certificate is for localhost; the target may be 127.0.0.1.
options = [("grpc.ssl_target_name_override", "localhost")]
with grpc.secure_channel(target, creds, options=options) as channel:
    stub = echo_pb2_grpc.EchoStub(channel)
    try:
        reply = stub.Say(echo_pb2.SayRequest(message=message), timeout=10)
    except grpc.RpcError as e:
        print(f"error: {e.code().name}: {e.details()}", file=sys.stderr)
        sys.exit(1)
print(reply.message)
print(reply.peer)
