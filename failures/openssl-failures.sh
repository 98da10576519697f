#!/usr/bin/env bash
# Lesson 18: the failure lab's certificates made with plain openssl
# commands, the same file names `18-failure-certs --out DIR` writes.
#
#     bash failures/openssl-failures.sh DIR
#
# `openssl x509 -req` makes most of them; `openssl ca` the rest, since only
# it can choose the validity dates (expired, not yet valid) and keep the
# index of revoked certificates a CRL is made from. Also writes
# ed448-server-full.pem, which the course's tool cannot make (ring has no
# Ed448): the key type that some stacks refuse; and ocsp-server.pem, whose
# status `openssl ocsp` serves from the intermediate's index.
set -euo pipefail
dir=${1:?usage: openssl-failures.sh DIR}
mkdir -p "$dir"
cd "$dir"

p256() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# A CA's working directory for `openssl ca`: its database (index.txt) of
# what it issued and revoked, and a minimal configuration.
ca_db() { # name cert key
  mkdir -p "$1.db"
  : > "$1.db/index.txt"
  echo 1000 > "$1.db/serial"
  echo 1000 > "$1.db/crlnumber"
  cat > "$1.db/ca.cnf" <<CNF
[ca]
default_ca = this
[this]
database = $1.db/index.txt
serial = $1.db/serial
crlnumber = $1.db/crlnumber
new_certs_dir = $1.db
certificate = $2
private_key = $3
default_md = sha256
default_crl_days = 7
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = supplied
CNF
}

# The root (one CA below it allowed), the intermediate (none), another root.
p256 ca.key
openssl req -x509 -new -key ca.key -subj "/CN=openssl lesson 18 root CA" -days 365 \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:1" \
  -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" -out ca.pem
p256 intermediate.key
openssl req -new -key intermediate.key -subj "/CN=openssl lesson 18 intermediate CA" -out intermediate.csr
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n' > intermediate.ext
openssl x509 -req -in intermediate.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 \
  -extfile intermediate.ext -out intermediate.pem 2>/dev/null
p256 other-ca.key
openssl req -x509 -new -key other-ca.key -subj "/CN=some other openssl CA" -days 365 \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -out other-ca.pem
ca_db intermediate intermediate.pem intermediate.key
ca_db root ca.pem ca.key

# extensions FILE NAME USAGE [nosan]: a leaf's extensions.
extensions() {
  {
    [ "${4:-}" = nosan ] || echo "subjectAltName=DNS:$2"
    echo "extendedKeyUsage=$3"
    echo "keyUsage=critical,digitalSignature"
    echo "basicConstraints=CA:FALSE"
  } > "$1"
}

# leaf STEM NAME USAGE ISSUER [nosan]: key, request, certificate signed by
# ISSUER (intermediate or other-ca) for 30 days; STEM-full.pem adds ISSUER.
leaf() {
  p256 "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  extensions "$1.ext" "$2" "$3" "${5:-}"
  openssl x509 -req -in "$1.csr" -CA "$4.pem" -CAkey "$4.key" -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.only.pem" 2>/dev/null
  cat "$1.only.pem" "$4.pem" > "$1-full.pem"
}

# dated STEM NAME USAGE START END: signed by the intermediate with
# `openssl ca`, valid from START to END (YYYYMMDDHHMMSSZ).
dated() {
  p256 "$1.key"
  openssl req -new -key "$1.key" -subj "/CN=$2" -out "$1.csr"
  extensions "$1.ext" "$2" "$3"
  openssl ca -batch -notext -config intermediate.db/ca.cnf -in "$1.csr" -extfile "$1.ext" \
    -startdate "$4" -enddate "$5" -out "$1.only.pem" 2>/dev/null
  cat "$1.only.pem" intermediate.pem > "$1-full.pem"
}
at() { date -u -d "$1" +%Y%m%d%H%M%SZ; }

leaf server localhost serverAuth intermediate
cp server.only.pem server.pem
leaf client alice clientAuth intermediate
cp client.only.pem client.pem
leaf other-server localhost serverAuth other-ca
leaf other-client alice clientAuth other-ca
dated expired-server localhost serverAuth "$(at '32 days ago')" "$(at '2 days ago')"
dated expired-client alice clientAuth "$(at '32 days ago')" "$(at '2 days ago')"
dated future-server localhost serverAuth "$(at '2 days')" "$(at '32 days')"
leaf wrongname-server www.example.test serverAuth intermediate
leaf nosan-server localhost serverAuth intermediate nosan
dated revoked-client alice clientAuth "$(at '1 hour ago')" "$(at '30 days')"
# For OCSP: a server certificate in the intermediate's index, which
# `openssl ocsp -index intermediate.db/index.txt` answers for.
dated ocsp-server localhost serverAuth "$(at '1 hour ago')" "$(at '30 days')"
cp ocsp-server.only.pem ocsp-server.pem

# Revoke it, and publish both CAs' lists (the root's is empty): a verifier
# that checks the whole chain needs one for the intermediate too.
openssl ca -config intermediate.db/ca.cnf -revoke revoked-client.only.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -config intermediate.db/ca.cnf -gencrl -out intermediate.crl 2>/dev/null
openssl ca -config root.db/ca.cnf -gencrl -out root.crl 2>/dev/null
cat intermediate.crl root.crl > crl.pem
cat ca.pem intermediate.pem > ca-and-intermediate.pem

# Ed448: OpenSSL makes it, rustls and Go cannot use it.
openssl genpkey -algorithm ed448 -out ed448-server.key
openssl req -new -key ed448-server.key -subj "/CN=localhost" -out ed448-server.csr
extensions ed448-server.ext localhost serverAuth
openssl x509 -req -in ed448-server.csr -CA intermediate.pem -CAkey intermediate.key -CAcreateserial \
  -days 30 -extfile ed448-server.ext -out ed448-server.only.pem 2>/dev/null
cat ed448-server.only.pem intermediate.pem > ed448-server-full.pem

rm -f ./*.csr ./*.ext ./*.only.pem intermediate.crl root.crl
chmod 600 ./*.key
openssl verify -CAfile ca.pem -untrusted intermediate.pem server.pem client.pem
