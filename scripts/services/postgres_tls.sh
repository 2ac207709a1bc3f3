#!/usr/bin/env bash
# A private PostgreSQL for the TLS tests on 127.0.0.1:5433: TLS only (a plain connection is
# refused), on the test CA's certificate for `localhost`, trust auth for `postgres`. Data under
# /tmp/customer-auth-tls/pg. Leaves a running one alone.
set -euo pipefail
dir=${CUSTOMER_AUTH_TLS_DIR:-/tmp/customer-auth-tls}
port=5433
log() { printf 'services: %s\n' "$*" >&2; }
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then exit 0; fi
bash "$(dirname "$0")/tls_certs.sh"
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
data="$dir/pg"
# PostgreSQL refuses to run as root: its files belong to the postgres user.
if [ ! -s "$data/PG_VERSION" ]; then
  log "creating the TLS test PostgreSQL in $data"
  rm -rf "$data"
  install -d -o postgres -g postgres -m 700 "$data"
  runuser -u postgres -- "$bin/initdb" -D "$data" -U postgres --auth=trust >/dev/null
  printf 'hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n' > "$data/pg_hba.conf"
  chown postgres:postgres "$data/pg_hba.conf"
fi
install -o postgres -g postgres -m 600 "$dir/server.key" "$data/server.key"
install -o postgres -g postgres -m 644 "$dir/server.pem" "$data/server.pem"
log "starting the TLS test PostgreSQL on 127.0.0.1:$port"
runuser -u postgres -- "$bin/pg_ctl" -D "$data" -l "$data/postgresql.log" -w start -o \
  "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$data -c ssl=on -c ssl_cert_file=server.pem -c ssl_key_file=server.key -c max_connections=100 -c fsync=off" >/dev/null
