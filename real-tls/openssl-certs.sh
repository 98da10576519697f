#!/usr/bin/env bash
# Lesson 16: the same CA and certificates as `16-tls-certs`, made with the
# openssl command line, as a learner would type them.
#
#     bash real-tls/openssl-certs.sh DIR
#
# Writes DIR/ca.pem, ca.key, server.pem, server.key, client.pem, client.key.
set -euo pipefail
dir=${1:?usage: openssl-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

# The CA: a key, and a self-signed certificate that may sign certificates
# and revocation lists, but no intermediate CA below it (pathlen:0).
openssl genpkey -algorithm ed25519 -out ca.key
openssl req -x509 -new -key ca.key -subj "/CN=openssl lesson 16 CA" -days 30 \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem

# Each leaf: a key, a certificate signing request (CSR), and the CA's
# signature over it, with the name and the one usage it is good for.
issue() { # role name usage
  openssl genpkey -algorithm ed25519 -out "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' \
    "$2" "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.pem"
  rm "$1.csr" "$1.ext"
}
issue server localhost serverAuth
issue client alice clientAuth
chmod 600 ca.key server.key client.key

openssl verify -CAfile ca.pem server.pem client.pem
