#!/usr/bin/env bash
# Makes the certificates of the TLS tests in directory $1 (created), with openssl only:
#   ca.pem/ca.key                 the test CA
#   server.pem/.key               server cert signed by the CA, SAN localhost and 127.0.0.1
#   client.pem/.key               client cert (clientAuth) signed by the CA
#   expired.pem/.key              server cert signed by the CA, valid only in 2020
#   expired-client.pem/.key       client cert signed by the CA, valid only in 2020
#   wronghost.pem/.key            server cert signed by the CA for other.example only
#   rogue-ca.pem/.key             an unrelated CA
#   rogue-server.pem/.key         server cert (localhost, 127.0.0.1) signed by the rogue CA
#   rogue-client.pem/.key         client cert signed by the rogue CA
# Everything is EC P-256 (fast); nothing is fetched from anywhere.
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

ca() {  # ca NAME SUBJECT
  key "$1"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -out "$1.pem" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}

# An `openssl ca` setup per CA, to set validity dates freely (expired certificates).
ca_conf() {  # ca_conf NAME
  mkdir -p "$1.db"
  : >"$1.db/index.txt"
  echo 1000 >"$1.db/serial"
  cat >"$1.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
dir = $1.db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $1.pem
private_key = $1.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
[ server ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = \${ENV::SAN}
[ client ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
EOF
}

leaf() {  # leaf CA NAME KIND(server|client) SAN STARTDATE ENDDATE
  local ca=$1 name=$2 kind=$3 san=$4 start=$5 end=$6
  key "$name"
  openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr"
  SAN=$san openssl ca -batch -notext -config "$ca.cnf" -extensions "$kind" \
    -startdate "$start" -enddate "$end" -in "$name.csr" -out "$name.pem" 2>/dev/null
}

now=$(date -u -d '-1 hour' +%Y%m%d%H%M%SZ)
later=$(date -u -d '+2 days' +%Y%m%d%H%M%SZ)
local_san="DNS:localhost,IP:127.0.0.1"

ca ca "mgi test CA"
ca_conf ca
leaf ca server server "$local_san" "$now" "$later"
leaf ca client client "$local_san" "$now" "$later"
leaf ca expired server "$local_san" 20200101000000Z 20200201000000Z
leaf ca expired-client client "$local_san" 20200101000000Z 20200201000000Z
leaf ca wronghost server "DNS:other.example" "$now" "$later"

ca rogue-ca "rogue CA"
ca_conf rogue-ca
leaf rogue-ca rogue-server server "$local_san" "$now" "$later"
leaf rogue-ca rogue-client client "$local_san" "$now" "$later"

# Self-checks: the chain verifies, the expired one is expired.
openssl verify -CAfile ca.pem server.pem client.pem wronghost.pem >/dev/null
if openssl verify -CAfile ca.pem expired.pem >/dev/null 2>&1; then
  echo "expired.pem unexpectedly verifies" >&2
  exit 1
fi
