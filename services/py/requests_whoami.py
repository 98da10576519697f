"""GET a URL with Python `requests` and a client certificate, as a Python
service calling another would. Usage: requests_whoami.py URL [CERT KEY] CA
Prints the status code, then the body; exit 1 with the error on failure."""
import sys

import requests

url, *rest = sys.argv[1:]
cert = (rest[0], rest[1]) if len(rest) == 3 else None
try:
    response = requests.get(url, cert=cert, verify=rest[-1], timeout=10)
except requests.exceptions.RequestException as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(1)
print(response.status_code)
print(response.text, end="")
