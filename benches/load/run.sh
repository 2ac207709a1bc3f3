#!/usr/bin/env bash
# The side-by-side load benchmark: customer-auth (benches/ours) against axum-login 0.18 on
# tower-sessions 0.14 (benches/peer), on each store. Everything runs against 127.0.0.1 and stops
# by itself. Raw outputs go to benches/load/results/<date>/, the summary to its summary.md.
#
#   bash benches/load/run.sh                       # every store
#   STORES="memory sqlite" ROUNDS=1 bash benches/load/run.sh
#
# Settings (environment): STORES, ROUNDS (interleaved rounds per route), DURATION (seconds per
# wrk run), CONNS (wrk connections), LOGINS (about how many cost-4 logins fill the stores, each a
# new session; 100,000 by default, as the issue asks; LOGIN_CAP seconds at most), PG (Postgres server URL),
# REDIS_HOST, REDIS_PORT, OURS_REDIS_DB, PEER_REDIS_DB.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/benches/load"
STORES=${STORES:-"memory sqlite postgres redis"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-16}
LOGINS=${LOGINS:-100000}
LOGIN_CAP=${LOGIN_CAP:-900}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
OURS_REDIS_DB=${OURS_REDIS_DB:-14}
PEER_REDIS_DB=${PEER_REDIS_DB:-15}
OURS_PORT=3101
PEER_PORT=3102
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target-bench}

OUT="$HERE/results/$(date -u +%Y-%m-%dT%H%M%SZ)"
mkdir -p "$OUT"
SCRATCH=$(mktemp -d)
PGDB="ca_bench_$$"
PIDS=()

# wait_port and cookie_for, shared with ab.sh.
source "$HERE/servers.sh"

redis() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" "$@"; }

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ " $STORES " == *" postgres "* ]]; then
        psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    if [[ " $STORES " == *" redis "* ]]; then
        redis_clean
    fi
    rm -rf "$SCRATCH"
}
# Only our own keys: ours under its prefix, the peer's in a database number that was empty at start.
redis_clean() {
    redis -n "$OURS_REDIS_DB" --scan --pattern 'ca-bench:*' | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$OURS_REDIS_DB" UNLINK >/dev/null
    redis -n "$PEER_REDIS_DB" --scan | xargs -r -n 500 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$PEER_REDIS_DB" UNLINK >/dev/null
}
trap cleanup EXIT

# The load generator and the sqlite3 shell come from apt when missing (a fresh machine has neither).
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if ((${#missing[@]})); then
    echo "installing ${missing[*]} with apt"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi

echo "building both servers (release, target $CARGO_TARGET_DIR)"
cargo build --release --quiet --manifest-path "$ROOT/benches/ours/Cargo.toml"
cargo build --release --quiet --manifest-path "$ROOT/benches/peer/Cargo.toml"
OURS_BIN="$CARGO_TARGET_DIR/release/customer-auth-bench-ours"
PEER_BIN="$CARGO_TARGET_DIR/release/customer-auth-bench-peer"

{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores (shared)"
    echo "kernel: $(uname -r)"
    # Decides whether the hashing threads' lower priority counts against postgres and redis-server (RESULTS.md, round 6).
    echo "autogroup: $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null || echo n/a)"
    echo "rustc: $(rustc --version)"
    echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo "postgres: $(psql "$PG/postgres" -tAc 'SHOW server_version' 2>/dev/null || echo n/a)"
    echo "redis: $(redis INFO server 2>/dev/null | grep redis_version | tr -d '\r' || echo n/a)"
    echo "sqlite: $(sqlite3 --version | cut -d' ' -f1)"
    echo "settings: ROUNDS=$ROUNDS DURATION=${DURATION}s CONNS=$CONNS LOGINS=$LOGINS LOGIN_CAP=${LOGIN_CAP}s"
    grep -A2 -E '^name = "(axum-login|tower-sessions|tower-sessions-core|tower-sessions-sqlx-store|tower-sessions-redis-store|axum)"$' \
        "$ROOT/benches/peer/Cargo.lock" | grep -E '^(name|version)' | paste - - | sed 's/name = //; s/version = //; s/"//g'
} > "$OUT/machine.txt"
cat "$OUT/machine.txt"

if [[ " $STORES " == *" postgres "* ]]; then
    psql "$PG/postgres" -qc "CREATE DATABASE $PGDB" >/dev/null
fi
if [[ " $STORES " == *" redis "* ]]; then
    for db in "$OURS_REDIS_DB" "$PEER_REDIS_DB"; do
        if [[ $(redis -n "$db" DBSIZE) != 0 ]]; then
            echo "Redis database $db is not empty; pick others with OURS_REDIS_DB / PEER_REDIS_DB" >&2
            STORES=${STORES/redis/}
            exit 1
        fi
    done
fi

url_for() { # store side
    case "$1" in
        memory) echo memory ;;
        sqlite) echo "sqlite://$SCRATCH/$2.db" ;;
        postgres) echo "$PG/$PGDB" ;;
        redis) if [[ $2 == ours ]]; then echo "redis://$REDIS_HOST:$REDIS_PORT/$OURS_REDIS_DB"; else echo "redis://$REDIS_HOST:$REDIS_PORT/$PEER_REDIS_DB"; fi ;;
    esac
}

# Each phase starts from empty stores, so the seeded hash has the phase's bcrypt cost.
reset_store() { # store
    case "$1" in
        sqlite) rm -f "$SCRATCH"/*.db* ;;
        postgres) psql "$PG/$PGDB" -qc 'DROP SCHEMA IF EXISTS customer_auth_bench CASCADE; DROP SCHEMA IF EXISTS tower_sessions CASCADE' >/dev/null 2>&1 ;;
        redis) redis_clean ;;
    esac
}

start() { # store cost
    reset_store "$1"
    "$OURS_BIN" --store "$(url_for "$1" ours)" --bcrypt-cost "$2" --listen "127.0.0.1:$OURS_PORT" >>"$OUT/ours-$1.log" 2>&1 &
    OURS_PID=$!
    "$PEER_BIN" --store "$(url_for "$1" peer)" --bcrypt-cost "$2" --listen "127.0.0.1:$PEER_PORT" >>"$OUT/peer-$1.log" 2>&1 &
    PEER_PID=$!
    PIDS=("$OURS_PID" "$PEER_PID")
    wait_port "$OURS_PORT"
    wait_port "$PEER_PORT"
}
stop() {
    kill "$OURS_PID" "$PEER_PID" 2>/dev/null || true
    wait "$OURS_PID" "$PEER_PID" 2>/dev/null || true
    PIDS=()
}

# Logs each side in once per connection: every connection's requests carry their own session in
# turn (sessions.lua), as a shop's many customers would, rather than one cookie on all of them.
log_in_both() {
    mapfile -t OURS_COOKIES < <(for _ in $(seq "$CONNS"); do cookie_for "$OURS_PORT"; done)
    mapfile -t PEER_COOKIES < <(for _ in $(seq "$CONNS"); do cookie_for "$PEER_PORT"; done)
    ((${#OURS_COOKIES[@]} == CONNS && ${#PEER_COOKIES[@]} == CONNS)) || { echo "logging in $CONNS sessions per side failed" >&2; exit 1; }
}
check_protected() { # port cookie
    [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $2" "http://127.0.0.1:$1/protected") == 200 ]] \
        || { echo "port $1: /protected with a login cookie is not 200" >&2; exit 1; }
}
# wrk with the side's sessions: wrk_sessions side [wrk options] url
wrk_sessions() {
    local side=$1; shift
    if [[ $side == ours ]]; then set -- "$@" -- "${OURS_COOKIES[@]}"; else set -- "$@" -- "${PEER_COOKIES[@]}"; fi
    wrk -s "$HERE/sessions.lua" "$@"
}

side_port() { if [[ $1 == ours ]]; then echo "$OURS_PORT"; else echo "$PEER_PORT"; fi; }
side_pid() { if [[ $1 == ours ]]; then echo "$OURS_PID"; else echo "$PEER_PID"; fi; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

# What the store holds in bytes for one side (sessions and whatever else it keeps).
store_bytes() { # store side
    case "$1" in
        memory) echo 0 ;;
        sqlite)
            local db="$SCRATCH/$2.db"
            sqlite3 -cmd ".timeout 10000" "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1 || true
            sqlite3 -cmd ".timeout 10000" "$db" 'SELECT (page_count - freelist_count) * page_size FROM pragma_page_count, pragma_freelist_count, pragma_page_size;' ;;
        postgres)
            if [[ $2 == ours ]]; then
                psql "$PG/$PGDB" -tAc "SELECT pg_total_relation_size('customer_auth_bench.sessions')"
            else
                psql "$PG/$PGDB" -tAc "SELECT pg_total_relation_size('tower_sessions.session')"
            fi ;;
        redis) redis INFO memory | awk -F: '/^used_memory:/ { print $2 }' | tr -d '\r' ;;
    esac
}
store_sessions() { # store side: sessions the store holds
    case "$1" in
        memory) echo - ;;
        sqlite) if [[ $2 == ours ]]; then sqlite3 -cmd ".timeout 10000" "$SCRATCH/ours.db" 'SELECT count(*) FROM sessions'; else sqlite3 -cmd ".timeout 10000" "$SCRATCH/peer.db" 'SELECT count(*) FROM tower_sessions'; fi ;;
        postgres) if [[ $2 == ours ]]; then psql "$PG/$PGDB" -tAc 'SELECT count(*) FROM customer_auth_bench.sessions'; else psql "$PG/$PGDB" -tAc 'SELECT count(*) FROM tower_sessions.session'; fi ;;
        redis) if [[ $2 == ours ]]; then redis -n "$OURS_REDIS_DB" --scan --pattern 'ca-bench:session:*' | wc -l; else redis -n "$PEER_REDIS_DB" DBSIZE; fi ;;
    esac
}
# Redis' own per-key figure, averaged over up to 200 session keys (used_memory is server-wide).
redis_key_bytes() { # side
    local keys
    if [[ $1 == ours ]]; then
        keys=$(redis -n "$OURS_REDIS_DB" --scan --pattern 'ca-bench:session:*' | head -200)
    else
        keys=$(redis -n "$PEER_REDIS_DB" --scan | head -200)
    fi
    local db; if [[ $1 == ours ]]; then db=$OURS_REDIS_DB; else db=$PEER_REDIS_DB; fi
    for k in $keys; do redis -n "$db" MEMORY USAGE "$k" SAMPLES 0; done | awk '{ s += $1; n++ } END { if (n) printf "%.0f\n", s / n; else print "-" }'
}

for store in $STORES; do
    echo "=== $store: throughput (interleaved, $ROUNDS rounds of ${DURATION}s)"
    start "$store" 4
    log_in_both
    for c in "${OURS_COOKIES[@]}"; do check_protected "$OURS_PORT" "$c"; done
    for c in "${PEER_COOKIES[@]}"; do check_protected "$PEER_PORT" "$c"; done
    for side in ours peer; do
        port=$(side_port "$side")
        wrk_sessions "$side" -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port/bare" >/dev/null
        wrk_sessions "$side" -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port/protected" >/dev/null
    done
    for round in $(seq "$ROUNDS"); do
        for route in bare protected; do
            for side in ours peer; do
                wrk_sessions "$side" -t1 -c"$CONNS" -d"${DURATION}s" --latency \
                    "http://127.0.0.1:$(side_port "$side")/$route" > "$OUT/tp-$store-$route-$side-$round.txt"
                grep -H 'Requests/sec' "$OUT/tp-$store-$route-$side-$round.txt"
            done
        done
    done
    stop

    echo "=== $store: /protected alone and under 8 connections of cost-12 logins"
    start "$store" 12
    log_in_both
    for side in ours peer; do
        port=$(side_port "$side")
        wrk_sessions "$side" -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port/protected" >/dev/null
        wrk_sessions "$side" -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/protected" > "$OUT/alone-$store-$side.txt"
        wrk -t1 -c8 -d"$((DURATION + 2))s" -s "$HERE/login.lua" "http://127.0.0.1:$port/login" > "$OUT/logins12-$store-$side.txt" &
        login_pid=$!
        sleep 1
        wrk_sessions "$side" -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/protected" > "$OUT/underlogin-$store-$side.txt"
        wait "$login_pid"
        grep -H 'Requests/sec' "$OUT/alone-$store-$side.txt" "$OUT/underlogin-$store-$side.txt" "$OUT/logins12-$store-$side.txt"
    done
    stop

    echo "=== $store: $LOGINS cost-4 logins (8 connections): logins/s, bytes per session"
    start "$store" 4
    for side in ours peer; do
        port=$(side_port "$side")
        cookie_for "$port" >/dev/null
        pid=$(side_pid "$side")
        # wrk runs for a time, not a count: a short probe sets the time that makes about $LOGINS.
        wrk -t1 -c8 -d3s -s "$HERE/login.lua" "http://127.0.0.1:$port/login" > "$OUT/probe4-$store-$side.txt"
        rate=$(awk '/Requests\/sec/ { print $2 }' "$OUT/probe4-$store-$side.txt")
        secs=$(awk -v n="$LOGINS" -v r="$rate" -v cap="$LOGIN_CAP" 'BEGIN { s = int(n / (r > 0 ? r : 1)) + 1; print (s < cap ? s : cap) }')
        before_rss=$(rss_kb "$pid")
        before_store=$(store_bytes "$store" "$side")
        before_sessions=$(store_sessions "$store" "$side")
        wrk -t1 -c8 -d"${secs}s" -s "$HERE/login.lua" "http://127.0.0.1:$port/login" > "$OUT/logins4-$store-$side.txt"
        sleep 1
        after_rss=$(rss_kb "$pid")
        after_store=$(store_bytes "$store" "$side")
        after_sessions=$(store_sessions "$store" "$side")
        key_bytes=-
        if [[ $store == redis ]]; then key_bytes=$(redis_key_bytes "$side"); fi
        {
            echo "rss_kb_before=$before_rss"
            echo "rss_kb_after=$after_rss"
            echo "store_bytes_before=$before_store"
            echo "store_bytes_after=$after_store"
            echo "sessions_before=$before_sessions"
            echo "sessions_after=$after_sessions"
            echo "redis_memory_usage_per_key=$key_bytes"
        } > "$OUT/mem-$store-$side.txt"
        grep -H 'Requests/sec' "$OUT/logins4-$store-$side.txt"
        cat "$OUT/mem-$store-$side.txt" | tr '\n' ' '; echo
    done
    stop
    if [[ $store == redis ]]; then redis_clean; fi
done

python3 "$HERE/summarize.py" "$OUT" | tee "$OUT/summary.md"
echo "raw outputs in $OUT"
