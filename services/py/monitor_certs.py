"""Certificates for the monitor test, made with Python's `cryptography`:
a P-256 CA whose serial starts with a zero nibble, an Ed25519 leaf with
DNS, URI and IP SANs that expires in 10 days, an expired leaf, and a leaf
with no common name and no extensions. Usage: monitor_certs.py DIR"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def name(**attrs):
    oids = {"CN": NameOID.COMMON_NAME, "O": NameOID.ORGANIZATION_NAME}
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in attrs.items()])


def write(file, cert):
    with open(os.path.join(out, file), "wb") as f:
        f.write(cert.public_bytes(encoding=__import__("cryptography").hazmat.primitives.serialization.Encoding.PEM))


ca_key = ec.generate_private_key(ec.SECP256R1())
ca_name = name(CN="monitor test CA", O="learn-mtls")
ca = (
    x509.CertificateBuilder()
    .subject_name(ca_name)
    .issuer_name(ca_name)
    .public_key(ca_key.public_key())
    .serial_number(0x0ABCDEF0123456789)
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + datetime.timedelta(days=400, hours=5))
    .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    .sign(ca_key, hashes.SHA256())
)
write("py-ca.pem", ca)


def leaf(file, subject, not_after, sans=None):
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(ed25519.Ed25519PrivateKey.generate().public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=30))
        .not_valid_after(not_after)
    )
    if sans is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    write(file, builder.sign(ca_key, hashes.SHA256()))


leaf(
    "py-soon.pem",
    name(CN="payments"),
    now + datetime.timedelta(days=10, hours=3),
    [
        x509.DNSName("payments.shop.svc"),
        x509.UniformResourceIdentifier("spiffe://course.test/ns/shop/sa/payments"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ],
)
leaf("py-expired.pem", name(CN="old-batch-job"), now - datetime.timedelta(days=2, hours=1), [x509.DNSName("batch.test")])
leaf("py-no-cn.pem", name(O="no common name"), now + datetime.timedelta(days=90))
