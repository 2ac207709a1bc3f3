#!/usr/bin/env bash
# Makes sure what the tests need is there: PostgreSQL on 127.0.0.1:5432 (user postgres, trust
# auth, database `test`), a TLS-only PostgreSQL of the tests' own on 127.0.0.1:5433 (its CA in
# /tmp/customer-auth-tls), Redis on 127.0.0.1:6379, a TLS-only one on 127.0.0.1:6390 and a
# Redis Cluster of 3 masters and 3 replicas on 127.0.0.1:7100-7105, and Chromium with its
# WebDriver for the browser test. Installs them with apt where they are missing, starts the
# servers where they are down, and fails loudly when that does not work.
set -euo pipefail

log() { printf 'services: %s\n' "$*" >&2; }

apt_install() {
  if ! command -v apt-get >/dev/null; then
    log "cannot install $* without apt-get; install it by hand and run the tests again"
    return 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do
    port_open "$port" && return 0
    sleep 0.5
  done
  log "$name did not come up on 127.0.0.1:$port within 30 s"
  return 1
}

ensure_postgres() {
  if port_open 5432; then return 0; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "PostgreSQL is not installed; installing it with apt"
    apt_install postgresql
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  local hba="/etc/postgresql/$version/main/pg_hba.conf"
  # The tests connect as postgres over TCP without a password, as on the project's machines.
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  wait_for_port 5432 PostgreSQL
  if command -v psql >/dev/null && ! psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = 'test'" | grep -q 1; then
    psql -h 127.0.0.1 -U postgres -c 'create database test' >/dev/null
  fi
}

ensure_redis() {
  if port_open 6379; then return 0; fi
  if ! command -v redis-server >/dev/null; then
    log "Redis is not installed; installing it with apt"
    apt_install redis-server
  fi
  mkdir -p /var/lib/redis /var/log/redis
  log "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for_port 6379 Redis
}

ensure_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return 0; fi
  log "Chromium or its driver is missing; installing chromium and chromium-driver with apt"
  apt_install chromium chromium-driver
}

ensure_postgres
ensure_redis
ensure_chromium
bash "$(dirname "$0")/services/postgres_tls.sh"
bash "$(dirname "$0")/services/redis_tls.sh"
bash "$(dirname "$0")/services/redis_cluster.sh"
