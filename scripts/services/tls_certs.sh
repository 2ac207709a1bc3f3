#!/usr/bin/env bash
# Makes the test CA and a server certificate for `localhost` (and only that name) under
# /tmp/customer-auth-tls, unless they are there: the TLS tests verify against this CA, and
# connect to 127.0.0.1 to see a host name that does not match refused.
set -euo pipefail
dir=${CUSTOMER_AUTH_TLS_DIR:-/tmp/customer-auth-tls}
mkdir -p "$dir"
cd "$dir"
if [ -s ca.pem ] && [ -s server.pem ] && [ -s server.key ]; then exit 0; fi
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=customer-auth test CA" \
  -keyout ca.key -out ca.pem -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -extfile server.ext -out server.pem >/dev/null 2>&1
chmod 644 ca.pem server.pem
chmod 600 server.key
