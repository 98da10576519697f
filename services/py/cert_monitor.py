# cert_monitor.py: the reference text's certificate rotation checker, kept
# as it is except where marked "CHANGED", which the current `cryptography`
# (48) and Python (3.12+) require or where the text's code does not run.
# `17-cert-monitor` must agree with it on every field (services/tests/monitor.rs).
import json
import sys

from cryptography import x509
from cryptography.hazmat.backends import default_backend
import datetime


def load_certificate(cert_path: str) -> x509.Certificate:
    with open(cert_path, 'rb') as f:
        return x509.load_pem_x509_certificate(f.read(), default_backend())


# CHANGED: `str(name)` of a GeneralName is now its repr
# (`<DNSName(value='alice')>`); the report uses OpenSSL's `DNS:alice` form.
def san_text(name) -> str:
    if isinstance(name, x509.DNSName):
        return "DNS:" + name.value
    if isinstance(name, x509.UniformResourceIdentifier):
        return "URI:" + name.value
    if isinstance(name, x509.IPAddress):
        return "IP:" + str(name.value)
    if isinstance(name, x509.RFC822Name):
        return "email:" + name.value
    return str(name)


def check_certificate_health(cert_path: str, warn_days: int = 30) -> dict:
    """
    Audit a certificate for upcoming expiry and other health signals.
    Returns a health report dict.
    """
    cert = load_certificate(cert_path)
    # CHANGED: utcnow() and the naive not_valid_after are deprecated; both
    # times are now aware (UTC), so expiry_date ends in +00:00.
    now = datetime.datetime.now(datetime.timezone.utc)
    expiry = cert.not_valid_after_utc
    days_remaining = (expiry - now).days

    # Extract Subject Alternative Names
    try:
        san_ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        sans = [san_text(name) for name in san_ext.value]  # CHANGED: see san_text
    except x509.ExtensionNotFound:
        sans = []

    # Extract basic constraints (is this a CA cert?)
    try:
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
        is_ca = bc.value.ca
    except x509.ExtensionNotFound:
        is_ca = False

    subject_cn = cert.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)
    # CHANGED: get_attributes_for_oid returns a list; the text's
    # `subject_cn.value` raises AttributeError.
    cn = subject_cn[0].value if subject_cn else "Unknown"

    status = "HEALTHY"
    if days_remaining < 0:
        status = "EXPIRED"
    elif days_remaining < warn_days:
        status = "EXPIRING_SOON"

    return {
        "common_name": cn,
        "is_ca": is_ca,
        "expiry_date": expiry.isoformat(),
        "days_remaining": days_remaining,
        "sans": sans,
        "serial_number": hex(cert.serial_number),
        "status": status,
        "action_required": status != "HEALTHY"
    }


def audit_mtls_certificates(cert_paths: list[str]) -> None:
    """Audit all certificates in an mTLS deployment."""
    print(f"{'Certificate':<30} {'Status':<15} {'Days Left':<12} {'Expiry'}")
    print("-" * 80)
    for path in cert_paths:
        report = check_certificate_health(path)
        alert = "⚠️ " if report['action_required'] else "✅ "
        print(
            f"{alert}{report['common_name']:<28} "
            f"{report['status']:<15} "
            f"{report['days_remaining']:<12} "
            f"{report['expiry_date'][:10]}"
        )


# CHANGED: the text audits three fixed file names at import; here the files
# come from the command line, and `--json` prints each report, one a line.
if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--json":
        for path in args[1:]:
            print(json.dumps(check_certificate_health(path)))
    else:
        audit_mtls_certificates(args)
