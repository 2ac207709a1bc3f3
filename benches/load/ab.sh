#!/usr/bin/env bash
# A quick A/B of bench server binaries on one store: each binary in turn, 16 sessions, /protected
# with a different session per request (sessions.lua), twice, then with one cookie on every
# connection. For trying one change before a full run of run.sh.
#
#   bash benches/load/ab.sh postgres /path/to/old-ours /path/to/new-ours /path/to/peer
#
# Stores: memory, sqlite (a temp file), postgres (a database ab_bench_<pid>, dropped after), redis
# (DB 13, which must be empty). DUR sets the seconds per wrk run (4).
set -euo pipefail

STORE=$1; shift
HERE=$(cd "$(dirname "$0")" && pwd)
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS_DB=${REDIS_DB:-13}
PGDB="ab_bench_$$"
SCRATCH=$(mktemp -d)
PORT=3201
source "$HERE/servers.sh"
cleanup() {
    [[ $STORE == postgres ]] && psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1
    # The database was empty when the script began (checked below), so all it holds is ours and the peer's.
    [[ $STORE == redis ]] && redis-cli -n "$REDIS_DB" FLUSHDB >/dev/null
    rm -rf "$SCRATCH"
}
trap cleanup EXIT
if [[ $STORE == redis && $(redis-cli -n "$REDIS_DB" DBSIZE) != 0 ]]; then
    echo "Redis database $REDIS_DB is not empty; pick another with REDIS_DB" >&2; exit 1
fi
[[ $STORE == postgres ]] && psql "$PG/postgres" -qc "CREATE DATABASE $PGDB" >/dev/null

for bin in "$@"; do
    case $STORE in
        memory) url=memory ;;
        sqlite) rm -f "$SCRATCH"/ab.db*; url="sqlite://$SCRATCH/ab.db" ;;
        postgres) psql "$PG/$PGDB" -qc 'DROP SCHEMA IF EXISTS customer_auth_bench CASCADE; DROP SCHEMA IF EXISTS tower_sessions CASCADE' >/dev/null 2>&1
                  url="$PG/$PGDB" ;;
        redis) redis-cli -n "$REDIS_DB" FLUSHDB >/dev/null; url="redis://127.0.0.1:6379/$REDIS_DB" ;;
    esac
    "$bin" --store "$url" --bcrypt-cost 4 --listen "127.0.0.1:$PORT" >"$SCRATCH/server.log" 2>&1 &
    pid=$!
    wait_port "$PORT"
    mapfile -t cookies < <(for _ in $(seq 16); do cookie_for "$PORT"; done)
    wrk -t1 -c16 -d2s -s "$HERE/sessions.lua" "http://127.0.0.1:$PORT/protected" -- "${cookies[@]}" >/dev/null
    for _ in 1 2; do
        echo "$(basename "$bin") $STORE 16 sessions: $(wrk -t1 -c16 -d"${DUR:-4}s" --latency -s "$HERE/sessions.lua" \
            "http://127.0.0.1:$PORT/protected" -- "${cookies[@]}" | grep -E 'Requests/sec|  99%' | tr -s ' ' | tr '\n' ' ')"
    done
    echo "$(basename "$bin") $STORE 1 cookie: $(wrk -t1 -c16 -d"${DUR:-4}s" --latency -H "Cookie: ${cookies[0]}" \
        "http://127.0.0.1:$PORT/protected" | grep -E 'Requests/sec|  99%' | tr -s ' ' | tr '\n' ' ')"
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
