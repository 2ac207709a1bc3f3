#!/usr/bin/env bash
# Store faults under load: camerastore on Postgres (customers, orders) + Redis (sessions), with
# mixload's mixed traffic running throughout, while this script
#   1. restarts PostgreSQL (pg_ctl restart -m fast),
#   2. restarts Redis (SHUTDOWN, then starts it again),
#   3. blocks PostgreSQL for BLOCK seconds (SIGSTOP to the postmaster and every backend, then SIGCONT),
#   4. blocks Redis for BLOCK seconds (SIGSTOP/SIGCONT),
# with WARMUP (20 s) before and SETTLE (25 s) after each. Then the load stops, KEEP (20) sessions
# logged in before the faults must still open /account/orders, and every registration that was
# answered 303 must log in (mixload's verify phase).
#
# Both stores are private instances this script starts in a temp dir and removes afterwards
# (PostgreSQL 15 on PG_PORT 5440, Redis on REDIS_PORT 6390), so the shared servers on 5432/6379
# are never touched. Redis runs with AOF and appendfsync always, because the promise is that no
# acknowledged session is lost; a Redis without persistence loses every session on restart.
# camerastore: bcrypt cost 4, no throttle, no email confirmation. mixload: USERS (16) users,
# THINK_MS (10) ms pause after each request, 30 s client timeout.
#
# Output in OUT (reliability/results/<date>/faults): summary.json (with one `faults` row per
# fault), timeline.csv (per second), marks.txt (fault start/back in Unix ms), faults.md (the table,
# from faults-table.jq: `jq -r -f reliability/faults-table.jq summary.json` prints it again).
#
# Rerun: bash reliability/faults.sh      (~3 min; run as root: PostgreSQL runs as user postgres)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
source "$REPO/reliability/lib.sh"

WARMUP="${WARMUP:-20}"
SETTLE="${SETTLE:-25}"
BLOCK="${BLOCK:-10}"
USERS="${USERS:-16}"
THINK_MS="${THINK_MS:-10}"
KEEP="${KEEP:-20}"
PORT="${PORT:-3191}"
PG_PORT="${PG_PORT:-5440}"
REDIS_PORT="${REDIS_PORT:-6390}"
OUT="${OUT:-$REPO/reliability/results/$(date +%F)/faults}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

WORK="$(mktemp -d)"
chmod 755 "$WORK"
# PostgreSQL refuses to run as root: its data, socket and log live in a directory of its own.
PGHOME="$WORK/pg"
PGDATA="$PGHOME/data"
REDIS_PID=""

as_postgres() { runuser -u postgres -- "$@"; }
pg_ctl() { as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGHOME/postgres.log" "$@"; }
# The private cluster's postmaster and its children, read from its own pid file, so no other
# PostgreSQL on this machine is ever signalled.
pg_pids() {
  local postmaster; postmaster=$(head -1 "$PGDATA/postmaster.pid")
  echo "$postmaster" $(ps -o pid= --ppid "$postmaster")
}

start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$WORK/redis" --appendonly yes \
    --appendfsync always --save "" >>"$WORK/redis.log" 2>&1 &
  REDIS_PID=$!
  until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.05; done
}

cleanup() {
  stop_shop
  [[ -n "${LOAD_PID:-}" ]] && kill "$LOAD_PID" 2>/dev/null || true
  if [[ -f "$PGDATA/postmaster.pid" ]]; then kill -CONT $(pg_pids) 2>/dev/null || true; pg_ctl -m immediate stop >/dev/null 2>&1 || true; fi
  if [[ -n "$REDIS_PID" ]]; then kill -CONT "$REDIS_PID" 2>/dev/null || true; kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# mark <name> <start_ms>: the store is back now.
mark() { echo "$1 $2 $(now_ms)" >>"$OUT/marks.txt"; log "$1: store back after $(( $(now_ms) - $2 )) ms"; }

mkdir -p "$OUT" "$WORK/redis" "$PGHOME"
chown postgres "$PGHOME"
: >"$OUT/marks.txt"
build_release

log "starting private PostgreSQL on $PG_PORT and Redis on $REDIS_PORT in $WORK"
as_postgres "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres >/dev/null
pg_ctl -o "-p $PG_PORT -k $PGHOME -c listen_addresses=127.0.0.1" -w start >/dev/null
start_redis
start_shop "$PORT" "$WORK" --database-url "postgres://postgres@127.0.0.1:$PG_PORT/postgres" \
  --session-url "redis://127.0.0.1:$REDIS_PORT"
log "shop pid $SHOP_PID"

# Long enough for every fault and its settling time, plus what the restarts themselves take.
DURATION=$(( WARMUP + 4 * SETTLE + 2 * BLOCK + 15 ))
"$MIXLOAD_BIN" --base "http://127.0.0.1:$PORT" --users "$USERS" --think-ms "$THINK_MS" \
  --duration "$DURATION" --keep-sessions "$KEEP" --marks "$OUT/marks.txt" --out "$OUT" \
  2> >(tee "$OUT/mixload.log" >&2) &
LOAD_PID=$!
# The kept sessions are made before the load starts.
sleep $(( 3 + KEEP / 10 ))
sleep "$WARMUP"

log "restart PostgreSQL"; started=$(now_ms)
pg_ctl -m fast -w restart -o "-p $PG_PORT -k $PGHOME -c listen_addresses=127.0.0.1" >/dev/null
mark pg-restart "$started"
sleep "$SETTLE"

log "restart Redis"; started=$(now_ms)
redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
wait "$REDIS_PID" 2>/dev/null || true
start_redis
mark redis-restart "$started"
sleep "$SETTLE"

log "block PostgreSQL for $BLOCK s"; pids=$(pg_pids); started=$(now_ms)
kill -STOP $pids
sleep "$BLOCK"
kill -CONT $pids
mark pg-block "$started"
sleep "$SETTLE"

log "block Redis for $BLOCK s"; started=$(now_ms)
kill -STOP "$REDIS_PID"
sleep "$BLOCK"
kill -CONT "$REDIS_PID"
mark redis-block "$started"

log "waiting for the load to end and the verify phase"
status=0
wait "$LOAD_PID" || status=$?
LOAD_PID=
stop_shop
cp "$WORK/shop.log" "$OUT/shop.log"

jq -r -f "$REPO/reliability/faults-table.jq" "$OUT/summary.json" | tee "$OUT/faults.md"
exit "$status"
