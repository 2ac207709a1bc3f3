#!/usr/bin/env bash
# A private Redis for the TLS tests on 127.0.0.1:6390: TLS only (no plain port), on the test
# CA's certificate for `localhost`; client certificates are asked for but optional. Leaves a
# running one alone.
set -euo pipefail
dir=${CUSTOMER_AUTH_TLS_DIR:-/tmp/customer-auth-tls}
port=6390
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then exit 0; fi
bash "$(dirname "$0")/tls_certs.sh"
printf 'services: %s\n' "starting the TLS test Redis on 127.0.0.1:$port" >&2
redis-server --daemonize yes --bind 127.0.0.1 --port 0 --tls-port "$port" \
  --tls-cert-file "$dir/server.pem" --tls-key-file "$dir/server.key" --tls-ca-cert-file "$dir/ca.pem" \
  --tls-auth-clients optional --save "" --appendonly no --dir "$dir" --logfile "$dir/redis-tls.log"
for _ in $(seq 1 40); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then exit 0; fi
  sleep 0.25
done
printf 'services: %s\n' "the TLS test Redis did not come up on 127.0.0.1:$port; see $dir/redis-tls.log" >&2
exit 1
